"""The rule types a community can adopt: rules as data.

A rule is a row (`type`, `params`). Each type here registers, in one place,
how its params are checked, the sentence that states it to people (Korean
and English), and small functions that find a violation in a booking or a
listing. The engine (engine.py) runs them; nothing else knows the types.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.errors import ValidationFailed


@dataclass
class BookingFacts:
    """What the rules may ask about a booking being requested, approved or
    extended. Counts that need the database are computed by the engine
    only when a rule asks (see engine.BookingFactsFromDB)."""

    borrower: object
    listing: object
    community: object
    start: datetime
    end: datetime
    now: datetime
    membership: object = None
    booking_id: int | None = None
    active_bookings: Callable[[], int] = lambda: 0
    days_in_30_with_this: Callable[[], float] = lambda: 0
    hours_since_last_loan_of_listing: Callable[[], float | None] = lambda: None
    has_overdue: Callable[[], bool] = lambda: False

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass
class ListingFacts:
    owner: object
    listing: object
    community: object
    other_listings_here: Callable[[], int] = lambda: 0


@dataclass(frozen=True)
class RuleType:
    name: str
    clean: Callable[[dict], dict]
    describe: Callable[[dict], str]
    check_booking: Callable[[dict, BookingFacts], str | None] | None = None
    check_listing: Callable[[dict, ListingFacts], str | None] | None = None
    # members_only guards what is shared in a community whichever way it is
    # booked; other rules apply to bookings made through the community.
    guards_shared_listings: bool = False
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, RuleType] = {}


def register(rule_type: RuleType) -> RuleType:
    REGISTRY[rule_type.name] = rule_type
    return rule_type


# --- params -----------------------------------------------------------------

def _refuse(message: str):
    raise ValidationFailed(message, fields={"params": [message]})


def _only(params: dict, allowed: set[str]) -> None:
    unknown = set(params) - allowed
    if unknown:
        _refuse(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})


def _positive_int(params: dict, name: str, *, zero_ok: bool = False) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero_ok else 1):
        _refuse(_("“%(name)s” must be a whole number of at least %(least)s.")
                % {"name": name, "least": 0 if zero_ok else 1})
    return value


def _hhmm(params: dict, name: str) -> str:
    value = params.get(name)
    try:
        datetime.strptime(value, "%H:%M")
    except (TypeError, ValueError):
        _refuse(_("“%(name)s” must be a time like 09:30.") % {"name": name})
    return value


def _slugs(params: dict) -> list[str]:
    from listings.models import Category

    slugs = params.get("categories")
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        _refuse(_("Name at least one category."))
    known = set(Category.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    unknown = sorted(set(slugs) - known)
    if unknown:
        _refuse(_("Unknown category: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    return slugs


def _no_params(params: dict) -> dict:
    _only(params, set())
    return {}


def _category_slugs(listing) -> set[str]:
    category = listing.category
    return {category.slug, *([category.parent.slug] if category.parent_id else [])}


def _category_name(slug: str) -> str:
    from listings.models import Category

    category = Category.objects.filter(slug=slug).first()
    return category.name if category else slug


# --- the types --------------------------------------------------------------

def _clean_max_loan(params):
    _only(params, {"days", "hours", "category"})
    if ("days" in params) == ("hours" in params):
        _refuse(_("Give the longest loan in days or in hours."))
    cleaned = ({"days": _positive_int(params, "days")} if "days" in params
               else {"hours": _positive_int(params, "hours")})
    if "category" in params:
        cleaned["category"] = _slugs({"categories": [params["category"]]})[0]
    return cleaned


def _max_loan_limit(params) -> timedelta:
    return timedelta(days=params["days"]) if "days" in params else timedelta(
        hours=params["hours"])


def _describe_max_loan(params):
    if "days" in params:
        text = ngettext("Loans last at most %(n)s day.", "Loans last at most %(n)s days.",
                        params["days"]) % {"n": params["days"]}
    else:
        text = ngettext("Loans last at most %(n)s hour.", "Loans last at most %(n)s hours.",
                        params["hours"]) % {"n": params["hours"]}
    if "category" in params:
        text = _("%(category)s: %(rule)s") % {"category": _category_name(params["category"]),
                                              "rule": text}
    return text


def _check_max_loan(params, facts: BookingFacts):
    if "category" in params and params["category"] not in _category_slugs(facts.listing):
        return None
    if facts.length > _max_loan_limit(params):
        return _describe_max_loan(params)
    return None


register(RuleType("max_loan_duration", _clean_max_loan, _describe_max_loan,
                  check_booking=_check_max_loan))


def _clean_count(params):
    _only(params, {"count"})
    return {"count": _positive_int(params, "count")}


def _describe_max_active(params):
    return ngettext("A member may have at most %(n)s active booking at a time.",
                    "A member may have at most %(n)s active bookings at a time.",
                    params["count"]) % {"n": params["count"]}


register(RuleType(
    "max_active_bookings_per_member", _clean_count, _describe_max_active,
    check_booking=lambda p, f: _describe_max_active(p) if f.active_bookings() >= p["count"]
    else None,
))


def _clean_fair_use(params):
    _only(params, {"days_per_30", "min_gap_hours"})
    cleaned = {"days_per_30": _positive_int(params, "days_per_30")}
    if "min_gap_hours" in params:
        cleaned["min_gap_hours"] = _positive_int(params, "min_gap_hours", zero_ok=True)
    return cleaned


def _describe_fair_use(params):
    text = ngettext("Fair use: at most %(n)s day of loans per member in any 30 days.",
                    "Fair use: at most %(n)s days of loans per member in any 30 days.",
                    params["days_per_30"]) % {"n": params["days_per_30"]}
    if params.get("min_gap_hours"):
        text += " " + ngettext(
            "Wait %(n)s hour before borrowing the same thing again.",
            "Wait %(n)s hours before borrowing the same thing again.",
            params["min_gap_hours"]) % {"n": params["min_gap_hours"]}
    return text


def _check_fair_use(params, facts: BookingFacts):
    if facts.days_in_30_with_this() > params["days_per_30"] + 1e-9:
        return _describe_fair_use(params)
    gap = params.get("min_gap_hours")
    if gap:
        since = facts.hours_since_last_loan_of_listing()
        if since is not None and since < gap:
            return _describe_fair_use(params)
    return None


register(RuleType("fair_use", _clean_fair_use, _describe_fair_use,
                  check_booking=_check_fair_use))


def _clean_days(params):
    _only(params, {"days"})
    return {"days": _positive_int(params, "days")}


def _describe_membership_age(params):
    return ngettext("Members may borrow after %(n)s day of membership.",
                    "Members may borrow after %(n)s days of membership.",
                    params["days"]) % {"n": params["days"]}


def _check_membership_age(params, facts: BookingFacts):
    joined = getattr(facts.membership, "joined_at", None)
    if joined is None or facts.now - joined < timedelta(days=params["days"]):
        return _describe_membership_age(params)
    return None


register(RuleType("min_membership_age_days", _clean_days, _describe_membership_age,
                  check_booking=_check_membership_age))


def _describe_members_only(params):
    return _("Only active members may borrow what is shared here.")


def _check_members_only(params, facts: BookingFacts):
    membership = facts.membership
    if membership is None or membership.status != "active":
        return _describe_members_only(params)
    return None


register(RuleType("members_only", _no_params, _describe_members_only,
                  check_booking=_check_members_only, guards_shared_listings=True))


def _describe_requires_approval(params):
    return _("Lenders approve every request: instant booking is off here.")


register(RuleType(
    "requires_approval", _no_params, _describe_requires_approval,
    check_listing=lambda p, f: _describe_requires_approval(p) if f.listing.instant_booking
    else None,
))


def _clean_deposit(params):
    _only(params, {"minimum"})
    return {"minimum": _positive_int(params, "minimum")}


def _describe_deposit(params):
    return _("Listings shared here ask a deposit of at least %(amount)s won.") % {
        "amount": f"{params['minimum']:,}"}


def _check_deposit_listing(params, facts: ListingFacts):
    return _describe_deposit(params) if facts.listing.deposit < params["minimum"] else None


register(RuleType(
    "deposit_required", _clean_deposit, _describe_deposit,
    check_booking=lambda p, f: _describe_deposit(p) if f.listing.deposit < p["minimum"]
    else None,
    check_listing=_check_deposit_listing,
))


def _clean_categories(params):
    _only(params, {"categories"})
    return {"categories": _slugs(params)}


def _names(params):
    return ", ".join(_category_name(slug) for slug in params["categories"])


def _describe_allowed(params):
    return _("Only these categories may be shared here: %(names)s.") % {"names": _names(params)}


def _describe_forbidden(params):
    return _("These categories may not be shared here: %(names)s.") % {"names": _names(params)}


register(RuleType(
    "allowed_categories", _clean_categories, _describe_allowed,
    check_listing=lambda p, f: None if _category_slugs(f.listing) & set(p["categories"])
    else _describe_allowed(p),
))
register(RuleType(
    "forbidden_categories", _clean_categories, _describe_forbidden,
    check_listing=lambda p, f: _describe_forbidden(p)
    if _category_slugs(f.listing) & set(p["categories"]) else None,
))


def _clean_price_cap(params):
    _only(params, {"per_day"})
    return {"per_day": _positive_int(params, "per_day", zero_ok=True)}


def _describe_price_cap(params):
    if params["per_day"] == 0:
        return _("Everything shared here is lent for free.")
    return _("Fair prices: at most %(amount)s won a day.") % {"amount": f"{params['per_day']:,}"}


def daily_price(listing) -> int:
    """What a listing asks for a day's use: per hour counts 24 hours."""
    return {"per_hour": listing.price * 24, "per_day": listing.price,
            "per_booking": listing.price}.get(listing.pricing, 0)


