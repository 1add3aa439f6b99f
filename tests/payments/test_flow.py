"""The money flow against localstripe (`stripe_mode`): pay, confirm, the
deposit held at pickup and released or partly captured after the return,
late fees, cancellations by the policy the quote showed, lapses, declined
cards. Each test checks our records and, where it matters, what localstripe
itself says happened to the money."""

from datetime import timedelta

import pytest
import requests
from django.db.models import Sum
from django.utils import timezone

from bookings.models import Booking
from bookings.pricing import quote
from bookings.services.booking import booking_act, booking_request
from bookings.services.jobs import complete_after_inspection
from community_rules.governance import rule_add
from community_rules.models import Community, Membership
from marketplace.errors import Forbidden, InvalidTransition, PaymentFailed, ValidationFailed
from moderation.models import Complaint
from moderation.services import complaint_resolve, complaints_escalate_due
from payments import ledger
from payments.gateways import active_gateway
from payments.models import LedgerEntry, Payment, PaymentChange, PaymentCustomer
from payments.services import settlement
from payments.services.checkout import payment_pay_with_card, payment_start
from tests.fixtures.bookings import make_listing, tomorrow_at
from tests.payments.conftest import (
    CHARGE_DECLINED_CARD,
    DECLINED_CARD,
    GOOD_CARD,
    card_token,
)

pytestmark = pytest.mark.django_db(transaction=True)


# --- helpers the other payments test files share ----------------------------

def stripe_get(url: str, path: str, **params) -> dict:
    """What localstripe itself holds (not what our records say)."""
    answer = requests.get(f"{url}{path}", params=params, timeout=10,
                          headers={"Authorization": "Bearer sk_test_nanum"})
    answer.raise_for_status()
    return answer.json()


def charges_of(url: str, user) -> list[dict]:
    customer = PaymentCustomer.objects.get(user=user).customer_id
    return stripe_get(url, "/v1/charges", customer=customer, limit=100)["data"]


def pay(booking, borrower, url, number=GOOD_CARD) -> Payment:
    return payment_pay_with_card(actor=borrower, booking_id=booking.pk,
                                 token=card_token(url, number))


def assert_books_balanced() -> None:
    """The ledger sums to zero, and so does every posting in it; and no
    payment refunded more than it captured or captured more than it held."""
    assert ledger.total() == 0
    unbalanced = (LedgerEntry.objects.values("posting").annotate(s=Sum("amount"))
                  .exclude(s=0))
    assert list(unbalanced) == []
    for payment in Payment.objects.all():
        assert 0 <= payment.refunded <= payment.captured <= payment.amount, payment


def balance(account: str, party=None) -> int:
    rows = LedgerEntry.objects.filter(account=account)
    if party is not None:
        rows = rows.filter(party=party)
    return rows.aggregate(s=Sum("amount"))["s"] or 0


def use_card_that_declines_charges(borrower, url) -> str:
    """The borrower's saved card swapped for one localstripe saves but
    declines every charge on (4000000000000341): the state of a card that
    paid the rental and later stopped paying (expired, blocked). Saved on
    their Customer at localstripe like any card, and made the default in
    our records."""
    customer = PaymentCustomer.objects.get(user=borrower)
    method, _label = active_gateway().save_card(
        customer=customer.customer_id, token=card_token(url, CHARGE_DECLINED_CARD),
        idempotency_key=f"test:{customer.pk}:declining-card")
    PaymentCustomer.objects.filter(pk=customer.pk).update(payment_method=method)
    return method


def returned_booking(booking, owner, *, days_late: int = 0) -> Booking:
    """Picked up, then (with the dates moved into the past as the late-return
    tests do) brought back `days_late` days and 5 minutes late, or on time."""
    booking = booking_act(actor=owner, booking=booking, action="pickup")
    if days_late:
        Booking.objects.filter(pk=booking.pk).update(
            start=booking.start - timedelta(days=10),
            end=timezone.now() - timedelta(days=days_late, minutes=5))
        booking.refresh_from_db()
    return booking_act(actor=owner, booking=booking, action="return")


# --- pay, hold, release -------------------------------------------------------

