"""Evaluates a community's rules against a booking or a listing and explains
every refusal.

Bookings call `check_booking` when a request is made, when it is approved
and when an extension is asked. Communities have no rules yet: rule types,
their evaluators and governance arrive with the community-rules issue, which
fills these two functions. Until then a community's rule set is empty, so
nothing is refused.
"""


def check_booking(*, borrower, listing, community, start, end, booking=None) -> list[dict]:
    """Every violation, as {"rule", "community", "message"}; empty: allowed."""
    return []


def check_listing(*, owner, listing, communities) -> list[dict]:
    """Every violation of the rules of the communities a listing is shared in."""
    return []
