"""Putting things up to share: create, edit, share into communities,
archive, blackouts. Each service is one transaction and refuses with a
sentence the person understands."""

from datetime import time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ShareCompany
from accounts.selectors import is_company_staff
from community_rules import policy
from community_rules.engine import without_identity
from community_rules.models import Community
from community_rules.policy import moderated_community_ids
from community_rules.sanctions import moderation_log_record
from community_rules.selectors import active_community_ids, community_list
from listings.models import (
    CURRENCIES,
    MAX_SPAN,
    MAX_WON,
    Blackout,
    Category,
    Listing,
    ListingUnit,
    OpeningHours,
)
from listings.rules import check_listing_rules
from listings.search import search_tokens_for
from listings.selectors import Viewer, can_manage_listing, visible_listings
from marketplace import events
from marketplace.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed

EDITABLE = {
    "title", "description", "kind", "category", "condition", "pricing", "price", "deposit",
    "replacement_value", "currency", "units", "visibility", "communities", "district", "lat", "lng",
    "instant_booking", "cash_at_pickup", "min_duration", "max_duration", "lead_time", "cancellation_policy",
    "opening_hours", "status",
}
MAX_UNITS = 100


class _Errors:
    """Collects every field's problem, so a form shows them all at once."""

    def __init__(self):
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(fields=self.fields)


def _choice(errors, field, value, choices):
    if value not in {c.value for c in choices}:
        errors.add(field, _("Choose one of: %(options)s.") % {
            "options": ", ".join(c.value for c in choices)})


def _unseen(actor, communities) -> set[int]:
    """Which of these communities are private ones the actor may not see
    (community_rules.selectors.community_list): never named to them."""
    private = [c.pk for c in communities if c.visibility == Community.Visibility.PRIVATE]
    if not private:
        return set()
    return set(private) - set(community_list(viewer=actor).filter(pk__in=private)
                              .values_list("pk", flat=True))


def _check_rules(*, listing: Listing, communities, actor) -> None:
    """check_listing_rules, with the rules of private communities the actor
    may not see (a colleague shared the listing there) told without the
    community's name (issue 15)."""
    try:
        check_listing_rules(listing=listing, communities=communities)
    except RuleViolation as refused:
        hidden = {c.slug for c in communities if c.pk in _unseen(actor, communities)}
        if not hidden:
            raise
        raise RuleViolation([without_identity(v) if v["community"] in hidden else v
                             for v in refused.extra["violations"]]) from None


