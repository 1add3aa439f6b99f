"""The re-check of open conversation sockets (messaging/socket_rights.py):
who still takes part, decided for many sockets in a few queries, as one
socket at a time would decide it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import CompanyStaff
from accounts.services import company_create
from bookings.services.booking import lender_ids, lenders_of
from community_rules.models import Community, Membership
from messaging import selectors, services
from messaging.models import Block
from tests.accounts.staff import staff_add
from tests.conftest import make_person
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


def start(actor, listing, text="Is it free on Saturday?"):
    return services.conversation_start(actor=actor, listing_id=listing.pk, text=text)


@pytest.fixture
def hub(owner, outsider):
    company = company_create(actor=owner, name="Hub", registration_number="220-81-62517")
    staff_add(actor=owner, company=company, email=outsider.email)
    return company


@pytest.fixture
def library(owner, outsider):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=outsider, role="moderator",
                              status="active")
    return library


def test_lenders_of_many_listings_agree_with_one_at_a_time(owner, outsider, hub, library):
    listings = [make_listing(owner, title="Own drill"),
                make_listing(owner, title="Room", company=hub),
                make_listing(owner, title="Library saw", owner_community=library)]
    with CaptureQueriesContext(connection) as queries:
        together = lenders_of(listings)
    assert len(queries) == 2  # the company's staff, the community's moderators
    assert {pk: sorted(ids) for pk, ids in together.items()} == {
        listing.pk: sorted(lender_ids(listing)) for listing in listings}
    assert sorted(together[listings[1].pk]) == sorted([owner.pk, outsider.pk])
    assert together[listings[0].pk] == [owner.pk]


def test_who_still_takes_part_is_decided_for_many_sockets_at_once(
        owner, member, outsider, hub, library, drill):
    room = start(member, make_listing(owner, title="Room", company=hub))
    saw = start(member, make_listing(owner, title="Library saw", owner_community=library))
    own = start(member, drill)
    stranger = make_person("stranger@example.org", "Stranger Choi")
    pairs = {(room.pk, member.pk), (room.pk, owner.pk), (room.pk, outsider.pk),
             (saw.pk, outsider.pk), (own.pk, owner.pk), (own.pk, stranger.pk),
             (10**9, member.pk)}
    with CaptureQueriesContext(connection) as queries:
        allowed = selectors.still_taking_part(pairs)
    assert len(queries) <= 5
    assert allowed == pairs - {(own.pk, stranger.pk), (10**9, member.pk)}

    # Taken off the staff without a word to the sockets (the admin site),
    # no longer a moderator, blocked by the borrower:
    CompanyStaff.objects.filter(company=hub, user=outsider).delete()
    Membership.objects.filter(community=library, user=outsider).update(role="member")
    Block.objects.create(blocker=member, blocked=owner)
    assert selectors.still_taking_part(pairs) == {(room.pk, member.pk)}


def test_the_blocker_keeps_their_socket(owner, member, drill):
    chat = start(member, drill)
    Block.objects.create(blocker=member, blocked=owner)
    assert selectors.still_taking_part({(chat.pk, member.pk), (chat.pk, owner.pk)}) == {
        (chat.pk, member.pk)}
