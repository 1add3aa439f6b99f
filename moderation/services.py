"""Reports and the moderation queue, tiered complaints.

Moderation acts on what it is about only through that app's services: a
listing is hidden by listings' `listing_hide` (a hold only a moderator or
city staff lifts), a person is warned, suspended or banned by
community_rules' `sanction_give` (which suspends and bans through
`member_suspend` and `member_ban`), and the moderation log is written by
community_rules' `moderation_log_record`. Who may act on whom is
community_rules.policy's to say."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from bookings.services.booking import lender_ids
from community_rules import policy
from community_rules.models import Community, Sanction
from community_rules.sanctions import moderation_log_record, sanction_give
from listings.models import Listing
from listings.selectors import Viewer, listing_get
from listings.services.listing import listing_hide
from marketplace import events
from marketplace.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from messaging.models import Message
from messaging.selectors import is_participant
from moderation.models import Complaint, ComplaintStep, Report
from payments.services.settlement import dispute_settle

PARTY_DAYS = 3
MODERATOR_DAYS = 3
STAFF_DAYS = 7

# What a report's outcome gives the person responsible.
SANCTIONS = {Report.Outcome.WARN: Sanction.Kind.WARNING,
             Report.Outcome.SUSPEND: Sanction.Kind.SUSPENSION,
             Report.Outcome.BAN: Sanction.Kind.BAN}


# --- reports ----------------------------------------------------------------

def _report_target(*, actor, target_type: str, target_id: int, community_slug: str | None):
    """What is reported, and whose queue it goes to: the community it is
    shared in (or that owns it), else city staff."""
    if target_type == Report.TargetType.LISTING:
        listing = listing_get(listing_id=target_id, viewer=Viewer.of(actor))
        if listing.owner_community_id:
            return listing, listing.owner_community
        if listing.visibility == Listing.Visibility.COMMUNITIES:
            return listing, listing.communities.first()
        return listing, None
    if target_type == Report.TargetType.USER:
        person = User.objects.filter(pk=target_id, is_active=True).first()
        if person is None:
            raise NotFound()
        community = None
        if community_slug:
            community = Community.objects.filter(
                slug=community_slug, memberships__user=actor,
                memberships__status="active").first()
            if community is None:
                raise NotFound()
        return person, community
    if target_type == Report.TargetType.MESSAGE:
        # Only those in the conversation may report what was said in it.
        message = (Message.objects
                   .select_related("conversation__listing__company",
                                   "conversation__listing__owner_community",
                                   "conversation__booking__community")
                   .filter(pk=target_id).first())
        if message is None or not is_participant(message.conversation, actor):
            raise NotFound()
        booking = message.conversation.booking
        return message, booking.community if booking is not None else None
    raise ValidationFailed(fields={"target_type": [_("Report a listing, a person or a "
                                                     "message.")]})


@transaction.atomic
def report_create(*, actor, target_type: str, target_id: int, reason: str,
                  community: str | None = None) -> Report:
    """Anyone signed in reports something they can see, with a reason."""
    if not reason.strip():
        raise ValidationFailed(fields={"reason": [_("Say what is wrong.")]})
    _target, queue = _report_target(actor=actor, target_type=target_type, target_id=target_id,
                                    community_slug=community)
    report = Report.objects.create(reporter=actor, target_type=target_type,
                                   target_id=target_id, community=queue, reason=reason)
    if queue is not None:
        events.notify(policy.moderator_ids(queue), "report_filed",
                      url=f"/communities/{queue.slug}/moderation/",
                      data={"report": report.pk, "community": queue.slug,
                            "community_name": queue.name})
    return report


def _reported_listing(report: Report) -> Listing | None:
    if report.target_type != Report.TargetType.LISTING:
        return None
    return (Listing.objects.select_related("owner", "company", "owner_community")
            .filter(pk=report.target_id).first())


def _person_responsible(report: Report, listing: Listing | None):
    """Who answers for what was reported: the person reported, or the
    person who lends the listing. A listing lent by a share company or by a
    community itself has no one person to sanction: the refusal says so."""
    if report.target_type == Report.TargetType.USER:
        person = User.objects.filter(pk=report.target_id).first()
        if person is None:
            raise NotFound()
        return person
    if report.target_type == Report.TargetType.MESSAGE:
        message = Message.objects.select_related("sender").filter(pk=report.target_id).first()
        if message is None:
            raise NotFound()
        return message.sender
    if listing is None:
        raise NotFound()
    if listing.owner_community_id is not None:
        message = _("This listing belongs to %(community)s itself: there is no one person "
                    "to warn, suspend or ban. Hide the listing or dismiss the report.") % {
            "community": listing.owner_community.name}
        raise ValidationFailed(message, fields={"outcome": [message]})
    if listing.company_id is not None:
        message = _("This listing is lent by the share company %(company)s, not by one "
                    "person: hide the listing or dismiss the report. City staff answer for "
                    "share companies.") % {"company": listing.company.name}
        raise ValidationFailed(message, fields={"outcome": [message]})
    return listing.owner


@transaction.atomic
def report_handle(*, actor, report: Report, outcome: str, note: str = "",
                  until=None) -> Report:
    """A community's moderators (city staff, for the city's queue) dismiss a
    report, hide the listing (a hold only they or city staff lift), or warn,
    suspend or ban the person responsible, as community_rules.policy
    allows: no one acts on an owner or on themselves, only owners on
    moderators. City staff hide and dismiss; sanctions are communities'."""
    report = (Report.objects.select_for_update(of=("self",)).select_related("community")
              .get(pk=report.pk))
    if not policy.moderates_queue(user=actor, community=report.community):
        raise Forbidden(_("Only the community's moderators handle this report."))
    if report.status != Report.Status.OPEN:
        raise Conflict(_("This report has already been handled."))
    if outcome not in Report.Outcome.values:
        raise ValidationFailed(fields={"outcome": [_("Choose what to do.")]})
    reason = (note or "").strip() or report.reason
    listing = _reported_listing(report)
    if outcome == Report.Outcome.HIDE_LISTING:
        if listing is None:
            raise ValidationFailed(fields={"outcome": [_("Only a listing can be hidden.")]})
        listing_hide(actor=actor, listing=listing, reason=reason, community=report.community)
    elif outcome in SANCTIONS:
        if report.community is None:
            raise ValidationFailed(fields={"outcome": [
                _("City staff hide listings or dismiss; sanctions belong to communities.")]})
        person = _person_responsible(report, listing)
        sanction_give(actor=actor, community=report.community, user=person,
                      kind=SANCTIONS[outcome], reason=reason,
                      until=until if outcome == Report.Outcome.SUSPEND else None)
    report.status = (Report.Status.DISMISSED if outcome == Report.Outcome.DISMISS
                     else Report.Status.ACTIONED)
    report.outcome, report.note = outcome, note
    report.handled_by, report.handled_at = actor, timezone.now()
    report.save()
    moderation_log_record(community=report.community, actor=actor, action=f"report_{outcome}",
                          target=f"{report.target_type} {report.target_id}", reason=reason)
    return report


