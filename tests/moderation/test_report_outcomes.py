"""What a report's outcome does to whom (issue 14): the person answering
for a listing is its lender; a listing lent by a community itself or by a
share company has no one person to sanction, so only hiding (a hold) or
dismissing is open; city staff hide and dismiss from the city's queue. The
dashboard's complaints are moderation's own read."""

import pytest

from accounts.models import CompanyStaff, ShareCompany
from community_rules.models import Community, Membership, ModerationLog, Sanction
from marketplace.errors import Forbidden, ValidationFailed
from moderation.selectors import complaints_open, report_queue
from moderation.services import report_create, report_handle
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(owner, member):
    """A tool library `owner` runs (and lists its own inventory for), with
    `member` in it."""
    community = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=community, user=owner, role="owner", status="active")
    Membership.objects.create(community=community, user=member, status="active")
    return community


@pytest.fixture
def inventory_saw(owner, library):
    """A saw the library lends itself; `owner` listed it for the library."""
    return make_listing(owner, title="Library saw", owner_community=library)


def _report(actor, listing) -> object:
    return report_create(actor=actor, target_type="listing", target_id=listing.pk,
                         reason="Blade is blunt")


@pytest.mark.parametrize("outcome", ["warn", "suspend", "ban"])
def test_a_community_owned_listing_has_no_one_to_sanction(owner, member, library,
                                                          inventory_saw, outcome):
    report = _report(member, inventory_saw)
    assert report.community == library
    with pytest.raises(ValidationFailed) as refused:
        report_handle(actor=owner, report=report, outcome=outcome)
    assert refused.value.extra["fields"]["outcome"] == [
        "This listing belongs to Library itself: there is no one person to warn, suspend or "
        "ban. Hide the listing or dismiss the report."]
    assert not Sanction.objects.exists()  # the moderator who listed it is not warned
    report.refresh_from_db()
    assert report.status == "open"


def test_a_community_owned_listing_can_be_hidden(owner, member, library, inventory_saw):
    report_handle(actor=owner, report=_report(member, inventory_saw), outcome="hide_listing")
    inventory_saw.refresh_from_db()
    assert inventory_saw.is_held and inventory_saw.held_in == library


def test_a_share_companys_listing_has_no_one_to_sanction(owner, member, outsider, library):
    company = ShareCompany.objects.create(name="Seoul Share Hub", slug="hub",
                                          registration_number="220-81-62517")
    CompanyStaff.objects.create(company=company, user=outsider)
    Membership.objects.create(community=library, user=outsider, status="active")
    tent = make_listing(outsider, title="Hub tent", company=company, visibility="communities")
    tent.communities.add(library)
    with pytest.raises(ValidationFailed, match="lent by the share company Seoul Share Hub"):
        report_handle(actor=owner, report=_report(member, tent), outcome="warn")
    assert not Sanction.objects.exists()


def test_a_warning_for_a_listing_goes_to_its_lender(owner, member, library):
    ladder = make_listing(member, title="Ladder", visibility="communities")
    ladder.communities.add(library)
    report_handle(actor=owner, report=_report(owner, ladder), outcome="warn",
                  note="Describe the wobble")
    warning = Sanction.objects.get()
    assert (warning.user, warning.kind, warning.reason, warning.given_by) == (
        member, "warning", "Describe the wobble", owner)
    assert list(ModerationLog.objects.order_by("pk").values_list("action", "actor")) == [
        ("sanction_warning", owner.pk), ("report_warn", owner.pk)]


def test_city_staff_hide_from_the_citys_queue_but_sanction_no_one(owner, member, staff):
    public = make_listing(owner, title="Public drill")
    report = _report(member, public)
    assert list(report_queue(viewer=staff)) == [report]
    with pytest.raises(ValidationFailed, match="sanctions belong to communities"):
        report_handle(actor=staff, report=report, outcome="warn")
    report_handle(actor=staff, report=report, outcome="hide_listing", note="Fraud")
    public.refresh_from_db()
    assert public.is_held and public.held_in is None and public.held_reason == "Fraud"
    with pytest.raises(Forbidden):
        report_handle(actor=owner, report=_report(member, make_listing(owner, title="B")),
                      outcome="dismiss")


def test_the_complaints_on_the_dashboard_are_for_moderators(owner, member, outsider,
                                                            library):
    assert list(complaints_open(community=library, viewer=owner)) == []
    for person in (member, outsider):
        with pytest.raises(Forbidden, match="Only moderators see the complaints"):
            complaints_open(community=library, viewer=person)
