"""Hypothesis: random sequences of pay (good and declined cards), pickup,
return, capture (claims and awards), refunds, cancellations, the jobs and
webhook replays (a stale or repeated Intent fed to payment_update, and a
re-read from localstripe) keep refunded <= captured <= authorized for every
payment and every ledger posting balanced. Each example books its own
listing, so examples do not share state."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bookings.services.booking import booking_act, booking_request
from marketplace.errors import DomainError
from payments.gateways import GatewayError, Intent
from payments.models import Payment
from payments.services import settlement
from tests.fixtures.bookings import make_listing, tomorrow_at
from tests.payments.conftest import CHARGE_DECLINED_CARD
from tests.payments.test_flow import assert_books_balanced, pay

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = st.lists(st.one_of(
    st.just(("pay",)), st.just(("pay_declined",)), st.just(("pickup",)),
    st.just(("return",)), st.just(("complete",)), st.just(("cancel_borrower",)),
    st.just(("cancel_lender",)), st.just(("no_show",)),
    st.tuples(st.just("claim"), st.integers(1, 60_000)),
    st.tuples(st.just("award"), st.integers(0, 60_000)),
    st.tuples(st.just("refund"), st.integers(1, 15_000)),
    st.tuples(st.just("replay"), st.integers(0, 5)),
    st.just(("refresh",)), st.just(("settle_due",)), st.just(("lapse",)),
), min_size=1, max_size=8)


@hsettings(max_examples=25, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture,
                                  HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_money_stays_consistent(stripe_mode, owner, member, actions):
    listing = make_listing(owner, title="Tent", pricing="per_day", price=10_000,
                           deposit=50_000, cancellation_policy="moderate")
    start = tomorrow_at(10, days=3)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=1))
    booking = booking_act(actor=owner, booking=booking, action="approve")
    for n, action in enumerate(actions):
        booking.refresh_from_db()
        try:
            run(action, n, booking, owner, member, stripe_mode)
        except (DomainError, GatewayError):
            pass  # refused: fine, as long as nothing moved wrongly
        assert_books_balanced()
        for payment in Payment.objects.filter(booking=booking):
            if payment.status in ("pending", "failed", "requires_action", "authorized"):
                assert payment.captured == 0 and payment.refunded == 0
            if payment.kind == "deposit" and payment.status == "succeeded":
                assert payment.captured <= payment.amount - 0


def run(action, n, booking, owner, member, url):
    name = action[0]
    if name == "pay":
        pay(booking, member, url)
    elif name == "pay_declined":
        pay(booking, member, url, CHARGE_DECLINED_CARD)
    elif name in ("pickup", "return", "complete", "no_show", "cancel_lender"):
        booking_act(actor=owner, booking=booking,
                    action="cancel" if name == "cancel_lender" else name)
    elif name == "cancel_borrower":
        booking_act(actor=member, booking=booking, action="cancel")
    elif name == "claim":
        settlement.damage_claim_make(actor=owner, booking=booking, amount=action[1],
                                     text="Damaged.")
    elif name == "award":
        settlement.dispute_settle(booking=booking, awarded=action[1])
    elif name == "refund":
        rental = Payment.objects.filter(booking=booking, kind="rental").first()
        if rental is not None and rental.status == "succeeded":
            settlement.refund(rental, amount=action[1], key=f"test:{booking.pk}:refund-{n}",
                              cause="test refund")
    elif name == "replay":
        # An event delivered again, late: one of the states the payment
        # really passed through (as its change rows recorded them).
        for payment in Payment.objects.filter(booking=booking).exclude(intent_id=""):
            past = ["pending", *payment.changes.values_list("to_status", flat=True)]
            status = past[action[1] % len(past)]
            change = payment.changes.filter(to_status=status).first()
            stale = Intent(id=payment.intent_id, status=status, amount=payment.amount,
                           captured=change.captured if change else 0,
                           currency=payment.currency)
            settlement.payment_update(payment, stale, cause="webhook replay")
    elif name == "refresh":
        for payment in Payment.objects.filter(booking=booking):
            settlement.payment_refresh(payment, cause="webhook re-read")
    elif name == "settle_due":
        settlement.settle_due()
    elif name == "lapse":
        settlement.lapse_unpaid(now=booking.start)