# --- complaints -------------------------------------------------------------

def _step(complaint: Complaint, action: str, actor, text: str = "") -> None:
    ComplaintStep.objects.create(complaint=complaint, tier=complaint.tier, action=action,
                                 actor=actor, text=text)
    if action != "raised":  # the raising is told by _complaint_open
        booking = complaint.booking
        events.notify(_parties(booking) - {getattr(actor, "pk", None)}, "complaint_step",
                      url=f"/bookings/{booking.pk}/",
                      data={"complaint": complaint.pk, "booking": booking.pk, "step": action,
                            "listing_title": booking.listing.title})


def _parties(booking):
    return {booking.borrower_id, *lender_ids(booking.listing)}


@transaction.atomic
def complaint_raise(*, actor, booking, text: str) -> Complaint:
    """A borrower or lender complains about a booking. It goes first to the
    other party, who has three days to settle it."""
    if actor.pk not in _parties(booking):
        raise NotFound()
    if not text.strip():
        raise ValidationFailed(fields={"text": [_("Say what went wrong.")]})
    if booking.complaints.filter(status=Complaint.Status.OPEN, raised_by=actor).exists():
        raise Conflict(_("You already have an open complaint about this booking."))
    return _complaint_open(actor=actor, booking=booking, text=text)


def complaint_open_for_dispute(booking, *, actor, note: str) -> Complaint:
    """A booking disputed (by either side, or by a lender's damage claim)
    opens a complaint at its first tier by itself; its outcome settles the
    deposit."""
    open_one = booking.complaints.filter(status=Complaint.Status.OPEN).first()
    if open_one is not None:
        return open_one
    text = note.strip() or _("The booking is disputed after the return.")
    return _complaint_open(actor=actor, booking=booking, text=text)


