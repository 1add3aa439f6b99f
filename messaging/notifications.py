"""What `marketplace.events.notify()` does once messaging is installed
(registered in messaging/apps.py): store one Notification row per person in
the caller's transaction, and push it to the person's open sockets on
commit, with their unread count. And the one sentence each kind says.

Whether a person saw it live is not guessed from a presence counter: the
socket that receives the push acknowledges it (NotificationConsumer marks
the row delivered_live). A counter in the cache goes stale when a socket
worker dies without its disconnects (nobody would be e-mailed again) and is
gone with the cache when Redis is down; an acknowledgement is true by
construction: no socket, or a layer that is down, leaves the row
undelivered, and the digest e-mails it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from community_rules.models import Membership
from marketplace import events
from messaging.models import Notification

logger = logging.getLogger("nanum.notifications")


def store_and_deliver(user_ids, kind: str, data: dict, url: str) -> list[Notification]:
    """The events.notify() handler: rows now, sockets on commit."""
    rows = Notification.objects.bulk_create(
        [Notification(user_id=user_id, kind=kind, data=data, url=url[:300])
         for user_id in user_ids])
    transaction.on_commit(lambda: deliver(rows), robust=True)
    return rows


def _recipients(user_ids) -> dict[int, tuple[str, int]]:
    """{person: (their language, their unread count)}, in one query."""
    people = (User.objects.filter(pk__in=list(user_ids))
              .annotate(unread=Count("notifications",
                                     filter=Q(notifications__read_at__isnull=True)))
              .values_list("pk", "language", "unread"))
    return {pk: (language, unread) for pk, language, unread in people}


def push_payload(notification: Notification, *, unread: int) -> dict:
    return {"type": "notification", "id": notification.pk, "kind": notification.kind,
            "text": notification_text(notification), "url": notification.url,
            "created_at": notification.created_at.isoformat(), "unread": unread}


def deliver(rows: list[Notification]) -> None:
    """Push committed rows to their people's sockets. Never raises: the
    rows are stored, and the person sees them on the next page."""
    try:
        recipients = _recipients({row.user_id for row in rows})
        for row in rows:
            language, unread = recipients.get(row.user_id, ("", 0))
            # In the recipient's language, not that of whoever caused it
            # (unknown until they first sign in or pick one: the caller's).
            with translation.override(language or translation.get_language()
                                      or settings.LANGUAGE_CODE):
                payload = push_payload(row, unread=unread)
            events.send_to_group(events.user_group(row.user_id), payload)
    except Exception:
        logger.warning("could not deliver %d notification(s)", len(rows), exc_info=True)


# --- the sentences -------------------------------------------------------------


def _with_reason(text: str, data: dict) -> str:
    reason = (data.get("reason") or "").strip()
    if reason:
        text = "{} {}".format(text, _("Reason: %(reason)s") % {"reason": reason})
    return text


def _when(value) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# The sentence of each booking kind, translated when it is said.
BOOKING_SENTENCES = {
    "booking_requested": gettext_lazy("New booking request for “%(listing)s”."),
    "booking_approved": gettext_lazy("Your booking of “%(listing)s” is approved."),
    "booking_declined": gettext_lazy("Your booking of “%(listing)s” was declined."),
    "booking_cancelled": gettext_lazy("The booking of “%(listing)s” was cancelled."),
    "booking_confirmed": gettext_lazy("The booking of “%(listing)s” is confirmed."),
    "booking_picked_up": gettext_lazy("“%(listing)s” was picked up."),
    "booking_returned": gettext_lazy("“%(listing)s” was returned."),
    "booking_no_show": gettext_lazy("The booking of “%(listing)s” was marked as a no-show."),
    "booking_disputed": gettext_lazy("The return of “%(listing)s” is disputed."),
    "booking_expired": gettext_lazy("Your request for “%(listing)s” expired without an answer."),
    "booking_lapsed": gettext_lazy("Your booking of “%(listing)s” lapsed: it was not paid in time."),
    "booking_completed": gettext_lazy("The booking of “%(listing)s” is complete."),
    "booking_overdue": gettext_lazy("“%(listing)s” is overdue: it should have been returned."),
    "pickup_tomorrow": gettext_lazy("Reminder: “%(listing)s” is to be picked up within a day."),
    "return_tomorrow": gettext_lazy("Reminder: “%(listing)s” is due back within a day."),
    "payment_succeeded": gettext_lazy("The payment for “%(listing)s” went through."),
    "payment_failed": gettext_lazy("The payment for “%(listing)s” failed."),
    "payment_refunded": gettext_lazy("A refund for “%(listing)s” is on its way."),
    "extension_requested": gettext_lazy("A longer loan of “%(listing)s” is requested."),
    "extension_approved": gettext_lazy("Your longer loan of “%(listing)s” is approved."),
    "extension_declined": gettext_lazy("Your longer loan of “%(listing)s” was declined."),
    "waitlist_freed": gettext_lazy("“%(listing)s” is free for the dates you were waiting for."),
    "complaint_raised": gettext_lazy("A complaint was raised about the booking of “%(listing)s”."),
    "new_message": gettext_lazy("%(person)s wrote about “%(listing)s”."),
}


def _community_sentence(kind: str, data: dict) -> str | None:
    names = {"community": data.get("community_name", ""), "person": data.get("person", ""),
             "version": data.get("version", "")}
    if kind == "join_requested":
        return _("%(person)s asks to join %(community)s.") % names
    if kind == "membership_approved":
        return _with_reason(_("Your request to join %(community)s was approved. Welcome!")
                            % names, data)
    if kind == "membership_refused":
        return _with_reason(_("Your request to join %(community)s was not accepted.")
                            % names, data)
    if kind == "membership_removed":
        return _with_reason(_("You were removed from %(community)s.") % names, data)
    if kind == "role_changed":
        role = data.get("role", "")
        label = Membership.Role(role).label if role in Membership.Role.values else role
        return _with_reason(_("Your role in %(community)s is now: %(role)s.")
                            % {**names, "role": label}, data)
    if kind == "status_changed":
        return _with_reason(_status_sentence(data.get("status"), data.get("until"), names),
                            data)
    if kind == "rules_changed":
        return _("The rules of %(community)s changed (version %(version)s).") % names
    if kind == "proposal_opened":
        return _("A new proposal in %(community)s is open for your vote.") % names
    if kind == "proposal_decided":
        if data.get("status") == "adopted":
            return _("A proposal in %(community)s was adopted.") % names
        return _("A proposal in %(community)s was rejected.") % names
    if kind == "report_filed":
        return _("A new report waits in the moderation queue of %(community)s.") % names
    if kind.startswith("sanction_"):
        return _sanction_sentence(kind.removeprefix("sanction_"), data, names)
    return None


def _status_sentence(status, until, names) -> str:
    status_ = Membership.Status
    if status == status_.SUSPENDED and until:
        return _("Your membership of %(community)s is suspended until %(until)s.") % {
            **names, "until": _when(until)}
    if status == status_.SUSPENDED:
        return _("Your membership of %(community)s is suspended.") % names
    if status == status_.BANNED:
        return _("You are banned from %(community)s.") % names
    return _("Your membership of %(community)s is active again.") % names


def _sanction_sentence(sanction: str, data: dict, names: dict) -> str:
    if sanction == "warning":
        text = _("You received a warning in %(community)s.") % names
    elif sanction == "strike":
        text = _("You received a strike in %(community)s.") % names
    elif sanction == "suspension" and data.get("until"):
        text = _("You are suspended in %(community)s until %(until)s.") % {
            **names, "until": _when(data["until"])}
    elif sanction == "suspension":
        text = _("You are suspended in %(community)s.") % names
    else:
        text = _("You are banned from %(community)s.") % names
    return _with_reason(text, data)


def _listing_sentence(kind: str, data: dict) -> str | None:
    names = {"title": data.get("listing_title", ""), "reason": data.get("reason", ""),
             "community": data.get("community_name", "")}
    if kind == "listing_held" and names["community"]:
        return _("Your listing “%(title)s” is on hold: the moderators of %(community)s hid "
                 "it (“%(reason)s”). Only they or city staff can lift the hold.") % names
    if kind == "listing_held":
        return _("Your listing “%(title)s” is on hold: city staff hid it (“%(reason)s”). "
                 "Only city staff can lift the hold.") % names
    if kind == "listing_released":
        return _("The hold on your listing “%(title)s” is lifted.") % names
    return None


def _designation_sentence(kind: str, data: dict) -> str | None:
    names = {"company": data.get("company_name", ""), "number": data.get("number", ""),
             "authority": data.get("authority", ""),
             "until": data.get("expires_on", "")}
    if kind == "designation_applied":
        return _("%(company)s asks to be designated as a share company.") % names
    if kind == "designation_granted":
        return _("%(company)s is designated as a share company by %(authority)s "
                 "(no. %(number)s) until %(until)s.") % names
    if kind == "designation_refused":
        return _with_reason(_("The city did not designate %(company)s.") % names, data)
    if kind == "designation_expiring":
        return _("The designation of %(company)s (no. %(number)s) ends on %(until)s: "
                 "apply again to keep it.") % names
    return None


def _complaint_step_sentence(data: dict) -> str:
    names = {"listing": data.get("listing_title", "")}
    step = data.get("step")
    if step == "answered":
        return _("There is a new answer in the complaint about “%(listing)s”.") % names
    if step == "resolved":
        return _("The complaint about “%(listing)s” is resolved.") % names
    if step == "escalated":
        return _("The complaint about “%(listing)s” moved up to the next desk.") % names
    return _("The complaint about “%(listing)s” changed.") % names


def notification_text(notification: Notification) -> str:
    """One sentence in the active language, built from the row's data."""
    kind, data = notification.kind, notification.data or {}
    booking = BOOKING_SENTENCES.get(kind)
    if booking is not None:
        return str(booking) % {"listing": data.get("listing_title", ""),
                                "person": data.get("person", "")}
    if kind == "complaint_step":
        return _complaint_step_sentence(data)
    text = (_community_sentence(kind, data) or _listing_sentence(kind, data)
            or _designation_sentence(kind, data))
    if text is not None:
        return text
    return data.get("text") or _("You have a new notification.")
