"""An extension approved while the borrower pays online: its price is
charged to their saved card when the lender approves, or the approval is
refused and nothing is charged. Against localstripe."""

from datetime import timedelta

import pytest

from bookings.models import Booking, Extension
from bookings.services.booking import booking_act
from bookings.services.extension import extension_decide, extension_request
from marketplace.errors import BookingConflict, PaymentFailed
from payments.models import LedgerEntry, Payment
from tests.payments.test_flow import (
    assert_books_balanced,
    balance,
    charges_of,
    pay,
    use_card_that_declines_charges,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def out_on_loan(approved, member, owner, stripe_mode):
    pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    return booking_act(actor=owner, booking=approved, action="pickup")


def test_an_approved_extension_is_charged_to_the_saved_card(out_on_loan, member, owner,
                                                             stripe_mode):
    extension = extension_request(actor=member, booking=out_on_loan,
                                  new_end=out_on_loan.end + timedelta(days=2))
    assert extension.rental == 20_000
    extension_decide(actor=owner, extension=extension, approve=True)

    paid = Payment.objects.get(booking=out_on_loan, kind=Payment.Kind.EXTENSION)
    assert (paid.status, paid.amount, paid.captured) == ("succeeded", 20_000, 20_000)
    amounts = sorted(c["amount"] for c in charges_of(stripe_mode, member)
                     if c["status"] == "succeeded" and c["captured"])
    assert amounts == [10_000, 20_000]
    out_on_loan.refresh_from_db()
    assert out_on_loan.end == extension.new_end and out_on_loan.rental == 30_000
    assert balance(LedgerEntry.Account.LENDER_PAYABLE, owner) == 30_000
    assert_books_balanced()


def test_a_card_that_refuses_the_extension_leaves_it_unanswered(out_on_loan, member, owner,
                                                                 stripe_mode):
    use_card_that_declines_charges(member, stripe_mode)
    extension = extension_request(actor=member, booking=out_on_loan,
                                  new_end=out_on_loan.end + timedelta(days=1))
    with pytest.raises(PaymentFailed, match="did not pay for the extension"):
        extension_decide(actor=owner, extension=extension, approve=True)
    extension.refresh_from_db()
    out_on_loan.refresh_from_db()
    assert extension.status == Extension.Status.REQUESTED
    assert out_on_loan.rental == 10_000
    assert not Payment.objects.filter(kind=Payment.Kind.EXTENSION,
                                      status=Payment.Status.SUCCEEDED).exists()
    assert balance(LedgerEntry.Account.LENDER_PAYABLE, owner) == 10_000
    assert_books_balanced()


def test_an_extension_into_a_taken_time_is_refused_before_any_charge(
        out_on_loan, member, owner, stripe_mode):
    extension = extension_request(actor=member, booking=out_on_loan,
                                  new_end=out_on_loan.end + timedelta(days=1))
    # Someone books the same unit the day after while the request waits.
    Booking.objects.create(listing=out_on_loan.listing, unit=out_on_loan.unit,
                           borrower=owner, start=out_on_loan.end,
                           end=out_on_loan.end + timedelta(days=1), status="confirmed")
    with pytest.raises(BookingConflict):
        extension_decide(actor=owner, extension=extension, approve=True)
    assert not Payment.objects.filter(kind=Payment.Kind.EXTENSION).exists()
    taken = [c["amount"] for c in charges_of(stripe_mode, member)
             if c["status"] == "succeeded" and c["captured"]]
    assert taken == [10_000]  # the rental; the deposit is only held