register(RuleType(
    "price_cap", _clean_price_cap, _describe_price_cap,
    check_listing=lambda p, f: _describe_price_cap(p) if daily_price(f.listing) > p["per_day"]
    else None,
))


def _clean_pickup_hours(params):
    _only(params, {"from", "to"})
    cleaned = {"from": _hhmm(params, "from"), "to": _hhmm(params, "to")}
    if cleaned["from"] >= cleaned["to"]:
        _refuse(_("Pickup hours must start before they end."))
    return cleaned


def _describe_pickup_hours(params):
    return _("Pickups and returns happen between %(from)s and %(to)s.") % params


def _within(moment: datetime, params) -> bool:
    local = timezone.localtime(moment).time()
    opens = time.fromisoformat(params["from"])
    closes = time.fromisoformat(params["to"])
    return opens <= local <= closes


register(RuleType(
    "pickup_hours", _clean_pickup_hours, _describe_pickup_hours,
    check_booking=lambda p, f: None if _within(f.start, p) and _within(f.end, p)
    else _describe_pickup_hours(p),
))


def _describe_max_listings(params):
    return ngettext("A member may share at most %(n)s listing here.",
                    "A member may share at most %(n)s listings here.",
                    params["count"]) % {"n": params["count"]}


register(RuleType(
    "max_listings_per_member", _clean_count, _describe_max_listings,
    check_listing=lambda p, f: _describe_max_listings(p)
    if f.other_listings_here() >= p["count"] else None,
))