def _check(listing: Listing, *, units: int, community_slugs, opening_hours, errors: _Errors,
           actor, already_shared=frozenset()
           ) -> tuple[list[Community], list[tuple[int, time, time]] | None]:
    """Validate a listing's fields (on the instance) and its relations. The
    actor must belong to each community they share into; communities it is
    already shared in stay (a colleague may have shared it there). A private
    community the actor may not see is as unknown as one that does not
    exist: a refusal never names it (issue 15)."""
    if not listing.title.strip():
        errors.add("title", _("Give the listing a title."))
    _choice(errors, "kind", listing.kind, Listing.Kind)
    _choice(errors, "pricing", listing.pricing, Listing.Pricing)
    _choice(errors, "visibility", listing.visibility, Listing.Visibility)
    _choice(errors, "status", listing.status, Listing.Status)
    _choice(errors, "cancellation_policy", listing.cancellation_policy,
            Listing.CancellationPolicy)
    if listing.condition:
        _choice(errors, "condition", listing.condition, Listing.Condition)
    for field in ("price", "deposit"):
        value = getattr(listing, field)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            errors.add(field, _("Give a whole number of won, 0 or more."))
        elif value > MAX_WON:
            errors.add(field, _("Give at most %(most)s won.") % {"most": f"{MAX_WON:,}"})
    value = listing.replacement_value
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not 1 <= value <= MAX_WON):
        errors.add("replacement_value", _("Give what it would cost new as a whole number of "
                                          "won, from 1 to %(most)s, or leave it out.")
                   % {"most": f"{MAX_WON:,}"})
    if listing.pricing == Listing.Pricing.FREE and listing.price:
        errors.add("price", _("A free listing has no price."))
    if listing.pricing != Listing.Pricing.FREE and not listing.price:
        errors.add("price", _("Give the price, or make the listing free."))
    if listing.currency not in CURRENCIES:
        errors.add("currency", _("Prices are in won (KRW) only for now: other currencies "
                                 "cannot be paid yet."))
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
        errors.add("units", _("Between 1 and 100 units."))
    if (listing.lat is None) != (listing.lng is None):
        errors.add("lat", _("Give both latitude and longitude, or neither."))
    elif listing.lat is not None and not (-90 <= listing.lat <= 90
                                          and -180 <= listing.lng <= 180):
        errors.add("lat", _("That point is not on Earth."))
    if listing.min_duration <= timedelta(0):
        errors.add("min_duration", _("The shortest booking must be longer than zero."))
    ceiling = timedelta(days=settings.NANUM_BOOKING_MAX_DAYS)
    if listing.min_duration > ceiling:
        errors.add("min_duration", _("No booking may last more than %(days)s days, so the "
                                     "shortest booking must be at most that.")
                   % {"days": settings.NANUM_BOOKING_MAX_DAYS})
    if listing.max_duration is not None and listing.max_duration < listing.min_duration:
        errors.add("max_duration", _("The longest booking cannot be shorter than the "
                                     "shortest."))
    if listing.lead_time < timedelta(0):
        errors.add("lead_time", _("The notice cannot be negative."))
    for field in ("min_duration", "max_duration", "lead_time"):
        value = getattr(listing, field)
        if value is not None and value > MAX_SPAN:
            errors.add(field, _("At most %(days)s days (%(hours)s hours).") % {
                "days": MAX_SPAN.days, "hours": f"{MAX_SPAN // timedelta(hours=1):,}"})

    communities = list(Community.objects.filter(slug__in=list(community_slugs)))
    unseen = _unseen(actor, communities)
    communities_told = [c for c in communities
                        if c.pk not in unseen or c.slug in already_shared]
    unknown = set(community_slugs) - {c.slug for c in communities_told}
    member_of = active_community_ids(actor)
    if unknown:
        errors.add("communities", _("Unknown community: %(slugs)s.") % {
            "slugs": ", ".join(sorted(unknown))})
    for community in communities_told:
        if community.pk not in member_of and community.slug not in already_shared:
            errors.add("communities", _("You can only share into communities you belong to: "
                                        "%(name)s.") % {"name": community.name})
    if listing.visibility == Listing.Visibility.COMMUNITIES and not community_slugs:
        errors.add("communities", _("Choose at least one community to share it with."))

    hours = None
    if opening_hours is not None:
        hours = []
        for row in opening_hours:
            try:
                weekday = int(row["weekday"])
                opens = row["opens"] if isinstance(row["opens"], time) else time.fromisoformat(
                    row["opens"])
                closes = row["closes"] if isinstance(row["closes"], time) else \
                    time.fromisoformat(row["closes"])
            except (KeyError, TypeError, ValueError):
                errors.add("opening_hours", _("Each opening time needs a weekday (0-6) and "
                                              "times like 09:00."))
                continue
            if not 0 <= weekday <= 6 or opens >= closes:
                errors.add("opening_hours", _("Opening hours need a weekday from 0 (Monday) "
                                              "to 6 and must open before they close."))
                continue
            hours.append((weekday, opens, closes))
    return communities, hours


def _set_category(listing: Listing, slug, errors: _Errors) -> None:
    category = Category.objects.select_related("parent").filter(slug=slug).first()
    if category is None:
        errors.add("category", _("Choose a category from the list."))
    else:
        listing.category = category


