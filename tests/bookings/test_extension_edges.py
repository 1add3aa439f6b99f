"""Review of issue 14's extensions: the quote is what approval adds, for
every way of pricing; a stale or repeated answer changes nothing; the
booking's amounts never overflow; only the parties see a quote."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import Booking, Extension
from bookings.services.booking import booking_act, booking_request
from bookings.services.extension import extension_decide, extension_quote, extension_request
from community_rules.governance import rule_add
from community_rules.models import Community, Membership
from listings.models import Listing
from marketplace.errors import DomainError, InvalidTransition, RuleViolation, ValidationFailed
from tests.fixtures.bookings import make_listing, tomorrow_at

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def confirmed(listing, member, owner, length=timedelta(days=1), community=None):
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + length, community=community)
    if booking.status == Booking.Status.REQUESTED:
        booking_act(actor=owner, booking=booking, action="approve")
    booking.refresh_from_db()
    return booking


@pytest.mark.parametrize("pricing,price,extra,expected", [
    (Listing.Pricing.FREE, 0, timedelta(days=1), 0),
    (Listing.Pricing.PER_BOOKING, 5000, timedelta(days=1), 0),
    # 1h30 is charged as 2 started hours: until 2h nothing more, then one hour
    (Listing.Pricing.PER_HOUR, 1000, timedelta(minutes=30), 0),
    (Listing.Pricing.PER_HOUR, 1000, timedelta(minutes=31), 1000),
])
def test_the_quote_is_what_approval_adds(owner, member, api_as, pricing, price, extra,
                                         expected):
    listing = make_listing(owner, pricing=pricing, price=price)
    booking = confirmed(listing, member, owner, length=timedelta(hours=1, minutes=30))
    before = (booking.rental, booking.fees, booking.total)
    new_end = booking.end + extra
    quote = api_as(member).get(f"/api/v1/bookings/{booking.pk}/extensions/",
                               {"new_end": new_end.isoformat()})
    assert quote.status_code == 200
    assert quote.json()["rental"] == expected
    extension = extension_request(actor=member, booking=booking, new_end=new_end)
    extension_decide(actor=owner, extension=extension, approve=True)
    booking.refresh_from_db()
    assert booking.rental - before[0] == expected
    assert booking.total - before[2] == quote.json()["total"]
    assert booking.total == booking.rental + booking.fees + booking.deposit


def test_two_extensions_in_a_row_each_add_their_own_time(owner, member):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000)
    booking = confirmed(saw, member, owner)
    for _ in range(2):
        booking.refresh_from_db()
        extension = extension_request(actor=member, booking=booking,
                                      new_end=booking.end + timedelta(days=1))
        assert extension.rental == 3000
        extension_decide(actor=owner, extension=extension, approve=True)
    booking.refresh_from_db()
    assert (booking.rental, booking.end - booking.start) == (9000, timedelta(days=3))


def test_approval_charges_the_quoted_price_even_if_the_listing_price_changed(owner, member):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000)
    booking = confirmed(saw, member, owner)
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=1))
    Listing.objects.filter(pk=saw.pk).update(price=50000)
    extension_decide(actor=owner, extension=Extension.objects.get(pk=extension.pk),
                     approve=True)
    booking.refresh_from_db()
    assert booking.rental == 6000


def test_a_second_answer_changes_nothing(owner, member, api_as):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000)
    booking = confirmed(saw, member, owner)
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=1))
    stale = Extension.objects.get(pk=extension.pk)
    extension_decide(actor=owner, extension=extension, approve=True)
    with pytest.raises(InvalidTransition):
        extension_decide(actor=owner, extension=stale, approve=True)
    declined = api_as(owner).post(f"/api/v1/extensions/{extension.pk}/decline/", **EN)
    assert declined.status_code == 409
    booking.refresh_from_db()
    extension.refresh_from_db()
    assert (booking.rental, extension.status) == (6000, Extension.Status.APPROVED)


def test_an_outsider_gets_404_and_the_lender_cannot_quote(owner, member, outsider, api_as):
    booking = confirmed(make_listing(owner), member, owner)
    new_end = (booking.end + timedelta(days=1)).isoformat()
    url = f"/api/v1/bookings/{booking.pk}/extensions/"
    assert api_as(outsider).get(url, {"new_end": new_end}).status_code == 404
    assert api_as(outsider).post(url, {"new_end": new_end}, format="json").status_code == 404
    assert api_as(owner).get(url, {"new_end": new_end}).status_code == 409
    assert not Extension.objects.exists()


def test_a_naive_new_end_is_refused_by_the_api(owner, member, api_as):
    booking = confirmed(make_listing(owner), member, owner)
    naive = timezone.localtime(booking.end + timedelta(days=1)).replace(tzinfo=None)
    answer = api_as(member).post(f"/api/v1/bookings/{booking.pk}/extensions/",
                                 {"new_end": naive.isoformat()}, format="json", **EN)
    assert answer.status_code == 400
    assert list(answer.json()["fields"]) == ["new_end"]
    assert not Extension.objects.exists()


def test_a_booking_that_cannot_be_extended_is_not_quoted(owner, member, api_as):
    booking = confirmed(make_listing(owner), member, owner)
    booking_act(actor=member, booking=booking, action="cancel")
    answer = api_as(member).get(f"/api/v1/bookings/{booking.pk}/extensions/",
                                {"new_end": (booking.end + timedelta(days=1)).isoformat()},
                                **EN)
    assert answer.status_code == 409


def test_an_overdue_loan_cannot_be_extended_to_a_time_already_past(owner, member):
    drill = make_listing(owner)
    booking = confirmed(drill, member, owner)
    booking_act(actor=owner, booking=booking, action="pickup")
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(start=now - timedelta(days=3),
                                                 end=now - timedelta(days=2), is_overdue=True)
    booking.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        extension_request(actor=member, booking=booking, new_end=now - timedelta(days=1))
    assert list(refused.value.extra["fields"]) == ["new_end"]
    assert not Extension.objects.exists()


def test_a_rule_added_after_the_request_stops_the_approval(owner, member):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=member, status="active")
    saw = make_listing(owner, visibility="communities")
    saw.communities.add(library)
    booking = confirmed(saw, member, owner, community="library")
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=2))
    rule_add(actor=owner, community=library, type="max_loan_duration", params={"days": 2})
    with pytest.raises(RuleViolation):
        extension_decide(actor=owner, extension=extension, approve=True)
    booking.refresh_from_db()
    extension.refresh_from_db()
    assert (booking.end - booking.start, extension.status) == (timedelta(days=1), "requested")


def test_an_extension_that_would_overflow_the_total_is_refused(owner, member):
    hall = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=25_000_000,
                        deposit=100_000_000)
    booking = confirmed(hall, member, owner, length=timedelta(days=80))
    assert booking.total == 2_100_000_000
    with pytest.raises(ValidationFailed) as refused:
        extension_quote(actor=member, booking=booking, new_end=booking.end + timedelta(days=9))
    assert list(refused.value.extra["fields"]) == ["new_end"]
    # The price fell since: the 89 days at today's price fit, but the
    # booking's own total plus the extra days would not.
    Listing.objects.filter(pk=hall.pk).update(price=10_000_000)
    booking.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        extension_request(actor=member, booking=booking, new_end=booking.end + timedelta(days=9))
    assert list(refused.value.extra["fields"]) == ["new_end"]
    assert not Extension.objects.exists()
    booking.refresh_from_db()
    assert booking.total == 2_100_000_000


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_approvals_add_the_price_once(owner, member):
    saw = make_listing(owner, pricing=Listing.Pricing.PER_DAY, price=3000)
    booking = confirmed(saw, member, owner)
    extension = extension_request(actor=member, booking=booking,
                                  new_end=booking.end + timedelta(days=1))
    barrier = threading.Barrier(2)

    def approve(_i):
        try:
            copy = Extension.objects.select_related("booking").get(pk=extension.pk)
            barrier.wait()
            return extension_decide(actor=owner, extension=copy, approve=True)
        except DomainError as refused:
            return refused
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(approve, range(2)))
    assert sum(isinstance(o, Extension) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, InvalidTransition) for o in outcomes) == 1, outcomes
    booking.refresh_from_db()
    assert booking.rental == 6000
