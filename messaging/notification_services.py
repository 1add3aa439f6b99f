"""A person's notifications: listing them, marking them read, the unread
count, and the e-mail digest for what no open socket received."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from marketplace import events
from marketplace.errors import NotFound
from messaging.models import Notification
from messaging.notifications import notification_text

logger = logging.getLogger("nanum.notifications")

# At most one digest per person in this long.
DIGEST_INTERVAL = timedelta(minutes=15)
# A push is acknowledged by the socket within moments of the commit; rows
# younger than this may still be acknowledged, so the digest waits for them.
ACKNOWLEDGE_GRACE = timedelta(minutes=1)


def notifications_list(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def unread_notification_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unread_told_on_commit(user_id: int) -> None:
    """Every open tab of the person shows the new unread count."""
    def tell():
        count = Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
        events.send_to_group(events.user_group(user_id), {"type": "unread", "unread": count})
    transaction.on_commit(tell, robust=True)


@transaction.atomic
def notification_mark_read(*, actor, notification_id: int) -> Notification:
    """Someone else's notification does not exist for the actor."""
    notification = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at):
            unread_told_on_commit(actor.pk)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    marked = Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now())
    if marked:
        unread_told_on_commit(actor.pk)
    return marked


def notification_mark_delivered(*, user_id: int, notification_id: int) -> None:
    """An open socket of the person received the push: no e-mail for it."""
    Notification.objects.filter(pk=notification_id, user_id=user_id,
                                delivered_live=False).update(delivered_live=True)


# --- the digest ----------------------------------------------------------------


def _verified_address(user) -> str | None:
    if not user.email or not user.is_active:
        return None
    verified = EmailAddress.objects.filter(user=user, email__iexact=user.email,
                                           verified=True).exists()
    return user.email if verified else None


def _site_url() -> str:
    return getattr(settings, "NANUM_SITE_URL", "").rstrip("/")


def _digest_due_users(now):
    waiting = Notification.objects.filter(read_at__isnull=True, delivered_live=False,
                                          emailed_at__isnull=True,
                                          created_at__lte=now - ACKNOWLEDGE_GRACE)
    user_ids = set(waiting.values_list("user_id", flat=True).distinct())
    last_sent = dict(Notification.objects.filter(user_id__in=user_ids,
                                                 emailed_at__isnull=False)
                     .values("user_id").annotate(last=Max("emailed_at"))
                     .values_list("user_id", "last"))
    return sorted(user_id for user_id in user_ids
                  if user_id not in last_sent or last_sent[user_id] <= now - DIGEST_INTERVAL)


def _send_digest(user, rows: list[Notification]) -> None:
    site = _site_url()
    # In the language the person last used the site in.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        items = [{"text": notification_text(row), "url": f"{site}{row.url}" if row.url else "",
                  "created_at": timezone.localtime(row.created_at)} for row in rows]
        context = {"person": user, "items": items, "site": site,
                   "notifications_url": f"{site}/notifications/"}
        subject = _("[Nanum] %(count)s new notification(s)") % {"count": len(rows)}
        body = render_to_string("messaging/email/digest.txt", context)
    send_mail(subject, body, None, [user.email])


def digest_send_due(*, now=None) -> int:
    """The job: one e-mail per person listing the unread notifications no
    open socket received and no digest listed yet, at most one every 15
    minutes, only to a verified address. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for user in User.objects.filter(pk__in=_digest_due_users(now)):
        address = _verified_address(user)
        with transaction.atomic():
            rows = list(Notification.objects.select_for_update()
                        .filter(user=user, read_at__isnull=True, delivered_live=False,
                                emailed_at__isnull=True, created_at__lte=now - ACKNOWLEDGE_GRACE)
                        .order_by("created_at", "pk"))
            if not rows:
                continue
            if address is None:
                continue  # no verified address: the bell and the page still show them
            # Claimed before sending: a second worker finds nothing left.
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(emailed_at=now)
            try:
                _send_digest(user, rows)
            except Exception:
                logger.warning("could not e-mail the digest to user %s", user.pk, exc_info=True)
                transaction.set_rollback(True)
                continue
        sent += 1
    return sent
