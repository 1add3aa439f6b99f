"""Open conversation sockets whose person may have lost the right to them
without anyone saying so (the services do say so for blocks, a company's
staff and a community's moderators: `access_revoked`, `access_changed`).

Every RECHECK_SECONDS, each server process checks all its open sockets
together, in a handful of queries however many there are
(selectors.still_taking_part), and closes those whose person no longer
takes part. One check for the process, not one per socket: a thousand
sockets opened together do not all query the database at the same moment,
and no socket's messages wait behind its own check.
"""

import asyncio
import logging
import weakref

from messaging import selectors
from messaging.sockets import off_loop

logger = logging.getLogger("nanum.messaging")

RECHECK_SECONDS = 30

# Per event loop (a server process has one), its open sockets, held weakly
# (a consumer that crashed is not kept), and the one task checking them;
# used only on that loop's thread.
_watched: dict = {}
_checkers: dict = {}


def watch(consumer) -> None:
    """Re-check `consumer` (its `conversation_id`, `user`, and `lost_rights()`,
    which closes it) until unwatch()."""
    loop = asyncio.get_running_loop()
    _watched.setdefault(loop, weakref.WeakSet()).add(consumer)
    if loop not in _checkers:
        _checkers[loop] = loop.create_task(_check_now_and_then(loop))


def unwatch(consumer) -> None:
    loop = asyncio.get_running_loop()
    sockets = _watched.get(loop)
    if sockets is None:
        return
    sockets.discard(consumer)
    if not sockets:  # the last one closed: no checker left waiting
        del _watched[loop]
        checker = _checkers.pop(loop, None)
        if checker is not None and checker is not asyncio.current_task():
            checker.cancel()


def _watching(loop, consumer) -> bool:
    return consumer in _watched.get(loop, ())


async def _check_now_and_then(loop) -> None:
    """The loop's one checker: it stops when its sockets are all gone, or
    when another took its place (the last socket closed during a round and
    a new one opened)."""
    me = asyncio.current_task()
    try:
        while _watched.get(loop) and _checkers.get(loop) is me:
            await asyncio.sleep(RECHECK_SECONDS)
            try:
                await check_open_sockets(loop)
            except Exception:  # never the end of the checking
                logger.exception("re-checking open conversation sockets failed")
    finally:
        if _checkers.get(loop) is me:
            del _checkers[loop]


async def check_open_sockets(loop=None) -> int:
    """Check every open socket of this loop now; returns how many closed."""
    loop = loop or asyncio.get_running_loop()
    consumers = list(_watched.get(loop, ()))
    if not consumers:
        return 0
    try:
        allowed = await off_loop(selectors.still_taking_part)(
            {(consumer.conversation_id, consumer.user.pk) for consumer in consumers})
    except Exception:  # the database away: check again next time
        logger.warning("could not re-check %d open conversation sockets", len(consumers),
                       exc_info=True)
        return 0
    closed = 0
    for consumer in consumers:
        if (consumer.conversation_id, consumer.user.pk) in allowed:
            continue
        if not _watching(loop, consumer):  # closed while the check ran
            continue
        unwatch(consumer)
        try:
            await consumer.lost_rights()
        except Exception:  # its connection already gone, the layer away: the next one
            logger.warning("could not close conversation socket %s", consumer.channel_name,
                           exc_info=True)
        closed += 1
    return closed
