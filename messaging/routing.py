from django.urls import path

from messaging.consumers import NotificationConsumer
from messaging.conversation_socket import ConversationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/conversations/<int:conversation_id>/", ConversationConsumer.as_asgi()),
]
