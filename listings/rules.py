"""What a community's rules are told about a listing being made, changed or
shared: its terms, its category path and how many other listings its lender
shares there. The rules engine judges these facts and imports no listing."""

from community_rules import engine as rules_engine
from community_rules.selectors import membership_locked
from listings.models import Listing
from marketplace.errors import RuleViolation

# Listings that count against max_listings_per_member.
COUNTED = (Listing.Status.ACTIVE, Listing.Status.PAUSED, Listing.Status.DRAFT)


def category_path(listing: Listing) -> frozenset[str]:
    """The listing's category and its parent, as slugs."""
    category = listing.category
    return frozenset({category.slug, *([category.parent.slug] if category.parent_id else [])})


def listing_rule_violations(*, listing: Listing, communities) -> list[dict]:
    """Every rule of `communities` the listing (as drafted) breaks."""
    def other_listings_here(community) -> int:
        return (Listing.objects.filter(owner=listing.owner, communities=community,
                                       status__in=COUNTED)
                .exclude(pk=listing.pk).count())

    return rules_engine.check_listing(owner=listing.owner, listing=listing,
                                      communities=communities,
                                      category_slugs=category_path(listing),
                                      other_listings_here=other_listings_here)


def check_listing_rules(*, listing: Listing, communities) -> None:
    """Call inside the listing's transaction: locks the lender's memberships
    (in a fixed order), so simultaneous listings of one person cannot all
    pass max_listings_per_member, then raises RuleViolation with every rule
    broken."""
    communities = sorted(communities, key=lambda c: c.pk)
    for community in communities:
        membership_locked(community=community, user=listing.owner)
    violations = listing_rule_violations(listing=listing, communities=communities)
    if violations:
        raise RuleViolation(violations)
