"""The sharing city in numbers (issue 18), counted from the real tables.

Every figure is a read of what happened, never typed in. What counts:

- a *loan* is a completed booking; it belongs to the month (in Seoul) it
  started and to the district of the listing: one of Seoul's 25 however it
  was typed ("Mapo-gu" is 마포구; figures/districts.py), else none;
- the *people* of a loan are its borrower and its lender (the listing's
  owner); a member (an open account) is *active* who borrowed or lent
  something that changed hands (picked up, returned, disputed after the
  return, or completed) in the last 90 days;
- *days of use* count each loan's length in days, a part-day as a day;
- *money kept in residents' pockets* is, for each loan of a listing that
  declares its replacement value, that value less what the borrower paid
  for the loan (rental, fees and any late fee; the deposit comes back),
  never below nothing.

Privacy: a private community counts in the total of communities only,
never by name; public ones are listed with their size alone (no loans: a
community's loans would be its district's less someone's), from
MIN_PEOPLE members. A month or a district behind fewer than MIN_PEOPLE
people shows no figures (`suppressed`), so nobody can be singled out; nor
by subtraction from the totals: the loans that fall in no row (before the
twelve months, in no Seoul district) count as hidden, and while everything
hidden is behind some but fewer than MIN_PEOPLE people, the smallest shown
row is hidden too (hidden_rows). Only Seoul's district names are
published, never text someone typed.

`city_figures()` computes them all in a fixed number of queries, whatever
the data (FIGURE_QUERIES, asserted by the tests); `cached_city_figures()`
keeps the result for STATS_CACHE_SECONDS."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Designation, ShareCompany, User
from bookings.models import Booking
from community_rules.models import Community, Membership
from figures.districts import seoul_district
from listings.models import Listing

MIN_PEOPLE = 5
ACTIVE_DAYS = 90
MONTHS = 12
FIGURE_QUERIES = 9
CACHE_KEY = "figures:city:v1"

# A loan's item changed hands in these states (a dispute follows a return).
USED = (Booking.Status.PICKED_UP, Booking.Status.RETURNED, Booking.Status.DISPUTED,
        Booking.Status.COMPLETED)


@dataclass
class _Tally:
    """The loans of one month, district or community."""

    people: set = field(default_factory=set)
    listings: set = field(default_factory=set)
    bookings: int = 0
    days: int = 0
    saved: int = 0

    def add(self, people: tuple, listing_id: int, days: int, saved: int) -> None:
        self.people.update(people)
        self.listings.add(listing_id)
        self.bookings += 1
        self.days += days
        self.saved += saved

    def row(self, *, hidden: bool, **keys) -> dict:
        """The figures of this row, or none of them (`hidden`)."""
        if hidden:
            return {**keys, "suppressed": True, "people": None, "bookings_completed": None,
                    "items_reused": None, "days_shared": None, "money_saved": None}
        return {**keys, "suppressed": False, "people": len(self.people),
                "bookings_completed": self.bookings, "items_reused": len(self.listings),
                "days_shared": self.days, "money_saved": self.saved}


def hidden_rows(tallies: dict, outside: _Tally) -> set:
    """The rows of one breakdown of the totals (months, districts) that show
    no figures: those behind fewer than MIN_PEOPLE people; and while these
    and the loans `outside` every row together are behind some but fewer
    (the totals less the rows shown would give them away), the smallest
    shown rows with them."""
    hidden = {key for key, tally in tallies.items() if len(tally.people) < MIN_PEOPLE}
    shown = sorted((key for key in tallies if key not in hidden),
                   key=lambda key: (tallies[key].bookings, len(tallies[key].people), key))

    def behind_hidden() -> int:
        return len(outside.people.union(*(tallies[key].people for key in hidden)))

    while shown and 0 < behind_hidden() < MIN_PEOPLE:
        hidden.add(shown.pop(0))
    return hidden


def loan_days(start, end) -> int:
    """A loan's length in days, a part-day counting as a whole one."""
    return max(1, -(-(end - start) // timedelta(days=1)))


def money_kept(replacement_value: int | None, paid: int) -> int:
    """What borrowing kept in the borrower's pocket: the value new, less
    what the loan cost them; nothing where no value is declared."""
    return max(0, replacement_value - paid) if replacement_value else 0


def month_of(moment) -> str:
    """The month, in Seoul, of an aware datetime: 2026-03."""
    return timezone.localtime(moment).strftime("%Y-%m")


def _months(today: date) -> list[str]:
    """The last MONTHS months, oldest first, as 2026-03."""
    year, month = today.year, today.month
    months = []
    for _ in range(MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def city_figures(*, now=None) -> dict:
    """All the figures, as plain numbers and slugs (labels are the page's
    and the API's business, in the reader's language)."""
    now = now or timezone.now()
    today = timezone.localdate(now)

    # 1. members
    members = User.objects.filter(is_active=True).count()
    # 2. active members: who borrowed or lent what changed hands lately
    active = set()
    for borrower, borrower_open, lender, lender_open in Booking.objects.filter(
            status__in=USED, start__lt=now,
            end__gt=now - timedelta(days=ACTIVE_DAYS)).values_list(
            "borrower_id", "borrower__is_active", "listing__owner_id",
            "listing__owner__is_active"):
        active.update(person for person, is_open in ((borrower, borrower_open),
                                                    (lender, lender_open)) if is_open)
    # 3. companies verified
    verified = ShareCompany.objects.filter(verified_at__isnull=False).count()
    # 4. companies designated today, by field
    designated_by_field = defaultdict(set)
    designated = set()
    for company_id, field_name in Designation.objects.filter(
            starts_on__lte=today, expires_on__gte=today,
            company__verified_at__isnull=False).values_list("company_id", "field"):
        designated_by_field[field_name].add(company_id)
        designated.add(company_id)
    # 5. communities, private ones in the total only
    communities = Community.objects.count()
    # 6. listings up for sharing, by kind and by top category
    by_kind, by_category = defaultdict(int), defaultdict(int)
    category_names = {}
    listings = 0
    for kind, top, top_en, top_ko, slug, name_en, name_ko, count in (
            Listing.objects.filter(status=Listing.Status.ACTIVE)
            .values_list("kind", "category__parent__slug", "category__parent__name_en",
                         "category__parent__name_ko", "category__slug", "category__name_en",
                         "category__name_ko")
            .annotate(n=Count("pk")).order_by()):
        by_kind[kind] += count
        if top:  # counted under its top category
            slug, name_en, name_ko = top, top_en, top_ko
        by_category[slug] += count
        category_names[slug] = {"en": name_en, "ko": name_ko}
        listings += count
    # 7. loans, the rows every other figure is tallied from
    months = _months(today)
    total, by_month, by_district = _Tally(), defaultdict(_Tally), defaultdict(_Tally)
    before_months, in_no_district = _Tally(), _Tally()
    window = set(months)
    for (start, end, rental, fees, late_fee, borrower_id, listing_id, lender_id, district,
         value) in Booking.objects.filter(status=Booking.Status.COMPLETED).values_list(
            "start", "end", "rental", "fees", "late_fee", "borrower_id", "listing_id",
            "listing__owner_id", "listing__district", "listing__replacement_value",
            ).iterator(chunk_size=5000):
        loan = ((borrower_id, lender_id), listing_id, loan_days(start, end),
                money_kept(value, rental + fees + late_fee))
        total.add(*loan)
        month = month_of(start)
        (by_month[month] if month in window else before_months).add(*loan)
        place = seoul_district(district)
        (by_district[place] if place else in_no_district).add(*loan)
    # 8. listings by district
    listings_by_district = defaultdict(int)
    for name, count in (Listing.objects.filter(status=Listing.Status.ACTIVE)
                        .exclude(district="").values_list("district")
                        .annotate(n=Count("pk")).order_by()):
        place = seoul_district(name)
        if place:
            listings_by_district[place] += count
    # 9. public communities, with their members (open accounts)
    public = list(
        Community.objects.filter(visibility=Community.Visibility.PUBLIC)
        .annotate(members=Count("memberships", filter=Q(
            memberships__status=Membership.Status.ACTIVE, memberships__user__is_active=True)))
        .values("slug", "name", "district", "members").order_by("name", "pk"))

    hidden_months = hidden_rows({month: by_month[month] for month in months}, before_months)
    districts = {name: by_district[name]
                 for name in sorted(set(by_district) | set(listings_by_district))}
    hidden_districts = hidden_rows(districts, in_no_district)
    district_rows = []
    for name, tally in districts.items():
        row = tally.row(hidden=name in hidden_districts, district=name)
        row["listings"] = None if row["suppressed"] else listings_by_district.get(name, 0)
        district_rows.append(row)
    community_rows = [
        {"slug": community["slug"], "name": community["name"],
         "district": seoul_district(community["district"]) or "",
         # A community's size is told once it is not a handful of people.
         "members": community["members"] if community["members"] >= MIN_PEOPLE else None,
         "suppressed": community["members"] < MIN_PEOPLE}
        for community in public]
    community_rows.sort(key=lambda r: (-(r["members"] or 0), r["name"], r["slug"]))
    return {
        "computed_at": now,
        "totals": {
            "share_companies_verified": verified,
            "share_companies_designated": len(designated),
            "members": members,
            "active_members": len(active),
            "communities": communities,
            "listings": listings,
            "bookings_completed": total.bookings,
            "items_reused": len(total.listings),
            "days_shared": total.days,
            "money_saved": total.saved,
        },
        "companies_by_field": {name: len(ids) for name, ids in designated_by_field.items()},
        "listings_by_kind": dict(by_kind),
        "listings_by_category": dict(by_category),
        "category_names": category_names,
        "by_month": [by_month[month].row(hidden=month in hidden_months, month=month)
                     for month in months],
        "by_district": district_rows,
        "communities": community_rows,
    }


def cached_city_figures() -> dict:
    """city_figures, computed at most once per STATS_CACHE_SECONDS."""
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = city_figures()
        cache.set(CACHE_KEY, figures, settings.STATS_CACHE_SECONDS)
    return figures
