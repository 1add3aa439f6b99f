"""Reads of listings. Who may see a listing is decided here, once, for the
API, the pages and search alike."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.selectors import designated, staffed_company_ids
from community_rules.policy import community_standing
from listings.models import Category, Listing
from marketplace.errors import NotFound


@dataclass(frozen=True)
class Viewer:
    """Who is looking, resolved once per request: the ids visibility needs."""

    user: object
    community_ids: frozenset[int]  # active or suspended memberships
    moderated_community_ids: frozenset[int]
    company_ids: frozenset[int]

    @classmethod
    def of(cls, user) -> "Viewer":
        """Two queries: the person's memberships, their companies."""
        seen, moderated = community_standing(user)
        return cls(
            user=user,
            community_ids=frozenset(seen),
            moderated_community_ids=frozenset(moderated),
            company_ids=frozenset(staffed_company_ids(user)),
        )

    @property
    def user_id(self):
        return self.user.pk if self.user is not None and self.user.is_authenticated else None


def managed_q(viewer: Viewer) -> Q:
    """Listings the viewer manages: their own, their company's, and the
    inventory of communities they moderate."""
    if viewer.user_id is None:
        return Q(pk__in=[])
    return (
        Q(owner_id=viewer.user_id, company__isnull=True, owner_community__isnull=True)
        | Q(company_id__in=viewer.company_ids)
        | Q(owner_community_id__in=viewer.moderated_community_ids)
    )


def visible_q(viewer: Viewer) -> Q:
    """Active public listings; active community-only listings shared in a
    community the viewer is an active member of; anything the viewer manages
    (drafts and paused ones included). An EXISTS on the share table, not a
    join: no duplicate rows, and the planner keeps its indexes."""
    shared_with_viewer = Listing.communities.through.objects.filter(
        listing_id=OuterRef("pk"), community_id__in=list(viewer.community_ids))
    shown = Q(status=Listing.Status.ACTIVE) & (
        Q(visibility=Listing.Visibility.PUBLIC)
        | (Q(visibility=Listing.Visibility.COMMUNITIES) & Exists(shared_with_viewer))
    ) if viewer.community_ids else Q(status=Listing.Status.ACTIVE,
                                     visibility=Listing.Visibility.PUBLIC)
    if viewer.user_id is None:
        return shown
    return shown | managed_q(viewer)


def visible_listings(viewer: Viewer) -> QuerySet[Listing]:
    return Listing.objects.filter(visible_q(viewer))


def listing_get(*, listing_id: int, viewer: Viewer) -> Listing:
    """The listing with everything its detail page shows, or NotFound when
    it does not exist or the viewer may not see it."""
    listing = (
        visible_listings(viewer)
        .select_related("owner__profile", "company", "owner_community", "category__parent")
        .prefetch_related("photos", "units", "communities", "opening_hours")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None:
        raise NotFound()
    return listing


def can_manage_listing(*, listing: Listing, viewer: Viewer) -> bool:
    """The owner, the company's staff, or the owning community's moderators."""
    if viewer.user_id is None:
        return False
    if listing.company_id is not None:
        return listing.company_id in viewer.company_ids
    if listing.owner_community_id is not None:
        return listing.owner_community_id in viewer.moderated_community_ids
    return listing.owner_id == viewer.user_id


def category_names(slugs) -> dict[str, str]:
    """{slug: name in the active language} of the categories among `slugs`
    that exist (what the community rules name; marketplace/categories.py)."""
    return {c.slug: c.name for c in Category.objects.filter(slug__in=list(slugs))}


def community_shown(*, community, viewer: Viewer) -> bool:
    """Whether a community's name and slug may go next to a listing for the
    viewer: a public one, or a private one the viewer is a member of. Of a
    private community outsiders learn nothing (issue 15)."""
    return community is not None and (
        community.visibility == "public" or community.pk in viewer.community_ids)


def with_company_designated(listings: QuerySet[Listing]) -> QuerySet[Listing]:
    """Each listing knows whether its company is designated today (the
    badge on cards and in search), in the same query."""
    return listings.annotate(company_designated=designated(company_field="company_id"))
