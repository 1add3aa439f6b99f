from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from marketplace.errors import NotFound
from marketplace.events import user_group
from messaging import notification_services
from messaging.sockets import CLOSE_NOT_AUTHENTICATED, off_loop


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/notifications/`: pushes the signed-in person's notifications,
    says the unread count on connect, and takes `read` / `read_all` marks.
    Each push received is acknowledged (the row is delivered_live, so the
    digest does not e-mail it)."""

    group = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        unread = await off_loop(notification_services.unread_notification_count)(
            user)
        await self.send_json({"type": "hello", "unread": unread})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        user = self.scope["user"]
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "read":
            try:
                await off_loop(notification_services.notification_mark_read)(
                    actor=user, notification_id=int(content.get("id")))
            except (TypeError, ValueError, NotFound):
                await self.send_json({"type": "error", **NotFound().as_dict()})
                return
        elif kind == "read_all":
            await off_loop(notification_services.notifications_mark_all_read)(
                actor=user)
        else:
            await self.send_json({"type": "error", "code": "not_supported",
                                  "detail": _("Send read or read_all.")})
        # The new count reaches every open tab of the person, this one too
        # (notification_services pushes it to their group once marked).

    async def notify(self, event):
        payload = event["payload"]
        await self.send_json(payload)
        if payload.get("type") == "notification" and payload.get("id"):
            await off_loop(notification_services.notification_mark_delivered)(
                user_id=self.scope["user"].pk, notification_id=payload["id"])
