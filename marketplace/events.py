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

import logging

from asgiref.sync import async_to_sync
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


def send_to_group(group: str, payload: dict) -> bool:
    """Send now (use the *_on_commit helper from inside a service). A
    channel layer that cannot be reached is logged, not raised: whatever
    caused the event has happened."""
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "notify",
                                                              "payload": payload})
    except Exception:  # the layer down (Redis unreachable, full): the rows stay
        logger.warning("could not deliver to socket group %s", group, exc_info=True)
        return False
    return True


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

