"""What a booking costs, and what a cancellation refunds, before anyone
commits (the consumer-protection disclosure)."""

import math
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from listings.models import Listing

# The most a booking may come to in all (rental, fees and deposit, and any
# extension added later): the largest value its amount columns hold on
# PostgreSQL. A dearer period is refused, naming its end, not left to
# overflow the database.
MAX_AMOUNT = 2_147_483_647

# Refund of the rental by how long before the start a borrower cancels:
# [(at least this long before start, percent refunded)], first match wins.
CANCELLATION_POLICIES = {
    "flexible": [(timedelta(hours=24), 100), (timedelta(0), 50)],
    "moderate": [(timedelta(days=5), 100), (timedelta(hours=24), 50), (timedelta(0), 0)],
    "strict": [(timedelta(days=7), 50), (timedelta(0), 0)],
}

POLICY_SUMMARIES = {
    "flexible": _("Full refund up to 24 hours before the start, half after that."),
    "moderate": _("Full refund up to 5 days before the start, half up to 24 hours before, "
                  "none after that."),
    "strict": _("Half refunded up to 7 days before the start, none after that."),
}


@dataclass(frozen=True)
class Quote:
    rental: int
    fees: int
    deposit: int
    total: int
    currency: str
    units_charged: int
    unit: str
    cancellation_policy: dict

    def as_dict(self) -> dict:
        return asdict(self)


def _charged_units(listing: Listing, duration: timedelta) -> tuple[int, str]:
    if listing.pricing == Listing.Pricing.PER_HOUR:
        return math.ceil(duration / timedelta(hours=1)), "hour"
    if listing.pricing == Listing.Pricing.PER_DAY:
        return math.ceil(duration / timedelta(days=1)), "day"
    if listing.pricing == Listing.Pricing.PER_BOOKING:
        return 1, "booking"
    return 0, "free"


def cancellation_terms(policy: str) -> dict:
    return {
        "name": policy,
        "summary": str(POLICY_SUMMARIES[policy]),
        "refunds": [
            {"hours_before_start": int(before / timedelta(hours=1)), "refund_percent": percent}
            for before, percent in CANCELLATION_POLICIES[policy]
        ],
    }


def quote(listing: Listing, start: datetime, end: datetime) -> Quote:
    """Rental (started hours or days times the rate, a flat price per
    booking, or nothing), the service fee, the refundable deposit, the total
    to hold, and the cancellation terms."""
    units, unit = _charged_units(listing, end - start)
    rental = units * listing.price
    fees = rental * settings.NANUM_SERVICE_FEE_PERCENT // 100
    return Quote(
        rental=rental, fees=fees, deposit=listing.deposit, total=rental + fees + listing.deposit,
        currency=listing.currency, units_charged=units, unit=unit,
        cancellation_policy=cancellation_terms(listing.cancellation_policy),
    )


@dataclass(frozen=True)
class ExtensionQuote:
    """What keeping the item longer adds to a booking, at the listing's
    current rates: the extra started hours or days (nothing for a flat
    price per booking or a free loan)."""

    rental: int
    fees: int
    total: int
    currency: str
    new_end: datetime

    def as_dict(self) -> dict:
        return asdict(self)


def extension_quote(booking, new_end: datetime) -> ExtensionQuote:
    listing = booking.listing
    before = quote(listing, booking.start, booking.end)
    after = quote(listing, booking.start, new_end)
    rental = max(0, after.rental - before.rental)
    fees = max(0, after.fees - before.fees)
    return ExtensionQuote(rental=rental, fees=fees, total=rental + fees,
                          currency=booking.currency, new_end=new_end)


def refund_percent(policy: str, *, start: datetime, cancelled_at: datetime) -> int:
    before = start - cancelled_at
    for at_least, percent in CANCELLATION_POLICIES[policy]:
        if before >= at_least:
            return percent
    return 0