def test_pay_pickup_return_release(settings, stripe_mode, tent, member, owner, period):
    settings.NANUM_SERVICE_FEE_PERCENT = 10
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0], end=period[1])
    booking = booking_act(actor=owner, booking=booking, action="approve")
    assert booking.status == "approved" and booking.expires_at is not None
    started = payment_start(actor=member, booking_id=booking.pk)
    assert started.amount == 11_000 and started.client_secret and started.status == "pending"
    assert payment_start(actor=member, booking_id=booking.pk).pk == started.pk  # a reload

    payment = pay(booking, member, stripe_mode)
    assert payment.status == "succeeded" and payment.captured == 11_000
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert PaymentCustomer.objects.get(user=member).payment_method  # the card kept
    pi = stripe_get(stripe_mode, f"/v1/payment_intents/{payment.intent_id}")
    assert pi["status"] == "succeeded" and pi["amount"] == 11_000

    booking = booking_act(actor=owner, booking=booking, action="pickup")
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    assert deposit.status == "authorized" and deposit.amount == 50_000
    held = stripe_get(stripe_mode, f"/v1/payment_intents/{deposit.intent_id}")
    assert held["status"] == "requires_capture" and held["capture_method"] == "manual"
    assert balance("deposit_held", member) == 50_000
    assert_books_balanced()

    booking = booking_act(actor=owner, booking=booking, action="return")
    assert booking.status == "returned"
    deposit.refresh_from_db()
    assert deposit.status == "authorized"  # kept through the inspection window
    assert complete_after_inspection(now=timezone.now()) == 0
    later = booking.returned_at + timedelta(hours=settings.NANUM_INSPECTION_HOURS, minutes=1)
    assert complete_after_inspection(now=later) == 1
    booking.refresh_from_db()
    deposit.refresh_from_db()
    assert booking.status == "completed"
    assert deposit.status == "canceled" and deposit.captured == 0
    assert stripe_get(stripe_mode, f"/v1/payment_intents/{deposit.intent_id}")["status"] == \
        "canceled"
    assert_books_balanced()
    assert ledger.lender_balance(owner) == {"KRW": {"currency": "KRW", "owed": 10_000,
                                                    "paid": 0}}
    assert balance("platform_fee") == 1_000
    assert balance("deposit_held") == 0
    assert balance("borrower", member) == -11_000  # the deposit came back whole
    # Each change of a payment says what caused it.
    assert list(PaymentChange.objects.filter(payment=deposit).values_list(
        "from_status", "to_status")) == [("pending", "authorized"), ("authorized", "canceled")]
    assert [c["amount"] for c in charges_of(stripe_mode, member)
            if c["captured"]] == [11_000]


# --- damage ------------------------------------------------------------------

@pytest.fixture
def returned(approved, member, owner, stripe_mode):
    pay(approved, member, stripe_mode)
    approved.refresh_from_db()
    return returned_booking(approved, owner)


def test_borrower_accepts_a_damage_claim_part_of_the_deposit_is_captured(
        returned, member, owner, stripe_mode):
    claim = settlement.damage_claim_make(actor=owner, booking=returned, amount=20_000,
                                         text="The groundsheet is torn.")
    returned.refresh_from_db()
    assert returned.status == "disputed" and claim.status == "open"
    complaint = Complaint.objects.get(booking=returned)
    assert complaint.tier == "party" and complaint.status == "open"
    assert "The groundsheet is torn." in complaint.text

    complaint_resolve(actor=member, complaint=complaint, outcome="I tore it, sorry.",
                      awarded=20_000)
    returned.refresh_from_db()
    assert returned.status == "completed"
    deposit = Payment.objects.get(booking=returned, kind="deposit")
    assert deposit.status == "succeeded" and deposit.captured == 20_000
    charge = stripe_get(stripe_mode, f"/v1/payment_intents/{deposit.intent_id}")
    assert charge["status"] == "succeeded"
    [held] = [c for c in charges_of(stripe_mode, member) if c["amount"] == 50_000]
    # localstripe captures part of a charge by refunding the rest of it.
    assert held["captured"] and held["amount"] - held["amount_refunded"] == 20_000
    assert_books_balanced()
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 10_000 + 20_000
    assert balance("deposit_held") == 0
    assert balance("borrower", member) == -10_000 - 20_000


