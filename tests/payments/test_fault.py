"""Fault: localstripe stopped (SIGSTOP) in the middle of a payment. The
person gets a clear error, the booking stays approved with no ledger
entries, and a retry once localstripe is back (SIGCONT) charges exactly
once, also when localstripe took in the request before it stopped and
carried it out after it came back.

These tests run their own localstripe (a paused one would stall every other
test) with STRIPE_TIMEOUT_SECONDS=2."""

import contextlib
import os
import signal
import time

import pytest
import stripe

from bookings.services.booking import booking_act, booking_request
from marketplace.errors import PaymentFailed
from payments.gateways.stripe import Gateway
from payments.models import LedgerEntry, Payment
from payments.services.checkout import payment_pay_with_card, payment_start
from tests.harness import STRIPE_TEST_SETTINGS, localstripe_server
from tests.payments.conftest import card_token
from tests.payments.test_flow import assert_books_balanced, charges_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def paused_stripe():
    with localstripe_server(with_process=True) as (url, proc):
        yield url, proc


@pytest.fixture
def fault_mode(settings, paused_stripe):
    url, proc = paused_stripe
    for name, value in STRIPE_TEST_SETTINGS.items():
        setattr(settings, name, value)
    settings.STRIPE_API_BASE = url
    settings.STRIPE_TIMEOUT_SECONDS = 2
    yield url, proc
    proc.send_signal(signal.SIGCONT)


@contextlib.contextmanager
def stopped(proc):
    proc.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.3)  # back, and through whatever it had taken in


@pytest.fixture
def approved_here(fault_mode, tent, member, owner, period):
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0], end=period[1])
    return booking_act(actor=owner, booking=booking, action="approve")


def test_localstripe_stopped_then_back_charges_once(fault_mode, approved_here, member):
    url, proc = fault_mode
    payment = payment_start(actor=member, booking_id=approved_here.pk)
    token = card_token(url)
    with stopped(proc):
        started = time.monotonic()
        with pytest.raises(PaymentFailed) as refused:
            payment_pay_with_card(actor=member, booking_id=approved_here.pk, token=token)
        assert time.monotonic() - started < 10
    assert "not answering" in str(refused.value.message)
    assert "Nothing was charged" in str(refused.value.message)
    approved_here.refresh_from_db()
    assert approved_here.status == "approved"
    assert LedgerEntry.objects.count() == 0

    paid = payment_pay_with_card(actor=member, booking_id=approved_here.pk,
                                 token=card_token(url))
    assert paid.pk == payment.pk and paid.status == "succeeded"
    approved_here.refresh_from_db()
    assert approved_here.status == "confirmed"
    assert [c["amount"] for c in charges_of(url, member) if c["status"] == "succeeded"] == \
        [10_000]
    assert_books_balanced()


class PausesBeforeConfirm(stripe.RequestsClient):
    """Sends SIGSTOP to localstripe just before the confirmation request goes
    out: the request sits in localstripe's socket, our side times out, and
    localstripe carries out the charge once it is continued. A timing aid
    only; every request still goes to localstripe."""

    def __init__(self, pid, **kwargs):
        super().__init__(**kwargs)
        self.pid = pid
        self.armed = True

    def request(self, method, url, headers, post_data=None):
        if self.armed and method == "post" and url.endswith("/confirm"):
            self.armed = False
            os.kill(self.pid, signal.SIGSTOP)
        return super().request(method, url, headers, post_data)


def test_a_confirmation_carried_out_after_the_timeout_is_found_not_repeated(
        monkeypatch, fault_mode, approved_here, member):
    url, proc = fault_mode
    monkeypatch.setattr(Gateway, "http_client", PausesBeforeConfirm(proc.pid, timeout=2))
    payment_start(actor=member, booking_id=approved_here.pk)
    try:
        with pytest.raises(PaymentFailed) as refused:
            payment_pay_with_card(actor=member, booking_id=approved_here.pk,
                                  token=card_token(url))
        assert "not answering" in str(refused.value.message)
        approved_here.refresh_from_db()
        assert approved_here.status == "approved"
        assert LedgerEntry.objects.count() == 0
    finally:
        proc.send_signal(signal.SIGCONT)
        time.sleep(0.3)
    # Back: localstripe charged the card meanwhile. The retry finds it paid.
    paid = payment_pay_with_card(actor=member, booking_id=approved_here.pk,
                                 token=card_token(url))
    assert paid.status == "succeeded"
    approved_here.refresh_from_db()
    assert approved_here.status == "confirmed"
    assert Payment.objects.filter(booking=approved_here).count() == 1
    assert [c["amount"] for c in charges_of(url, member) if c["status"] == "succeeded"] == \
        [10_000]
    assert_books_balanced()