def _clean_late_return(params):
    _only(params, {"strike", "fee_per_day"})
    strike = params.get("strike", False)
    if not isinstance(strike, bool):
        _refuse(_("“strike” must be true or false."))
    return {"strike": strike,
            "fee_per_day": _positive_int({"fee_per_day": params.get("fee_per_day", 0)},
                                         "fee_per_day", zero_ok=True)}


def _describe_late_return(params):
    parts = []
    if params["strike"]:
        parts.append(_("A late return earns a strike."))
    if params["fee_per_day"]:
        parts.append(_("Late returns cost %(amount)s won a day.") % {
            "amount": f"{params['fee_per_day']:,}"})
    return " ".join(parts) or _("Late returns are recorded.")


register(RuleType("late_return", _clean_late_return, _describe_late_return))


def _clean_strikes(params):
    _only(params, {"strikes", "days"})
    return {"strikes": _positive_int(params, "strikes"), "days": _positive_int(params, "days")}


def _describe_strikes(params):
    return _("%(strikes)s strikes within 90 days suspend borrowing for %(days)s days.") % params


register(RuleType("strikes_before_suspension", _clean_strikes, _describe_strikes))


def _describe_overdue(params):
    return _("Members with an overdue item may not borrow until they return it.")


register(RuleType(
    "blocked_when_overdue", _no_params, _describe_overdue,
    check_booking=lambda p, f: _describe_overdue(p) if f.has_overdue() else None,
))


def clean_rule(rule_type: str, params) -> dict:
    """Validated params for a rule type; refuses unknown types and bad params."""
    if rule_type not in REGISTRY:
        message = _("Unknown rule type: %(type)s.") % {"type": rule_type}
        raise ValidationFailed(message, fields={"type": [message]})
    if not isinstance(params, dict):
        _refuse(_("The settings of a rule are an object."))
    return REGISTRY[rule_type].clean(params)


def describe(rule_type: str, params: dict) -> str:
    return REGISTRY[rule_type].describe(params)
