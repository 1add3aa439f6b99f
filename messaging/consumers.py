from channels.generic.websocket import AsyncJsonWebsocketConsumer

from marketplace.events import user_group

# Close codes in the application range (4000-4999); 4401 mirrors HTTP 401.
CLOSE_NOT_AUTHENTICATED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/notifications/`: pushes the signed-in person's notifications."""

    group = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The socket is one-way for now: the client only listens.
        await self.send_json({"type": "error", "code": "not_supported",
                              "detail": "This socket only delivers notifications."})

    async def notify(self, event):
        await self.send_json(event["payload"])
