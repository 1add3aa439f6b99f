"""Channel-layer group names of messaging's sockets."""


def conversation_group(conversation_id: int) -> str:
    """The group every open socket on one conversation joins."""
    return f"conversation.{conversation_id}"
