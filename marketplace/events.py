"""Tell people's open sockets about something, once the transaction commits.

Services call these; nothing is announced for a write that was rolled back.
The consumer in messaging/consumers.py relays `notify` events to the socket.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    """The channel-layer group of one person's sockets."""
    return f"user.{user_id}"


def send_to_group(group: str, payload: dict) -> None:
    """Send now; use the *_on_commit helpers from inside a service."""
    async_to_sync(get_channel_layer().group_send)(group, {"type": "notify", "payload": payload})


def send_to_user_on_commit(user_id: int, payload: dict) -> None:
    transaction.on_commit(lambda: send_to_group(user_group(user_id), payload))


def send_to_group_on_commit(group: str, payload: dict) -> None:
    transaction.on_commit(lambda: send_to_group(group, payload))