def _set_units(listing: Listing, units: int) -> None:
    """Add units, or retire the highest-numbered ones (kept for history)."""
    existing = list(listing.units.order_by("position", "pk"))
    active = [u for u in existing if u.is_active]
    if units > len(active):
        inactive = [u for u in existing if not u.is_active][: units - len(active)]
        ListingUnit.objects.filter(pk__in=[u.pk for u in inactive]).update(is_active=True)
        start = len(existing)
        ListingUnit.objects.bulk_create(
            ListingUnit(listing=listing, label=str(n + 1), position=n)
            for n in range(start, start + units - len(active) - len(inactive)))
    elif units < len(active):
        retire = active[units:]
        ListingUnit.objects.filter(pk__in=[u.pk for u in retire]).update(is_active=False)


def _set_hours(listing: Listing, hours) -> None:
    OpeningHours.objects.filter(listing=listing).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(listing=listing, weekday=w, opens=o, closes=c) for w, o, c in hours)
    Listing.objects.filter(pk=listing.pk).update(has_opening_hours=bool(hours))
    listing.has_opening_hours = bool(hours)


@transaction.atomic
def listing_create(*, actor, title: str, category: str, kind: str = "item",
                   description: str = "", condition: str = "", pricing: str = "free",
                   price: int = 0, deposit: int = 0, replacement_value: int | None = None,
                   currency: str = "KRW", units: int = 1,
                   visibility: str = "public", communities=(), district: str = "",
                   lat: float | None = None, lng: float | None = None,
                   company: str | None = None, owner_community: str | None = None,
                   instant_booking: bool = False, cash_at_pickup: bool = False,
                   min_duration=timedelta(hours=1),
                   max_duration=None, lead_time=timedelta(0),
                   cancellation_policy: str = "flexible", opening_hours=(),
                   status: str = "active") -> Listing:
    """Put something up to share, lent by the person, by a company they work
    for, or by a community they moderate; shared only into communities they
    belong to, within those communities' rules."""
    errors = _Errors()
    listing = Listing(
        owner=actor, title=(title or "").strip(), kind=kind, description=description,
        condition=condition, pricing=pricing, price=price, deposit=deposit,
        replacement_value=replacement_value, currency=currency,
        visibility=visibility, district=district, lat=lat, lng=lng,
        instant_booking=instant_booking, cash_at_pickup=cash_at_pickup,
        min_duration=min_duration, max_duration=max_duration,
        lead_time=lead_time, cancellation_policy=cancellation_policy, status=status)
    _set_category(listing, category, errors)
    if company:
        found = ShareCompany.objects.filter(slug=company).first()
        if found is None or not is_company_staff(company=found, user=actor):
            errors.add("company", _("Only the company's staff can list for it."))
        listing.company = found
    if owner_community:
        found = Community.objects.filter(slug=owner_community).first()
        if found is None or found.pk not in moderated_community_ids(actor):
            errors.add("owner_community", _("Only the community's moderators can list its "
                                            "own inventory."))
        listing.owner_community = found
    if listing.company_id and listing.owner_community_id:
        errors.add("company", _("A listing is lent by a company or by a community, not "
                                "both."))
    shared, hours = _check(listing, units=units, community_slugs=list(communities),
                           opening_hours=list(opening_hours), errors=errors, actor=actor)
    errors.raise_if_any()
    _check_rules(listing=listing, communities=shared, actor=actor)
    listing.search_tokens = search_tokens_for(listing)
    listing.save()
    listing.communities.set(shared)
    _set_units(listing, units)
    _set_hours(listing, hours or [])
    return listing


def _managed(actor, listing: Listing) -> Listing:
    viewer = Viewer.of(actor)
    if not visible_listings(viewer).filter(pk=listing.pk).exists():
        raise NotFound()
    if not can_manage_listing(listing=listing, viewer=viewer):
        raise Forbidden(_("Only the lender can change this listing."))
    return listing


