"""Reads of the consumer-protection desk: the report queues, the complaints
a community's moderators keep an eye on, and the listings on hold they may
lift. Who may see them is community_rules.policy's to say."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from community_rules import policy
from community_rules.models import Community
from listings.models import Listing
from listings.selectors import Viewer, can_manage_listing
from marketplace.errors import Forbidden, NotFound
from messaging.models import Message
from moderation.models import Complaint, Report


def report_queue(*, viewer, community: Community | None = None) -> QuerySet[Report]:
    """Open reports the viewer handles: a community's (its moderators), or,
    without a community, the city's own queue (city staff)."""
    if not policy.moderates_queue(user=viewer, community=community):
        if community is not None:
            raise Forbidden(_("Only moderators see the reports."))
        raise Forbidden(_("Only city staff see this queue."))
    reports = Report.objects.filter(status=Report.Status.OPEN)
    if community is not None:
        return reports.filter(community=community)
    return reports.filter(community__isnull=True)


def reported_messages(reports) -> dict[int, Message]:
    """{message id: message} of the messages among `reports`, for those who
    handle them to read what was said (one query)."""
    ids = {r.target_id for r in reports if r.target_type == Report.TargetType.MESSAGE}
    if not ids:
        return {}
    return Message.objects.select_related("sender__profile").in_bulk(ids)


def report_get(*, report_id: int) -> Report:
    """The report; whether the caller may handle it is the service's to say."""
    report = Report.objects.select_related("community").filter(pk=report_id).first()
    if report is None:
        raise NotFound()
    return report


def complaints_open(*, community: Community, viewer) -> QuerySet[Complaint]:
    """The open complaints about bookings made through the community, for
    its moderators' dashboard."""
    if not policy.is_moderator(user=viewer, community=community):
        raise Forbidden(_("Only moderators see the complaints."))
    return (Complaint.objects.filter(booking__community=community,
                                     status=Complaint.Status.OPEN)
            .select_related("booking__listing", "raised_by__profile"))


def complaint_get(*, complaint_id: int) -> Complaint:
    complaint = (Complaint.objects.select_related("booking__listing", "booking__community")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise NotFound()
    return complaint


def held_listings(*, community: Community, viewer) -> QuerySet[Listing]:
    """Listings on hold from the community's report queue, newest hold
    first: its moderators lift them."""
    if not policy.is_moderator(user=viewer, community=community):
        raise Forbidden(_("Only moderators see the listings on hold."))
    return (Listing.objects.filter(held_in=community)
            .select_related("owner__profile", "held_by__profile")
            .order_by("-held_at", "-id"))


def held_listing_get(*, listing_id: int, viewer) -> Listing:
    """A listing on hold, for those who may lift the hold (a moderator of
    the community whose queue hid it, or city staff) and for its managers
    (who are then told who may); NotFound for anyone else, who may not even
    see it."""
    listing = (Listing.objects.select_related("held_in").filter(pk=listing_id,
                                                               held_at__isnull=False)
               .first())
    if listing is None:
        raise NotFound()
    if policy.may_lift_hold(user=viewer, community=listing.held_in):
        return listing
    if can_manage_listing(listing=listing, viewer=Viewer.of(viewer)):
        return listing
    raise NotFound()
