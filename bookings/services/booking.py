"""Every write of a booking. Each service is one transaction; refusals are
domain errors with a sentence the person understands."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CompanyStaff
from bookings import dispute_desk, payment_step, pricing
from bookings.availability import holding_bookings
from bookings.models import Booking, BookingTransition
from bookings.rules import check_booking_rules
from bookings.selectors import listing_for_booking
from bookings.services.waitlist import waitlist_notify_freed
from bookings.terms import check_period, refuse
from bookings.transitions import BORROWER, LENDER, SYSTEM, TRANSITIONS
from community_rules import engine as rules_engine
from community_rules import policy
from community_rules.models import Community
from community_rules.sanctions import late_return_record
from listings.models import Listing, ListingUnit
from listings.selectors import Viewer, can_manage_listing
from marketplace import events
from marketplace.errors import (
    BookingConflict,
    Forbidden,
    InvalidTransition,
)

S = Booking.Status

# PostgreSQL's SQLSTATE for an exclusion-constraint violation: the database
# refused an overlapping booking that slipped past the check.
EXCLUSION_VIOLATION = "23P01"


def _check_terms(*, listing: Listing, viewer: Viewer, start: datetime, end: datetime,
                 now: datetime) -> None:
    """The listing's own terms: bookable, not yours, notice, then the
    period (horizon, length, hours, blackouts; bookings/terms.py)."""
    if can_manage_listing(listing=listing, viewer=viewer):
        raise Forbidden(_("You cannot book your own listing."))
    if listing.status != Listing.Status.ACTIVE:
        refuse("listing", _("This listing is not taking bookings right now."))
    if timezone.is_naive(start) or timezone.is_naive(end):
        refuse("start", _("Give the start and end with a time zone."))
    if start >= end:
        refuse("end", _("The end must be after the start."))
    if start < now + listing.lead_time:
        if listing.lead_time:
            hours = int(listing.lead_time.total_seconds() // 3600)
            refuse("start", _("This listing needs %(hours)s hours' notice before a booking "
                              "starts.") % {"hours": hours})
        refuse("start", _("The start is in the past."))
    check_period(listing, start, end, now=now)


def _booking_community(*, listing: Listing, viewer: Viewer, slug: str | None) -> Community | None:
    """The community a booking is made through. A community-only listing
    must be booked through one of its communities the borrower belongs to."""
    if slug:
        community = listing.communities.filter(slug=slug).first()
        hidden = (community is not None and community.pk not in viewer.community_ids
                  and community.visibility == Community.Visibility.PRIVATE)
        if community is None or hidden:
            # A private community answers as if it were not there.
            refuse("community", _("This listing is not shared in that community."))
        if community.pk not in viewer.community_ids:
            raise Forbidden(_("Only active members can book through this community."))
        return community
    if listing.visibility == Listing.Visibility.COMMUNITIES:
        mine = [c for c in listing.communities.all() if c.pk in viewer.community_ids]
        if not mine:
            raise Forbidden(_("This listing is shared only with members of its communities."))
        return mine[0]
    return None


def _free_unit(listing: Listing, start: datetime, end: datetime) -> ListingUnit | None:
    taken = holding_bookings(start=start, end=end).filter(unit=OuterRef("pk"))
    return (
        ListingUnit.objects.filter(listing=listing, is_active=True)
        .exclude(Exists(taken))
        .order_by("position", "pk")
        .first()
    )


def is_overlap_violation(error: IntegrityError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION


def _record(booking: Booking, *, from_status: str, actor, note: str = "") -> None:
    BookingTransition.objects.create(booking=booking, from_status=from_status,
                                     to_status=booking.status, actor=actor, note=note)


def announce(booking: Booking, *, to_user_id: int, kind: str) -> None:
    """Tell one side of a booking what happened to it (a stored notification,
    pushed on commit); the sentence comes from `kind` and the listing's title."""
    events.notify([to_user_id], kind, url=f"/bookings/{booking.pk}/", data={
        "booking": booking.pk, "status": booking.status, "listing": booking.listing_id,
        "listing_title": booking.listing.title,
    })