@transaction.atomic
def listing_update(*, actor, listing: Listing, **changes) -> Listing:
    """Those who manage the listing (its owner, its company's staff, or the
    moderators of the community that owns it) change it, under the same
    checks as when it was made. Someone who cannot see it gets NotFound;
    someone who sees it but does not manage it gets Forbidden. `units`
    adds units or retires the highest-numbered ones; `communities` and
    `opening_hours` replace what was there. Who lends it does not change.
    A listing on a moderation hold cannot be made active: the refusal says
    why and who can lift the hold."""
    _managed(actor, listing)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(fields={name: [_("This cannot be changed.")]
                                       for name in sorted(unknown)})
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    errors = _Errors()
    for name, value in changes.items():
        if name not in ("category", "units", "communities", "opening_hours"):
            setattr(listing, name, value.strip() if name == "title" else value)
    if "category" in changes:
        _set_category(listing, changes["category"], errors)
    units = changes.get("units", listing.units.filter(is_active=True).count())
    shared_now = list(listing.communities.all())
    current = frozenset(c.slug for c in shared_now)
    # Private communities the actor may not see (a colleague shared it
    # there) are not shown to them, so they stay: no one unshares unseen.
    unseen = {c.slug for c in shared_now if c.pk in _unseen(actor, shared_now)}
    slugs = set(changes.get("communities", current)) | unseen
    shared, hours = _check(listing, units=units, community_slugs=list(slugs),
                           opening_hours=changes.get("opening_hours"), errors=errors,
                           actor=actor, already_shared=current)
    if listing.is_held and listing.status == Listing.Status.ACTIVE:
        errors.add("status", hold_refusal(listing))
    errors.raise_if_any()
    _check_rules(listing=listing, communities=shared, actor=actor)
    listing.search_tokens = search_tokens_for(listing)
    listing.save()
    if "communities" in changes:
        listing.communities.set(shared)
    if "units" in changes:
        _set_units(listing, units)
    if hours is not None:
        _set_hours(listing, hours)
    return listing


@transaction.atomic
def listing_archive(*, actor, listing: Listing) -> Listing:
    """Take a listing down for good. It stays, archived, for the history of
    its bookings, and leaves search."""
    _managed(actor, listing)
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ARCHIVED)
    listing.refresh_from_db()
    return listing


@transaction.atomic
def listing_share(*, actor, listing: Listing, community: Community) -> Listing:
    """Share a listing into one more community, within its rules."""
    _managed(actor, listing)
    if community.pk not in active_community_ids(actor):
        raise Forbidden(_("You can only share into communities you belong to."))
    check_listing_rules(listing=listing, communities=[community])
    listing.communities.add(community)
    return listing


@transaction.atomic
def listing_unshare(*, actor, listing: Listing, community: Community) -> Listing:
    """Stop sharing a listing in a community. A community-only listing shared
    nowhere any more is paused, since no one but its lender could see it."""
    _managed(actor, listing)
    listing.communities.remove(community)
    if (listing.visibility == Listing.Visibility.COMMUNITIES
            and not listing.communities.exists()):
        Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.PAUSED)
    return listing


@transaction.atomic
def listing_blackout_add(*, actor, listing: Listing, starts_at, ends_at,
                         reason: str = "") -> Blackout:
    """Close a listing for a period [starts_at, ends_at): nobody can book it
    then. Only those who manage it."""
    _managed(actor, listing)
    if starts_at >= ends_at:
        message = _("The end must be after the start.")
        raise ValidationFailed(message, fields={"ends_at": [message]})
    return Blackout.objects.create(listing=listing, starts_at=starts_at, ends_at=ends_at,
                                   reason=reason)


@transaction.atomic
def listing_blackout_remove(*, actor, blackout: Blackout) -> None:
    """Open a closed period again. Only those who manage the listing."""
    _managed(actor, blackout.listing)
    blackout.delete()


# --- moderation holds ------------------------------------------------------------


def hold_refusal(listing: Listing) -> str:
    """Why a listing on hold cannot be made active, and who lifts the hold."""
    names = {"reason": listing.held_reason}
    if listing.held_in_id is not None:
        return _("This listing is on hold: the moderators of %(community)s hid it "
                 "(“%(reason)s”). Only they or city staff can lift the hold; until then it "
                 "cannot be made active.") % {**names, "community": listing.held_in.name}
    return _("This listing is on hold: city staff hid it (“%(reason)s”). Only city staff "
             "can lift the hold; until then it cannot be made active.") % names


