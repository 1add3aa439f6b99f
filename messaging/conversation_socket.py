"""`/ws/conversations/<id>/`: one conversation, live, for its participants.

Thin: what the client sends (a message, typing, a read mark) goes to the
same services the REST API uses; what the services push to the
conversation's group (messaging/groups.py) is relayed to the socket. A
person who is not a participant is closed at once; one who stops being
one (blocked, left the company, no longer a moderator) is closed when the
services say so (`access_revoked`, `access_changed`), and whenever a
re-check finds them out.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from marketplace.errors import DomainError, NotFound
from marketplace.events import user_access_group
from messaging import selectors, services
from messaging.groups import conversation_group

# Close codes in the application range (4000-4999), after HTTP's.
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404
# Rights are checked again at most this often while events flow.
RECHECK_SECONDS = 30


@database_sync_to_async
def _may_take_part(user, conversation_id: int):
    try:
        return selectors.conversation_get(conversation_id=conversation_id, user=user)
    except NotFound:
        return None


@database_sync_to_async
def _act(action: str, user, conversation_id: int, content: dict):
    conversation = selectors.conversation_get(conversation_id=conversation_id, user=user)
    if action == "message":
        services.message_send(actor=user, conversation=conversation,
                              text=content.get("text") if isinstance(content.get("text"), str)
                              else "")
    elif action == "typing":
        services.typing_announce(actor=user, conversation=conversation)
    elif action == "read":
        message_id = content.get("message")
        services.conversation_mark_read(
            actor=user, conversation=conversation,
            message_id=message_id if isinstance(message_id, int) else None)


class ConversationConsumer(AsyncJsonWebsocketConsumer):
    user = None
    conversation_id = None
    groups_joined: tuple = ()
    checked_at = 0.0

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.user = user
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        if await _may_take_part(user, self.conversation_id) is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.groups_joined = (conversation_group(self.conversation_id),
                              user_access_group(user.pk))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        self.checked_at = time.monotonic()
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.get("type") if isinstance(content, dict) else None
        if action not in ("message", "typing", "read"):
            await self.send_json({"type": "error", "code": "not_supported",
                                  "detail": "Send a message, typing or read event."})
            return
        try:
            await _act(action, self.user, self.conversation_id, content)
        except NotFound:
            await self.close(code=CLOSE_NOT_ALLOWED)
        except DomainError as error:
            await self.send_json({"type": "error", **error.as_dict()})

    async def _still_allowed(self, *, now: bool = False) -> bool:
        if not now and time.monotonic() - self.checked_at < RECHECK_SECONDS:
            return True
        self.checked_at = time.monotonic()
        if await _may_take_part(self.user, self.conversation_id) is None:
            await self.close(code=CLOSE_NOT_ALLOWED)
            return False
        return True

    async def notify(self, event):
        payload = event["payload"]
        kind = payload.get("type")
        if kind == "access_revoked":
            if payload.get("user") == self.user.pk:
                await self.close(code=CLOSE_NOT_ALLOWED)
            return
        if kind == "access_changed":
            await self._still_allowed(now=True)
            return
        if kind == "typing" and payload.get("user") == self.user.pk:
            return  # one's own typing is not news
        if await self._still_allowed():
            await self.send_json(payload)
