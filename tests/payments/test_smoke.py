import pytest

from bookings.services.booking import booking_act
from payments import ledger
from payments.models import Payment
from payments.services.checkout import payment_pay_with_card, payment_start
from tests.payments.conftest import card_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_pay_pickup_return_release(approved, member, owner, stripe_mode):
    assert approved.status == "approved"
    payment = payment_start(actor=member, booking_id=approved.pk)
    assert payment.amount == 10_000 and payment.client_secret
    payment = payment_pay_with_card(actor=member, booking_id=approved.pk,
                                    token=card_token(stripe_mode))
    assert payment.status == "succeeded"
    approved.refresh_from_db()
    assert approved.status == "confirmed"
    booking = booking_act(actor=owner, booking=approved, action="pickup")
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    assert deposit.status == "authorized" and deposit.amount == 50_000
    booking = booking_act(actor=owner, booking=booking, action="return")
    booking = booking_act(actor=owner, booking=booking, action="complete")
    deposit.refresh_from_db()
    assert deposit.status == "canceled"
    assert ledger.total() == 0
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 10_000
