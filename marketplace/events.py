"""Telling people: `notify()` for what a person should know (stored and
delivered by messaging), `send_to_group_on_commit()` for live events on a
socket group. Both act once the transaction commits; nothing is announced
for a write that was rolled back, and a channel layer that is down never
fails the request that caused the event.

Every app calls `notify()`; messaging registers the handler that stores the
notification rows and delivers them (messaging/apps.py), so no lower app
imports messaging. Without it (a project without messaging) notifications
are pushed to the person's sockets only.
"""

import asyncio
import collections
import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("nanum.events")


def user_group(user_id: int) -> str:
    """The channel-layer group of one person's sockets."""
    return f"user.{user_id}"


def user_access_group(user_id: int) -> str:
    """The group of one person's conversation sockets, told when what they
    may take part in changes (left a company, no longer a moderator)."""
    return f"user.{user_id}.access"


def access_changed_on_commit(user_id: int) -> None:
    """Someone's rights changed: their open conversation sockets check
    again whether they still belong, and close if not."""
    send_to_group_on_commit(user_access_group(user_id), {"type": "access_changed"})


def send_to_group(group: str, payload: dict) -> None:
    """Send (use the *_on_commit helper from inside a service). A channel
    layer that cannot be reached is logged, not raised: whatever caused the
    event has happened.

    In an ASGI server, sync code (a view, a socket's database work) runs on
    a worker thread of the server's event loop: the send is handed to that
    loop's outbox and the thread goes on at once, instead of waiting for a
    round trip to the layer (Redis) per event. The outbox sends each group's
    events in the order they were given, so a conversation's messages
    arrive in order, and one group's slow sends hold up no other group.
    Elsewhere (a management command, the task queue, the test client) it is
    sent before this returns."""
    loop = _server_loop()
    if loop is not None:
        try:
            loop.call_soon_threadsafe(_outbox_add, loop, group, payload)
            return
        except RuntimeError:  # the loop closed just now (the server stopping)
            pass
    try:
        async_to_sync(_send)(get_channel_layer(), group, payload)
    except Exception:  # the layer down (Redis unreachable, full): the rows stay
        logger.warning("could not deliver to socket group %s", group, exc_info=True)


async def _send(layer, group: str, payload: dict) -> None:
    await layer.group_send(group, {"type": "notify", "payload": payload})


def _server_loop():
    """The running event loop whose worker thread this is, if any (as
    asgiref's async_to_sync finds it)."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if (loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid()
            or loop.is_closed() or not loop.is_running()):
        return None
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop in this thread: a worker thread indeed
        return loop
    return None


# Per event loop, per group, what is waiting to be sent, and the tasks
# sending it; used only on that loop's thread.
_outboxes: dict = {}
_senders: set = set()


def _outbox_add(loop, group: str, payload: dict) -> None:
    lanes = _outboxes.setdefault(loop, {})
    lane = lanes.get(group)
    if lane is None:
        lane = lanes[group] = collections.deque()
        sender = loop.create_task(_outbox_drain(loop, group, lane))
        _senders.add(sender)
        sender.add_done_callback(_senders.discard)
    lane.append(payload)


async def _outbox_drain(loop, group: str, lane) -> None:
    """One sender per group until its lane is empty; a failed send is
    logged and the next one tried."""
    try:
        layer = get_channel_layer()
        while lane:
            payload = lane.popleft()
            try:
                await _send(layer, group, payload)
            except Exception:
                logger.warning("could not deliver to socket group %s", group, exc_info=True)
    except Exception:
        logger.warning("could not deliver %d event(s) to socket group %s", len(lane) + 1,
                       group, exc_info=True)
    finally:
        lanes = _outboxes.get(loop, {})
        if lanes.get(group) is lane:
            del lanes[group]
        if not lanes:
            _outboxes.pop(loop, None)


def send_to_group_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: send_to_group(group, payload))


def _push_only(user_ids, kind: str, data: dict, url: str) -> None:
    for user_id in user_ids:
        payload = {"type": "notification", "kind": kind, "url": url, **data}
        transaction.on_commit(lambda u=user_id, p=payload: send_to_group(user_group(u), p))


_handler = _push_only


def provide_handler(handler) -> None:
    """`handler(user_ids, kind, data, url)` is called inside the caller's
    transaction; messaging's stores the rows and delivers them on commit."""
    global _handler
    _handler = handler


def notify(user_ids, kind: str, *, data: dict | None = None, url: str = "") -> None:
    """Tell these people about something: `kind` names it (booking_approved,
    new_message...), `data` holds the ids and the few words its sentence
    and link need (JSON), `url` is the page it is about."""
    ids = sorted({int(user_id) for user_id in user_ids if user_id})
    if ids:
        _handler(ids, kind, dict(data or {}), url)