def lender_ids(listing: Listing) -> list[int]:
    """Who answers for a listing: the owner, or its company's staff, or its
    community's moderators."""
    return lenders_of([listing])[listing.pk]


def lenders_of(listings) -> dict[int, list[int]]:
    """lender_ids for many listings at once: at most two queries, none for
    listings their owner lends alone."""
    companies = {listing.company_id for listing in listings if listing.company_id}
    communities = {listing.owner_community_id for listing in listings
                   if not listing.company_id and listing.owner_community_id}
    staff: dict[int, list[int]] = {}
    if companies:
        for company_id, user_id in (CompanyStaff.objects.filter(company_id__in=companies)
                                    .order_by("pk").values_list("company_id", "user_id")):
            staff.setdefault(company_id, []).append(user_id)
    moderators = policy.moderators_of(communities) if communities else {}
    return {listing.pk: (staff.get(listing.company_id, []) if listing.company_id
                         else moderators.get(listing.owner_community_id, [])
                         if listing.owner_community_id else [listing.owner_id])
            for listing in listings}


def booking_request(*, actor, listing_id: int, start: datetime, end: datetime,
                    community: str | None = None, message: str = "",
                    viewer: Viewer | None = None) -> Booking:
    """Ask to borrow a listing over [start, end). A free unit is chosen
    automatically; none free is a BookingConflict and nothing is saved.
    Instant-booking listings are approved at once, and a booking with
    nothing to pay online is then confirmed at once. `viewer` is the
    actor's, when the caller has it already."""
    if viewer is None or viewer.user_id != actor.pk:
        viewer = Viewer.of(actor)
    listing = listing_for_booking(listing_id=listing_id, viewer=viewer)
    now = timezone.now()
    _check_terms(listing=listing, viewer=viewer, start=start, end=end, now=now)
    through = _booking_community(listing=listing, viewer=viewer, slug=community)
    terms = pricing.quote(listing, start, end)

    # Two people may race for the last unit. On SQLite the IMMEDIATE
    # transaction serialises them; on PostgreSQL the exclusion constraint
    # refuses the loser, who then tries the next free unit: the winner's
    # booking is committed, so each try sees one unit fewer, and it ends
    # with a booking or with no unit free (BookingConflict).
    lost = 0
    while True:
        try:
            with transaction.atomic():
                # Rules that count (active bookings, fair use) are checked
                # here, one request at a time per borrower and community.
                check_booking_rules(borrower=actor, listing=listing, community=through,
                                    start=start, end=end, now=now)
                unit = _free_unit(listing, start, end)
                if unit is None:
                    raise BookingConflict()
                booking = Booking.objects.create(
                    listing=listing, unit=unit, borrower=actor, community=through,
                    start=start, end=end, message=message, status=S.REQUESTED,
                    rental=terms.rental, fees=terms.fees, deposit=terms.deposit,
                    total=terms.total, currency=terms.currency,
                    cancellation_policy=listing.cancellation_policy,
                    rule_set_version=rules_engine.current_version(through),
                    # Unanswered requests lapse, at the latest when the loan would start.
                    expires_at=min(now + listing.request_expiry, start),
                )
                _record(booking, from_status="", actor=actor, note=message)
                if listing.instant_booking and not rules_engine.requires_approval(through):
                    # Instant booking: the lender approved in advance.
                    booking = apply_transition(booking, "approve", actor=None)
                for lender_id in lender_ids(listing):
                    announce(booking, to_user_id=lender_id, kind="booking_requested")
                return booking
        except IntegrityError as error:
            if not is_overlap_violation(error):
                raise
            lost += 1
            if lost > listing.units.count():  # counted only when a race was lost
                raise BookingConflict() from error


