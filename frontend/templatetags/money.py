"""Money as people read it: 15,000원, or "15,000 KRW" in other currencies."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()

UNITS = {"per_hour": "hour", "per_day": "day", "per_booking": "booking"}


@register.filter
def won(amount, currency="KRW") -> str:
    amount = int(amount or 0)
    return f"{amount:,}원" if currency == "KRW" else f"{amount:,} {currency}"


@register.filter
def price_label(listing) -> str:
    """A listing's price in a few words: "Free", "3,000원 / day"."""
    if listing.pricing == "free":
        return _("Free")
    unit = {"per_hour": _("hour"), "per_day": _("day"), "per_booking": _("booking")}[
        listing.pricing]
    return f"{won(listing.price, listing.currency)} / {unit}"
