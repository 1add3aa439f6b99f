"""The rule types a community can adopt: rules as data.

A rule is a row (`type`, `params`). Each type here registers, in one place,
its label and the schema of its params (clean_rule checks params against
it, the rule and proposal forms are drawn from it), the sentence that
states it to people (Korean and English), and small functions that find a
violation in a booking or a listing. The engine (engine.py) runs them;
nothing else knows the types.

Every number a rule takes has bounds (issue 14). Past them a value is a
slip of the keyboard or an attack, and 10**30 days would overflow every
date sum a check makes:

    a span in days (a loan, a membership's age, a suspension)   1 .. 365
    a span in hours (a loan)                                    1 .. 8,760 (a year)
    hours between two loans of the same thing                   0 .. 8,760
    days of loans in any 30 days                                1 .. 30
    a count (active bookings, listings, strikes)                1 .. 1,000
    money in won (deposit, price cap, late fee)                 up to 100,000,000
    categories named by one rule                                1 .. 50

A rule stored before the bounds (or by hand) is applied as `applied_params`
reads it: a number beyond its bounds counts as the bound itself; params no
check can read make the rule refuse what it checks (engine.py says so and
logs it), so a bad row never turns a booking into a server error.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from marketplace.categories import category_names
from marketplace.errors import ValidationFailed


@dataclass
class BookingFacts:
    """What the rules may ask about a booking being requested, approved or
    extended, handed to the engine by bookings (bookings/rules.py): the
    draft booking, the listing's terms and category path, and the
    borrower's history as counts computed only when a rule asks."""

    borrower: object
    # The listing's terms as the rules read them (deposit); the engine
    # never imports the listing model.
    listing: object
    community: object
    start: datetime
    end: datetime
    now: datetime
    membership: object = None
    booking_id: int | None = None
    # The listing's category and its parent's, as slugs.
    category_slugs: frozenset[str] = frozenset()
    active_bookings: Callable[[], int] = lambda: 0
    days_in_30_with_this: Callable[[], float] = lambda: 0
    hours_since_last_loan_of_listing: Callable[[], float | None] = lambda: None
    has_overdue: Callable[[], bool] = lambda: False

    @property
    def length(self) -> timedelta:
        return self.end - self.start


@dataclass
class ListingFacts:
    """What the rules may ask about a listing being made, changed or shared,
    handed over by listings (listings/rules.py)."""

    owner: object
    listing: object
    community: object
    category_slugs: frozenset[str] = frozenset()
    other_listings_here: Callable[[], int] = lambda: 0


# --- the params schema ---------------------------------------------------------

# The kinds of setting a rule takes; the forms draw each kind its own way.
INT, BOOL, TIME, CATEGORY, CATEGORIES = "int", "bool", "time", "category", "categories"

# The bounds of the module docstring.
MAX_DAYS = 365
MAX_HOURS = 24 * 365
MAX_DAYS_PER_30 = 30
MAX_COUNT = 1000
MAX_WON = 100_000_000  # the same as listings.models.MAX_WON: a listing can meet any rule
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Param:
    """One setting of a rule type: clean_rule checks a value against its
    kind and bounds, and the rule forms draw their field from it."""

    name: str
    kind: str
    label: str
    min: int | None = None
    max: int | None = None
    optional: bool = False
    # What an optional setting left out becomes; None: it stays out.
    default: object = None


@dataclass(frozen=True)
class RuleType:
    name: str
    label: str
    describe: Callable[[dict], str]
    params: tuple[Param, ...] = ()
    # What the schema cannot say across settings (days or hours, opening
    # before closing); refuses with _refuse.
    check_params: Callable[[dict], None] | None = None
    check_booking: Callable[[dict, BookingFacts], str | None] | None = None
    check_listing: Callable[[dict, ListingFacts], str | None] | None = None
    # members_only guards what is shared in a community whichever way it is
    # booked; other rules apply to bookings made through the community.
    guards_shared_listings: bool = False
    # requires_approval: bookings through the community wait for the lender.
    turns_off_instant_booking: bool = False
    extra: dict = field(default_factory=dict)