def apply_transition(booking: Booking, action: str, *, actor, note: str = "", **fields) -> Booking:
    """Move the booking along the transition table with a conditional
    UPDATE: of two simultaneous clicks only one finds the expected state.
    Who may act was checked by the caller."""
    transition = TRANSITIONS[action]
    before = booking.status
    if transition.target == S.COMPLETED:
        fields["completed_at"] = timezone.now()
    updated = Booking.objects.filter(pk=booking.pk, status__in=transition.sources).update(
        status=transition.target, updated_at=timezone.now(), **fields)
    if not updated:
        raise InvalidTransition()
    booking.refresh_from_db()
    _record(booking, from_status=before, actor=actor, note=note)
    if before in Booking.HOLDING and booking.status not in Booking.HOLDING:
        waitlist_notify_freed(booking=booking)
    payment_step.current().after(booking, action, actor=actor, from_status=before)
    if booking.status == S.APPROVED:
        if not payment_step.current().due_online(booking):
            # Nothing to pay online (a free loan, or cash at pickup): confirmed.
            return apply_transition(booking, "confirm", actor=None)
        # To be paid by the deadline, at the latest when the loan starts.
        deadline = min(timezone.now() + timedelta(hours=settings.NANUM_PAYMENT_WINDOW_HOURS),
                       booking.start)
        Booking.objects.filter(pk=booking.pk).update(expires_at=deadline)
        booking.expires_at = deadline
    return booking


def booking_sides(*, booking: Booking, user) -> set[str]:
    sides = set()
    if user is not None and user.is_authenticated:
        if booking.borrower_id == user.pk:
            sides.add(BORROWER)
        if can_manage_listing(listing=booking.listing, viewer=Viewer.of(user)):
            sides.add(LENDER)
    return sides


def booking_act(*, actor, booking: Booking, action: str, note: str = "") -> Booking:
    """A person takes an action on a booking they are party to. The side
    they act on (borrower or lender) must be allowed the action, and the
    booking must be in a state the action starts from."""
    if action not in TRANSITIONS or TRANSITIONS[action].actors == {SYSTEM}:
        raise InvalidTransition()
    sides = booking_sides(booking=booking, user=actor)
    side = next((s for s in (LENDER, BORROWER) if s in sides
                 and s in TRANSITIONS[action].actors), None)
    if side is None:
        raise InvalidTransition(_("You cannot take that step on this booking."))
    now = timezone.now()
    fields = {}
    if action == "pickup":
        fields["picked_up_at"] = now
    elif action == "return":
        fields["returned_at"] = now
        fields["is_overdue"] = False
    if booking.status not in TRANSITIONS[action].sources:
        raise InvalidTransition()
    if action == "no_show" and now < booking.start:
        raise InvalidTransition(_("A no-show can be marked only once the booking has started."))
    # The payment step may call the gateway first (a deposit held at
    # pickup); a refusal there leaves the booking as it was.
    step = payment_step.current()
    step.before(booking, action, actor=actor)
    try:
        with transaction.atomic():
            if action == "approve":
                check_booking_rules(borrower=booking.borrower, listing=booking.listing,
                                    community=booking.community, start=booking.start,
                                    end=booking.end, booking=booking, now=now)
            if action == "return":
                late = late_return_record(community=booking.community,
                                          borrower=booking.borrower, booking_id=booking.pk,
                                          end=booking.end, returned_at=now)
                fields["late_fee"] = late.fee
            booking = apply_transition(booking, action, actor=actor, note=note, **fields)
            if action == "dispute":
                dispute_desk.open_case(booking, actor=actor, note=note)
            other = [booking.borrower_id] if side == LENDER else lender_ids(booking.listing)
            for user_id in other:
                announce(booking, to_user_id=user_id, kind=f"booking_{booking.status}")
    except Exception:
        step.action_failed(booking, action, actor=actor)
        raise
    return booking