def _manager_ids(listing: Listing) -> list[int]:
    """Who manages the listing: its owner, its company's staff, or the
    moderators of the community that lends it."""
    if listing.company_id is not None:
        return list(listing.company.staff_links.values_list("user_id", flat=True))
    if listing.owner_community_id is not None:
        return policy.moderator_ids(listing.owner_community)
    return [listing.owner_id]


def _tell_managers(listing: Listing, kind: str) -> None:
    held_in = listing.held_in if listing.held_in_id else None
    events.notify(_manager_ids(listing), kind, url=f"/listings/{listing.pk}/", data={
        "listing": listing.pk, "listing_title": listing.title,
        "reason": listing.held_reason if listing.is_held else "",
        "community_name": held_in.name if held_in else ""})


@transaction.atomic
def listing_hide(*, actor, listing: Listing, reason: str,
                 community: Community | None = None) -> Listing:
    """Put a moderation hold on a listing, from a report queue: the
    moderators of `community` hide what is shared in it or lent by it, city
    staff hide from the city's queue (`community` None), as
    community_rules.policy says. The listing stops being active, so it
    leaves search and bookings for everyone but its managers, and its
    managers cannot put it up again: only a moderator of that community or
    city staff lifts the hold (listing_unhide). Its managers are told why.
    A listing already on hold keeps its first hold."""
    if not policy.moderates_queue(user=actor, community=community):
        raise Forbidden(_("Only the community's moderators (or city staff, for the city's "
                          "reports) can hide a listing."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why: the lender will see it.")
        raise ValidationFailed(message, fields={"reason": [message]})
    listing = (Listing.objects.select_for_update(of=("self",)).select_related("held_in")
               .get(pk=listing.pk))
    if community is not None and listing.owner_community_id != community.pk and \
            not listing.communities.filter(pk=community.pk).exists():
        raise Forbidden(_("This listing is not shared in %(community)s, so its moderators "
                          "cannot hide it.") % {"community": community.name})
    if listing.is_held:
        return listing
    listing.held_at, listing.held_by, listing.held_in = timezone.now(), actor, community
    listing.held_reason, listing.status_before_hold = reason[:2000], listing.status
    if listing.status == Listing.Status.ACTIVE:
        listing.status = Listing.Status.PAUSED
    listing.save(update_fields=["held_at", "held_by", "held_in", "held_reason",
                                "status_before_hold", "status", "updated_at"])
    moderation_log_record(community=community, actor=actor, action="listing_hidden",
                          target=f"listing {listing.pk}: {listing.title}", reason=reason)
    _tell_managers(listing, "listing_held")
    return listing


@transaction.atomic
def listing_unhide(*, actor, listing: Listing, reason: str = "") -> Listing:
    """Lift a listing's moderation hold: a moderator of the community whose
    queue put it on, or city staff (community_rules.policy). The listing
    goes back to the status it had (active again if it was); its managers
    are told."""
    listing = (Listing.objects.select_for_update(of=("self",)).select_related("held_in")
               .get(pk=listing.pk))
    if not listing.is_held:
        raise Conflict(_("This listing is not on hold."))
    if not policy.may_lift_hold(user=actor, community=listing.held_in):
        if listing.held_in is not None:
            raise Forbidden(_("Only the moderators of %(community)s or city staff can lift "
                              "this hold.") % {"community": listing.held_in.name})
        raise Forbidden(_("Only city staff can lift this hold."))
    community = listing.held_in
    if listing.status == Listing.Status.PAUSED and listing.status_before_hold:
        listing.status = listing.status_before_hold
    listing.held_at = listing.held_by = listing.held_in = None
    listing.held_reason = listing.status_before_hold = ""
    listing.save(update_fields=["held_at", "held_by", "held_in", "held_reason",
                                "status_before_hold", "status", "updated_at"])
    moderation_log_record(community=community, actor=actor, action="listing_unhidden",
                          target=f"listing {listing.pk}: {listing.title}",
                          reason=(reason or "").strip())
    _tell_managers(listing, "listing_released")
    return listing