REGISTRY: dict[str, RuleType] = {}

# The types other code acts on by name: sanctions follow a late return.
LATE_RETURN = "late_return"
STRIKES_BEFORE_SUSPENSION = "strikes_before_suspension"


def register(rule_type: RuleType) -> RuleType:
    for param in rule_type.params:
        if param.kind == INT and (param.min is None or param.max is None):
            raise ValueError(f"{rule_type.name}.{param.name}: a number needs both bounds")
    REGISTRY[rule_type.name] = rule_type
    return rule_type


class UnreadableRule(Exception):
    """A stored rule that no check can read: an unknown type, or params of
    the wrong kind, missing or unknown."""


# --- categories: the only two lookups of them ------------------------------------

def _known_category_slugs(slugs: list[str]) -> set[str]:
    return set(category_names(slugs))


def _category_name(slug: str) -> str:
    return category_names([slug]).get(slug, slug)


# --- reading params --------------------------------------------------------------

def _refuse(message: str):
    raise ValidationFailed(message, fields={"params": [message]})


def _only(params: dict, allowed: set[str]) -> None:
    unknown = set(params) - allowed
    if unknown:
        _refuse(_("Unknown setting: %(names)s.") % {"names": ", ".join(sorted(unknown))})


def _whole_number(param: Param, value, *, stored: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (
            not stored and value < param.min):
        _refuse(_("“%(name)s” must be a whole number of at least %(least)s.")
                % {"name": param.label, "least": param.min})
    if stored:
        return min(max(value, param.min), param.max)
    if value > param.max:
        _refuse(_("“%(name)s” must be at most %(most)s.")
                % {"name": param.label, "most": f"{param.max:,}"})
    return value


def _hhmm(param: Param, value) -> str:
    try:
        # Written back as 09:30 whatever was given (9:30): the checks read it
        # with time.fromisoformat, which wants two digits.
        return datetime.strptime(value, "%H:%M").strftime("%H:%M")
    except (TypeError, ValueError):
        _refuse(_("“%(name)s” must be a time like 09:30.") % {"name": param.label})


def _slugs(param: Param, value, *, stored: bool):
    slugs = [value] if param.kind == CATEGORY else value
    if not isinstance(slugs, list) or not slugs or not all(isinstance(s, str) for s in slugs):
        _refuse(_("Name at least one category."))
    if stored:
        # Not looked up: a category gone since matches no listing.
        return value
    if len(slugs) > MAX_CATEGORIES:
        _refuse(_("Name at most %(most)s categories.") % {"most": MAX_CATEGORIES})
    unknown = sorted(set(slugs) - _known_category_slugs(slugs))
    if unknown:
        _refuse(_("Unknown category: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    return value


def _read(rule_type: RuleType, params, *, stored: bool) -> dict:
    """The params as the schema reads them. Given by a person (`stored`
    false), anything out of bounds is refused; stored, a number beyond its
    bounds reads as the bound and categories are not looked up."""
    if not isinstance(params, dict):
        _refuse(_("The settings of a rule are an object."))
    _only(params, {param.name for param in rule_type.params})
    cleaned = {}
    for param in rule_type.params:
        # An optional setting sent empty (null) is left out.
        if param.optional and params.get(param.name) is None:
            if param.default is not None:
                cleaned[param.name] = param.default
            continue
        value = params.get(param.name)
        if param.kind == INT:
            cleaned[param.name] = _whole_number(param, value, stored=stored)
        elif param.kind == BOOL:
            if not isinstance(value, bool):
                _refuse(_("“%(name)s” must be true or false.") % {"name": param.label})
            cleaned[param.name] = value
        elif param.kind == TIME:
            cleaned[param.name] = _hhmm(param, value)
        else:
            cleaned[param.name] = _slugs(param, value, stored=stored)
    if rule_type.check_params:
        rule_type.check_params(cleaned)
    return cleaned


def clean_rule(rule_type: str, params) -> dict:
    """Validated params for a rule type; refuses unknown types and bad or
    out-of-bounds params, naming the setting."""
    if rule_type not in REGISTRY:
        message = _("Unknown rule type: %(type)s.") % {"type": rule_type}
        raise ValidationFailed(message, fields={"type": [message]})
    return _read(REGISTRY[rule_type], params, stored=False)


def applied_params(rule_type: str, params) -> dict:
    """A stored rule's params as its checks apply them. A number beyond its
    bounds, stored before the bounds existed or by hand, counts as the
    bound: "at most 10**30 days" reads "at most 365 days", the longest a
    rule can now say, and its sentence says so. UnreadableRule when no
    check could read it (unknown type; a setting of the wrong kind,
    missing or unknown)."""
    known = REGISTRY.get(rule_type)
    if known is None:
        raise UnreadableRule(f"unknown rule type {rule_type!r}")
    try:
        with translation.override("en"):  # the reason goes to the log
            return _read(known, params, stored=True)
    except ValidationFailed as error:
        raise UnreadableRule(str(error.message)) from None


def describe(rule_type: str, params) -> str:
    """The rule in plain words, as it is applied. A rule that cannot be
    applied says so, rather than breaking the page that lists it."""
    known = REGISTRY.get(rule_type)
    if known is None:
        return _("A rule of a kind this site does not know (“%(type)s”); a moderator "
                 "should remove it.") % {"type": rule_type}
    try:
        applied = applied_params(rule_type, params)
    except UnreadableRule:
        return _("“%(rule)s”: the settings of this rule cannot be read; a moderator should "
                 "change or remove it.") % {"rule": known.label}
    return known.describe(applied)


# --- the types --------------------------------------------------------------

def _days_or_hours(params):
    if ("days" in params) == ("hours" in params):
        _refuse(_("Give the longest loan in days or in hours."))


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
    if "category" in params and params["category"] not in facts.category_slugs:
        return None
    if facts.length > _max_loan_limit(params):
        return _describe_max_loan(params)
    return None


register(RuleType(
    "max_loan_duration", gettext_lazy("Longest loan"), _describe_max_loan,
    params=(Param("days", INT, gettext_lazy("Days"), min=1, max=MAX_DAYS, optional=True),
            Param("hours", INT, gettext_lazy("Hours"), min=1, max=MAX_HOURS, optional=True),
            Param("category", CATEGORY, gettext_lazy("Only for this category"),
                  optional=True)),
    check_params=_days_or_hours, check_booking=_check_max_loan,
))


def _describe_max_active(params):
    return ngettext("A member may have at most %(n)s active booking at a time.",
                    "A member may have at most %(n)s active bookings at a time.",
                    params["count"]) % {"n": params["count"]}


register(RuleType(
    "max_active_bookings_per_member", gettext_lazy("Active bookings per member"),
    _describe_max_active,
    params=(Param("count", INT, gettext_lazy("Count"), min=1, max=MAX_COUNT),),
    check_booking=lambda p, f: _describe_max_active(p) if f.active_bookings() >= p["count"]
    else None,
))


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


register(RuleType(
    "fair_use", gettext_lazy("Fair use"), _describe_fair_use,
    params=(Param("days_per_30", INT, gettext_lazy("Days per 30 days"), min=1,
                  max=MAX_DAYS_PER_30),
            Param("min_gap_hours", INT, gettext_lazy("Hours between loans"), min=0,
                  max=MAX_HOURS, optional=True)),
    check_booking=_check_fair_use,
))


def _describe_membership_age(params):
    return ngettext("Members may borrow after %(n)s day of membership.",
                    "Members may borrow after %(n)s days of membership.",
                    params["days"]) % {"n": params["days"]}


def _check_membership_age(params, facts: BookingFacts):
    joined = getattr(facts.membership, "joined_at", None)
    if joined is None or facts.now - joined < timedelta(days=params["days"]):
        return _describe_membership_age(params)
    return None


register(RuleType(
    "min_membership_age_days", gettext_lazy("Membership age before borrowing"),
    _describe_membership_age,
    params=(Param("days", INT, gettext_lazy("Days of membership"), min=1, max=MAX_DAYS),),
    check_booking=_check_membership_age,
))


def _describe_members_only(params):
    return _("Only active members may borrow what is shared here.")


def _check_members_only(params, facts: BookingFacts):
    membership = facts.membership
    if membership is None or membership.status != "active":
        return _describe_members_only(params)
    return None


register(RuleType("members_only", gettext_lazy("Members only"), _describe_members_only,
                  check_booking=_check_members_only, guards_shared_listings=True))


def _describe_requires_approval(params):
    return _("Lenders approve every request: instant booking is off here.")


register(RuleType(
    "requires_approval", gettext_lazy("Lender approves every request"),
    _describe_requires_approval,
    check_listing=lambda p, f: _describe_requires_approval(p) if f.listing.instant_booking
    else None,
    turns_off_instant_booking=True,
))


def _describe_deposit(params):
    minimum = params.get("minimum")
    percent = params.get("replacement_percent")
    if percent is None:
        return _("Listings shared here ask a deposit of at least %(amount)s won.") % {
            "amount": f"{minimum:,}"}
    text = _("Listings shared here ask a deposit of at least %(percent)s%% of what the item "
             "would cost new, where the lender declares it.") % {"percent": percent}
    if minimum is not None:
        text += " " + _("In any case at least %(amount)s won.") % {"amount": f"{minimum:,}"}
    return text


def deposit_needed(params, listing) -> int:
    """The least deposit the rule asks of this listing: the share of its
    declared replacement value (rounded up to the won) or the minimum,
    whichever is more. A listing that declares no value meets the share."""
    needed = params.get("minimum") or 0
    percent = params.get("replacement_percent")
    if percent is not None and listing.replacement_value:
        needed = max(needed, -(-listing.replacement_value * percent // 100))
    return needed


def _check_deposit(params, facts):
    needed = deposit_needed(params, facts.listing)
    if facts.listing.deposit >= needed:
        return None
    if "replacement_percent" not in params:
        return _describe_deposit(params)
    return _describe_deposit(params) + " " + _(
        "This listing asks %(deposit)s won; it needs at least %(needed)s won.") % {
        "deposit": f"{facts.listing.deposit:,}", "needed": f"{needed:,}"}


def _minimum_or_share(params):
    if "minimum" not in params and "replacement_percent" not in params:
        _refuse(_("Give the least deposit in won, or as a share of the replacement value, "
                  "or both."))


register(RuleType(
    "deposit_required", gettext_lazy("Minimum deposit"), _describe_deposit,
    params=(Param("minimum", INT, gettext_lazy("Minimum deposit (won)"), min=1,
                  max=MAX_WON, optional=True),
            Param("replacement_percent", INT,
                  gettext_lazy("Or at least this share of the replacement value (%)"),
                  min=1, max=100, optional=True)),
    check_params=_minimum_or_share,
    check_booking=_check_deposit,
    check_listing=_check_deposit,
))


def _names(params):
    return ", ".join(_category_name(slug) for slug in params["categories"])


def _describe_allowed(params):
    return _("Only these categories may be shared here: %(names)s.") % {"names": _names(params)}


def _describe_forbidden(params):
    return _("These categories may not be shared here: %(names)s.") % {"names": _names(params)}


def _categories_param():
    return (Param("categories", CATEGORIES, gettext_lazy("Categories")),)


register(RuleType(
    "allowed_categories", gettext_lazy("Only these categories"), _describe_allowed,
    params=_categories_param(),
    check_listing=lambda p, f: None if f.category_slugs & set(p["categories"])
    else _describe_allowed(p),
))
register(RuleType(
    "forbidden_categories", gettext_lazy("Categories not allowed"), _describe_forbidden,
    params=_categories_param(),
    check_listing=lambda p, f: _describe_forbidden(p)
    if f.category_slugs & set(p["categories"]) else None,
))


def _describe_price_cap(params):
    if params["per_day"] == 0:
        return _("Everything shared here is lent for free.")
    return _("Fair prices: at most %(amount)s won a day.") % {"amount": f"{params['per_day']:,}"}


def daily_price(listing) -> int:
    """What a listing asks for a day's use: per hour counts 24 hours."""
    return {"per_hour": listing.price * 24, "per_day": listing.price,
            "per_booking": listing.price}.get(listing.pricing, 0)


register(RuleType(
    "price_cap", gettext_lazy("Price cap per day"), _describe_price_cap,
    params=(Param("per_day", INT, gettext_lazy("Highest price a day (won)"), min=0,
                  max=MAX_WON),),
    check_listing=lambda p, f: _describe_price_cap(p) if daily_price(f.listing) > p["per_day"]
    else None,
))


def _opens_before_closes(params):
    if params["from"] >= params["to"]:
        _refuse(_("Pickup hours must start before they end."))


def _describe_pickup_hours(params):
    return _("Pickups and returns happen between %(from)s and %(to)s.") % params


def _within(moment: datetime, params) -> bool:
    local = timezone.localtime(moment).time()
    opens = time.fromisoformat(params["from"])
    closes = time.fromisoformat(params["to"])
    return opens <= local <= closes


register(RuleType(
    "pickup_hours", gettext_lazy("Pickup hours"), _describe_pickup_hours,
    params=(Param("from", TIME, gettext_lazy("From")),
            Param("to", TIME, gettext_lazy("Until"))),
    check_params=_opens_before_closes,
    check_booking=lambda p, f: None if _within(f.start, p) and _within(f.end, p)
    else _describe_pickup_hours(p),
))


def _describe_max_listings(params):
    return ngettext("A member may share at most %(n)s listing here.",
                    "A member may share at most %(n)s listings here.",
                    params["count"]) % {"n": params["count"]}


register(RuleType(
    "max_listings_per_member", gettext_lazy("Listings per member"), _describe_max_listings,
    params=(Param("count", INT, gettext_lazy("Count"), min=1, max=MAX_COUNT),),
    check_listing=lambda p, f: _describe_max_listings(p)
    if f.other_listings_here() >= p["count"] else None,
))


def _describe_late_return(params):
    parts = []
    if params["strike"]:
        parts.append(_("A late return earns a strike."))
    if params["fee_per_day"]:
        parts.append(_("Late returns cost %(amount)s won a day.") % {
            "amount": f"{params['fee_per_day']:,}"})
    return " ".join(parts) or _("Late returns are recorded.")


# Applied by sanctions.late_return_record when a loan comes back late.
register(RuleType(
    LATE_RETURN, gettext_lazy("Late returns"), _describe_late_return,
    params=(Param("strike", BOOL, gettext_lazy("A strike for each late return"),
                  optional=True, default=False),
            Param("fee_per_day", INT, gettext_lazy("Late fee a day (won)"), min=0,
                  max=MAX_WON, optional=True, default=0)),
))


def _describe_strikes(params):
    return _("%(strikes)s strikes within 90 days suspend borrowing for %(days)s days.") % params


register(RuleType(
    STRIKES_BEFORE_SUSPENSION, gettext_lazy("Strikes before suspension"), _describe_strikes,
    params=(Param("strikes", INT, gettext_lazy("Strikes"), min=1, max=MAX_COUNT),
            Param("days", INT, gettext_lazy("Days of suspension"), min=1, max=MAX_DAYS)),
))


def _describe_overdue(params):
    return _("Members with an overdue item may not borrow until they return it.")


register(RuleType(
    "blocked_when_overdue", gettext_lazy("No borrowing while overdue"), _describe_overdue,
    check_booking=lambda p, f: _describe_overdue(p) if f.has_overdue() else None,
))