def _complaint_open(*, actor, booking, text: str) -> Complaint:
    complaint = Complaint.objects.create(booking=booking, raised_by=actor, text=text,
                                         deadline=timezone.now() + timedelta(days=PARTY_DAYS))
    _step(complaint, "raised", actor, text)
    events.notify(_parties(booking) - {actor.pk}, "complaint_raised",
                  url=f"/bookings/{booking.pk}/",
                  data={"complaint": complaint.pk, "booking": booking.pk,
                        "listing_title": booking.listing.title})
    return complaint


def _may_resolve(user, complaint: Complaint) -> bool:
    booking = complaint.booking
    if complaint.tier == Complaint.Tier.PARTY:
        return user.pk in _parties(booking)
    # Above the first tier nobody decides their own case: a moderator who is
    # a party to the booking does not settle the complaint.
    if user.pk in _parties(booking):
        return False
    if complaint.tier == Complaint.Tier.MODERATORS:
        return policy.is_moderator(user=user, community=booking.community)
    return bool(user.is_staff)


@transaction.atomic
def complaint_respond(*, actor, complaint: Complaint, text: str) -> Complaint:
    """Whoever holds the complaint at its tier (or a party) adds an answer."""
    if actor.pk not in _parties(complaint.booking) and not _may_resolve(actor, complaint):
        raise NotFound()
    _step(complaint, "answered", actor, text)
    return complaint


@transaction.atomic
def complaint_resolve(*, actor, complaint: Complaint, outcome: str,
                      awarded: int = 0) -> Complaint:
    """Settled: by the parties at the first tier, by the moderators at the
    second, by city staff at the last. The outcome is recorded. For a
    disputed booking it settles the deposit: `awarded` (up to the damage
    claimed) is taken from it, the rest released, and the booking completes.
    At the first tier only the borrower, who pays, can agree to an award."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if not _may_resolve(actor, complaint):
        if actor.pk in _parties(complaint.booking):
            raise Forbidden(_("The complaint is now with %(tier)s.")
                            % {"tier": complaint.get_tier_display()})
        raise NotFound()
    if complaint.status != Complaint.Status.OPEN:
        raise InvalidTransition(_("This complaint is already resolved."))
    if not outcome.strip():
        raise ValidationFailed(fields={"outcome": [_("Record how it was settled.")]})
    booking = complaint.booking
    if awarded and complaint.tier == Complaint.Tier.PARTY and actor.pk != booking.borrower_id:
        raise Forbidden(_("At this stage only the borrower can agree to pay for damage."))
    complaint.status, complaint.outcome, complaint.resolved_by = (
        Complaint.Status.RESOLVED, outcome, actor)
    complaint.save(update_fields=["status", "outcome", "resolved_by"])
    _step(complaint, "resolved", actor, outcome)
    if booking.status == booking.Status.DISPUTED or awarded:
        dispute_settle(booking=booking, awarded=awarded, actor=actor)
    if complaint.booking.community_id:
        moderation_log_record(community=complaint.booking.community, actor=actor,
                              action="complaint_resolved",
                              target=f"booking {complaint.booking_id}", reason=outcome)
    return complaint


def complaints_escalate_due(*, now=None) -> int:
    """The job: complaints not settled by their deadline move up a tier."""
    now = now or timezone.now()
    moved = 0
    for complaint in Complaint.objects.filter(status=Complaint.Status.OPEN, deadline__lte=now
                                              ).exclude(tier=Complaint.Tier.STAFF):
        with transaction.atomic():
            locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
            if locked.status != Complaint.Status.OPEN or locked.deadline > now:
                continue
            to_moderators = (locked.tier == Complaint.Tier.PARTY
                             and locked.booking.community_id is not None)
            locked.tier = Complaint.Tier.MODERATORS if to_moderators else Complaint.Tier.STAFF
            locked.deadline = now + timedelta(days=MODERATOR_DAYS if to_moderators
                                              else STAFF_DAYS)
            locked.save(update_fields=["tier", "deadline"])
            _step(locked, "escalated", None)
            moved += 1
    return moved