def test_at_the_first_tier_the_lender_cannot_award_themselves_the_claim(
        returned, member, owner, staff, stripe_mode):
    settlement.damage_claim_make(actor=owner, booking=returned, amount=30_000,
                                 text="Pole snapped.")
    complaint = Complaint.objects.get(booking=returned)
    with pytest.raises(Forbidden):
        complaint_resolve(actor=owner, complaint=complaint, outcome="Pay me.", awarded=30_000)
    # Unsettled past its deadline it reaches city staff (no community),
    # who award part of it.
    assert complaints_escalate_due(now=timezone.now() + timedelta(days=30)) == 1
    complaint.refresh_from_db()
    assert complaint.tier == "staff"
    with pytest.raises(ValidationFailed):  # no more than was claimed
        complaint_resolve(actor=staff, complaint=complaint, outcome="Too much", awarded=30_001)
    complaint_resolve(actor=staff, complaint=complaint, outcome="Half the pole.",
                      awarded=15_000)
    returned.refresh_from_db()
    deposit = Payment.objects.get(booking=returned, kind="deposit")
    assert returned.status == "completed"
    assert deposit.status == "succeeded" and deposit.captured == 15_000
    [held] = [c for c in charges_of(stripe_mode, member) if c["amount"] == 50_000]
    assert held["amount"] - held["amount_refunded"] == 15_000
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 25_000
    assert_books_balanced()


def test_staff_can_award_nothing_and_the_whole_deposit_is_released(
        returned, member, owner, staff, stripe_mode):
    settlement.damage_claim_make(actor=owner, booking=returned, amount=30_000,
                                 text="Pole snapped.")
    complaints_escalate_due(now=timezone.now() + timedelta(days=30))
    complaint = Complaint.objects.get(booking=returned)
    complaint_resolve(actor=staff, complaint=complaint, outcome="Wear and tear.", awarded=0)
    deposit = Payment.objects.get(booking=returned, kind="deposit")
    assert deposit.status == "canceled" and deposit.captured == 0
    assert stripe_get(stripe_mode, f"/v1/payment_intents/{deposit.intent_id}")["status"] == \
        "canceled"
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 10_000
    assert_books_balanced()


def test_a_claim_above_the_deposit_or_after_the_window_is_refused(
        settings, returned, owner, member, stripe_mode):
    with pytest.raises(ValidationFailed) as refused:
        settlement.damage_claim_make(actor=owner, booking=returned, amount=50_001,
                                     text="Everything.")
    assert "amount" in refused.value.extra["fields"]
    with pytest.raises(Forbidden):
        settlement.damage_claim_make(actor=member, booking=returned, amount=1_000,
                                     text="Borrowers do not claim.")
    Booking.objects.filter(pk=returned.pk).update(
        returned_at=timezone.now() - timedelta(hours=settings.NANUM_INSPECTION_HOURS, minutes=1))
    returned.refresh_from_db()
    with pytest.raises(InvalidTransition):
        settlement.damage_claim_make(actor=owner, booking=returned, amount=1_000,
                                     text="Too late.")
    returned.refresh_from_db()
    assert returned.status == "returned"
    assert not Complaint.objects.filter(booking=returned).exists()
    assert complete_after_inspection() == 1
    assert Payment.objects.get(booking=returned, kind="deposit").status == "canceled"
    assert_books_balanced()


# --- late fees --------------------------------------------------------------

@pytest.fixture
def late_library(owner, member):
    community = Community.objects.create(name="Mapo Tool Library", slug="mapo",
                                         governance="moderated")
    Membership.objects.create(community=community, user=owner, role="owner", status="active",
                              joined_at=timezone.now() - timedelta(days=400))
    Membership.objects.create(community=community, user=member, status="active",
                              joined_at=timezone.now() - timedelta(days=30))
    rule_add(actor=owner, community=community, type="late_return",
             params={"strike": False, "fee_per_day": 2000})
    return community


@pytest.fixture
def library_tent(owner, late_library):
    tent = make_listing(owner, title="Tent", visibility="communities", pricing="per_day",
                        price=10_000, deposit=50_000)
    tent.communities.add(late_library)
    return tent


def _paid_in_library(listing, member, owner, url) -> Booking:
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=1), community="mapo")
    booking = booking_act(actor=owner, booking=booking, action="approve")
    pay(booking, member, url)
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    return booking


def test_a_late_return_fee_is_charged_to_the_saved_card(
        stripe_mode, library_tent, member, owner):
    booking = _paid_in_library(library_tent, member, owner, stripe_mode)
    booking = returned_booking(booking, owner, days_late=2)
    assert booking.late_fee == 6_000
    fee = Payment.objects.get(booking=booking, kind="late_fee")
    assert fee.status == "succeeded" and fee.captured == 6_000
    pi = stripe_get(stripe_mode, f"/v1/payment_intents/{fee.intent_id}")
    assert pi["status"] == "succeeded" and pi["amount"] == 6_000
    assert sorted(c["amount"] for c in charges_of(stripe_mode, member) if c["captured"]) == \
        [6_000, 10_000]
    complete_after_inspection(now=timezone.now() + timedelta(days=3))
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    assert deposit.status == "canceled" and deposit.withheld == 0
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 16_000
    assert_books_balanced()


