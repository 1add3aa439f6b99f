"""`/ws/conversations/<id>/`: one conversation, live, for its participants.

Thin: what the client sends (a message, typing, a read mark) goes to the
same services the REST API uses, which check the person's part in it each
time; what the services push to the conversation's group
(messaging/groups.py) is relayed to the socket. A person who is not a
participant is closed at once; one who stops being one (blocked, left the
company, no longer a moderator) is closed when the services say so
(`access_revoked`, `access_changed`), and otherwise by the process's
re-check of its open sockets (messaging/socket_rights.py).

The database work runs on the loop's worker pool (messaging.sockets.off_loop).
"""

import json
import logging

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.errors import DomainError, NotFound
from marketplace.events import user_access_group
from messaging import selectors, services, socket_rights
from messaging.groups import conversation_group
from messaging.models import MAX_MESSAGE_LENGTH
from messaging.sockets import (
    CLOSE_NOT_ALLOWED,
    CLOSE_NOT_AUTHENTICATED,
    CLOSE_NOT_FOUND,
    off_loop,
)

logger = logging.getLogger("nanum.sockets")

# A frame longer than this is refused unread: the longest message, each
# character escaped in JSON (\uXXXX), with room for the rest of the frame.
MAX_FRAME_CHARS = MAX_MESSAGE_LENGTH * 6 + 1024
# Ids are 64-bit in the database: a bigger number names no message.
MAX_ID = 2**63 - 1


@off_loop
def _refusal(user, conversation_id: int) -> int | None:
    """None while the person may have the conversation open; else the close
    code: 4404 for someone who takes no part in it (as for a conversation
    that does not exist), 4403 for a participant another participant has
    blocked (closed when the block was made, and kept out while it stands)."""
    try:
        conversation = selectors.participant_conversation(conversation_id=conversation_id,
                                                          user=user)
    except NotFound:
        return CLOSE_NOT_FOUND
    if selectors.blocked_by_any(user.pk, selectors.participant_ids(conversation)):
        return CLOSE_NOT_ALLOWED
    return None


def _language_of(scope) -> str:
    """The language the socket's page would be in: the language cookie, else
    the client's Accept-Language, else the site's (as LocaleMiddleware)."""
    request = HttpRequest()
    request.COOKIES = scope.get("cookies") or {}
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)


def _message_id(value):
    """A read mark's message id as sent: a positive integer, else None
    (the newest message)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


@off_loop
def _act(action: str, user, conversation_id: int, content: dict, language: str):
    conversation = selectors.conversation_now(conversation_id)
    with translation.override(language):
        if action == "message":
            text = content.get("text")
            services.message_send(actor=user, conversation=conversation,
                                  text=text if isinstance(text, str) else "")
        elif action == "typing":
            services.typing_announce(actor=user, conversation=conversation)
        elif action == "read":
            services.conversation_mark_read(actor=user, conversation=conversation,
                                            message_id=_message_id(content.get("message")))


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    user = None
    conversation_id = None
    groups_joined: tuple = ()
    closing = False
    language = None

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:  # however it ends, a crash included: no longer re-checked,
            socket_rights.unwatch(self)  # and out of its groups (a crash
            try:                         # skips disconnect)
                await self._leave_groups()
            except Exception:  # the layer away: the crash is what to report
                logger.warning("could not leave the groups of a closed socket", exc_info=True)

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.user = user
        self.language = _language_of(self.scope)
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        refusal = await _refusal(user, self.conversation_id)
        if refusal is not None:
            await self.close(code=refusal)
            return
        self.groups_joined = (conversation_group(self.conversation_id),
                              user_access_group(user.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        socket_rights.watch(self)

    async def disconnect(self, code):
        socket_rights.unwatch(self)
        await self._leave_groups()

    async def _leave_groups(self):
        groups, self.groups_joined = self.groups_joined, ()
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _shut(self, code: int):
        """Close at once: nothing more is relayed nor taken while the
        client's side of the close is under way."""
        self.closing = True
        socket_rights.unwatch(self)
        await self._leave_groups()
        await self.close(code=code)

    async def _refuse_frame(self, detail: str):
        with translation.override(self.language):
            detail = str(detail)
        await self.send_json({"type": "error", "code": "not_supported", "detail": detail})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Frames that are not one JSON object of text are answered with an
        error frame; the socket stays open."""
        if self.closing:
            return
        if text_data is None:
            await self._refuse_frame(gettext_lazy("Send JSON text frames."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            with translation.override(self.language):
                detail = _("A message is at most %(limit)d characters long.") % {
                    "limit": MAX_MESSAGE_LENGTH}
            await self.send_json({"type": "error", "code": "too_large", "detail": detail})
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested past all reason
            await self._refuse_frame(gettext_lazy("Send JSON text frames."))
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        action = content.get("type") if isinstance(content, dict) else None
        if action not in ("message", "typing", "read"):
            await self._refuse_frame(gettext_lazy("Send a message, typing or read event."))
            return
        try:
            await _act(action, self.user, self.conversation_id, content, self.language)
        except NotFound:  # no longer a participant
            await self._shut(CLOSE_NOT_ALLOWED)
        except DomainError as error:
            with translation.override(self.language):
                refusal = {"type": "error", **error.as_dict()}
            await self.send_json(refusal)

    async def lost_rights(self) -> None:
        """The re-check found the person out (messaging/socket_rights.py)."""
        if not self.closing:
            await self._shut(CLOSE_NOT_ALLOWED)

    async def _check_still_allowed(self) -> None:
        if await _refusal(self.user, self.conversation_id) is not None and not self.closing:
            await self._shut(CLOSE_NOT_ALLOWED)

    async def notify(self, event):
        if self.closing:
            return
        payload = event["payload"]
        kind = payload.get("type")
        if kind == "access_revoked":
            if payload.get("user") == self.user.pk:
                await self._shut(CLOSE_NOT_ALLOWED)
            return
        if kind == "access_changed":
            await self._check_still_allowed()
            return
        if kind == "typing" and payload.get("user") == self.user.pk:
            return  # one's own typing is not news
        await self.send_json(payload)
