"""The header's notification bell: one small query per page."""

import logging

from django import template
from django.db import DatabaseError

from messaging import notification_services

register = template.Library()
logger = logging.getLogger("nanum.notifications")


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int | None:
    """The signed-in person's unread notifications (new messages included:
    each message makes one, and opening its conversation marks it read), or
    None for no one signed in. A database that fails here must not take the
    page down with it: the bell shows no count."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        return notification_services.unread_notification_count(user)
    except DatabaseError:
        logger.warning("could not count unread notifications", exc_info=True)
        return None