def test_a_late_fee_the_card_refuses_is_kept_back_from_the_deposit(
        stripe_mode, library_tent, member, owner):
    booking = _paid_in_library(library_tent, member, owner, stripe_mode)
    booking = booking_act(actor=owner, booking=booking, action="pickup")
    assert Payment.objects.get(booking=booking, kind="deposit").status == "authorized"
    use_card_that_declines_charges(member, stripe_mode)
    Booking.objects.filter(pk=booking.pk).update(
        start=booking.start - timedelta(days=10),
        end=timezone.now() - timedelta(days=1, minutes=5))
    booking.refresh_from_db()
    booking = booking_act(actor=owner, booking=booking, action="return")
    assert booking.late_fee == 4_000
    assert not Payment.objects.filter(booking=booking, kind="late_fee",
                                      status="succeeded").exists()
    deposit = Payment.objects.get(booking=booking, kind="deposit")
    assert deposit.status == "authorized" and deposit.withheld == 4_000
    # The lender may still claim the rest of the deposit, not more.
    with pytest.raises(ValidationFailed):
        settlement.damage_claim_make(actor=owner, booking=booking, amount=46_001, text="x")
    settlement.settle_due()  # the job running again keeps back nothing twice
    deposit.refresh_from_db()
    assert deposit.withheld == 4_000 and deposit.status == "authorized"

    complete_after_inspection(now=timezone.now() + timedelta(days=3))
    deposit.refresh_from_db()
    assert deposit.status == "succeeded" and deposit.captured == 4_000
    [held] = [c for c in charges_of(stripe_mode, member) if c["amount"] == 50_000]
    assert held["amount"] - held["amount_refunded"] == 4_000
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 14_000
    assert_books_balanced()


# --- cancellations -----------------------------------------------------------

CANCELS = [
    # (policy, hours before start the borrower cancels, percent refunded)
    ("flexible", 48, 100), ("flexible", 12, 50),
    ("moderate", 24 * 6, 100), ("moderate", 48, 50), ("moderate", 12, 0),
    ("strict", 24 * 8, 50), ("strict", 48, 0),
]


@pytest.mark.parametrize(("policy", "hours", "percent"), CANCELS)
def test_a_borrowers_cancellation_refunds_what_the_quote_showed(
        stripe_mode, owner, member, policy, hours, percent):
    listing = make_listing(owner, title="Kayak", pricing="per_day", price=10_000,
                           deposit=0, cancellation_policy=policy)
    start = timezone.now() + timedelta(hours=hours, minutes=30)
    start = start.replace(second=0, microsecond=0)
    shown = quote(listing, start, start + timedelta(days=1)).cancellation_policy
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=1))
    booking = booking_act(actor=owner, booking=booking, action="approve")
    payment = pay(booking, member, stripe_mode)
    booking.refresh_from_db()
    booking = booking_act(actor=member, booking=booking, action="cancel")
    expected = next(r["refund_percent"] for r in shown["refunds"]
                    if hours >= r["hours_before_start"])
    assert expected == percent
    payment.refresh_from_db()
    assert payment.refunded == 10_000 * percent // 100
    refunds = stripe_get(stripe_mode, "/v1/refunds", limit=100)["data"]
    assert sum(r["amount"] for r in refunds) == payment.refunded
    if percent:
        change = PaymentChange.objects.filter(payment=payment).last()
        assert change.refunded == payment.refunded and "cancelled" in change.cause
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 10_000 - payment.refunded
    assert_books_balanced()


def test_a_lenders_cancellation_refunds_in_full(stripe_mode, owner, member):
    listing = make_listing(owner, title="Kayak", pricing="per_day", price=10_000,
                           deposit=0, cancellation_policy="strict")
    start = tomorrow_at(10)
    booking = booking_request(actor=member, listing_id=listing.pk, start=start,
                              end=start + timedelta(days=1))
    booking = booking_act(actor=owner, booking=booking, action="approve")
    payment = pay(booking, member, stripe_mode)
    booking.refresh_from_db()
    booking_act(actor=owner, booking=booking, action="cancel")
    payment.refresh_from_db()
    assert payment.refunded == payment.captured == 10_000
    [refund] = stripe_get(stripe_mode, "/v1/refunds", limit=100)["data"]
    assert refund["amount"] == 10_000
    settlement.settle_due()  # and again: nothing more
    payment.refresh_from_db()
    assert payment.refunded == 10_000
    assert len(stripe_get(stripe_mode, "/v1/refunds", limit=100)["data"]) == 1
    assert ledger.lender_balance(owner)["KRW"]["owed"] == 0
    assert_books_balanced()


def test_a_no_show_refunds_as_a_cancellation_at_the_start(stripe_mode, owner, member):
    listing = make_listing(owner, title="Kayak", pricing="per_day", price=10_000,
                           deposit=20_000, cancellation_policy="flexible")
    booking = booking_request(actor=member, listing_id=listing.pk, start=tomorrow_at(10),
                              end=tomorrow_at(10) + timedelta(days=1))
    booking = booking_act(actor=owner, booking=booking, action="approve")
    payment = pay(booking, member, stripe_mode)
    # The start has passed and nobody came (a no-show is marked only then).
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - timedelta(hours=1), end=timezone.now() + timedelta(days=1))
    booking.refresh_from_db()
    booking_act(actor=owner, booking=booking, action="no_show")
    payment.refresh_from_db()
    assert payment.refunded == 5_000  # flexible: half, at the start
    assert not Payment.objects.filter(booking=booking, kind="deposit").exists()
    assert_books_balanced()


def test_an_unpaid_booking_lapses_at_its_deadline_and_frees_the_unit(
        approved, member, owner, outsider, stripe_mode):
    payment_start(actor=member, booking_id=approved.pk)  # started, never paid
    assert settlement.lapse_unpaid(now=timezone.now()) == 0
    assert settlement.lapse_unpaid(now=approved.expires_at + timedelta(minutes=1)) == 1
    approved.refresh_from_db()
    assert approved.status == "expired"
    payment = Payment.objects.get(booking=approved)
    assert payment.status == "canceled"
    assert stripe_get(stripe_mode, f"/v1/payment_intents/{payment.intent_id}")["status"] == \
        "canceled"
    # The unit is free again for someone else.
    again = booking_request(actor=outsider, listing_id=approved.listing_id,
                            start=approved.start, end=approved.end)
    assert again.status == "requested"
    assert LedgerEntry.objects.count() == 0


def test_a_payment_that_succeeded_before_the_lapse_job_confirms_instead(
        approved, member, stripe_mode):
    """The payment went through at localstripe but our records never heard
    (the page was closed before the return, the webhook not yet in)."""
    payment = payment_start(actor=member, booking_id=approved.pk)
    gateway = active_gateway()
    customer = PaymentCustomer.objects.get(user=member)
    method, _label = gateway.save_card(customer=customer.customer_id,
                                       token=card_token(stripe_mode), idempotency_key="t")
    gateway.confirm_with(payment.intent_id, payment_method=method, idempotency_key="t2")
    assert Payment.objects.get(pk=payment.pk).status == "pending"  # we do not know yet
    assert settlement.lapse_unpaid(now=approved.expires_at + timedelta(minutes=1)) == 0
    approved.refresh_from_db()
    assert approved.status == "confirmed"
    assert Payment.objects.get(pk=payment.pk).status == "succeeded"
    assert_books_balanced()


# --- declined cards ----------------------------------------------------------

@pytest.mark.parametrize("number", [DECLINED_CARD, CHARGE_DECLINED_CARD])
def test_a_declined_card_leaves_the_booking_unpaid_and_a_good_one_pays_once(
        approved, member, stripe_mode, number):
    with pytest.raises(PaymentFailed) as refused:
        pay(approved, member, stripe_mode, number)
    assert "declined" in str(refused.value.message).lower()
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert LedgerEntry.objects.count() == 0
    assert Payment.objects.get(booking=approved).status in ("pending", "failed")

    payment = pay(approved, member, stripe_mode)
    assert payment.status == "succeeded"
    approved.refresh_from_db()
    assert approved.status == "confirmed"
    assert Payment.objects.filter(booking=approved).count() == 1
    assert [c["amount"] for c in charges_of(stripe_mode, member)
            if c["status"] == "succeeded"] == [10_000]
    # Paying again answers the paid payment and charges nothing more.
    assert payment_start(actor=member, booking_id=approved.pk).pk == payment.pk
    assert [c["amount"] for c in charges_of(stripe_mode, member)
            if c["status"] == "succeeded"] == [10_000]
    assert_books_balanced()
