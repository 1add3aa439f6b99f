"""Payouts: what lenders are owed, settled by hand by city staff or
transferred to their Stripe Connect Express account.

localstripe has no Connect endpoints (it answers 404), so the Connect calls
(POST /v1/accounts, POST /v1/account_links, GET /v1/accounts/{id}, POST
/v1/transfers) are answered by `ConnectStripe`, a stripe.HTTPClient set on
the stripe library's own HTTP-client hook (payments.gateways.stripe.Gateway
.http_client). It answers with bodies shaped like Stripe's API reference
(acct_..., tr_..., their `object` fields), keeps Stripe's idempotency rule
(a POST repeated with the same Idempotency-Key gets the first answer and
makes nothing new) and records every request, so the tests assert the key,
amount, currency and destination we send. Everything else it forwards to
localstripe: the real-payment test pays, picks up and returns through
localstripe and transfers through the fake. Other balances are built by
posting ledger entries through payments.ledger.post.
"""

import json
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from bookings.services.booking import booking_act, booking_request
from marketplace.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    PaymentFailed,
    ValidationFailed,
)
from payments import ledger
from payments.gateways.stripe import Gateway
from payments.ledger import Line
from payments.models import LedgerEntry, PaymentOperation, Payout, PayoutAccount
from payments.selectors import lender_ledger, payout_report, payout_state
from payments.services.checkout import payment_pay_with_card, payment_start
from payments.services.payouts import (
    payout_account_onboard,
    payout_account_refresh,
    payout_record_manual,
    payout_transfer,
    payouts_transfer_all,
)
from tests.conftest import make_person
from tests.payments.conftest import card_token

A = LedgerEntry.Account
R = LedgerEntry.Reason
CONNECT_PATHS = ("/v1/accounts", "/v1/account_links", "/v1/transfers")


class ConnectStripe(stripe.HTTPClient):
    """Stripe's Connect endpoints as its API reference documents them (see
    the module's docstring); other requests go to localstripe."""

    name = "connect-fake"

    def __init__(self):
        super().__init__()
        self.real = stripe.RequestsClient(timeout=10)
        self.requests: list[dict] = []
        self.accounts: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.replies: dict[str, tuple[str, int]] = {}
        self.lose_answers = 0      # the next N transfers are made, their answer lost
        self.refuse_transfers = False

    def sent(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"] == path]

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        if not parts.path.startswith(CONNECT_PATHS):
            return self.real.request(method, url, headers, post_data)
        method = method.lower()
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        params = dict(parse_qsl(post_data or parts.query or ""))
        key = headers.get("idempotency-key", "")
        self.requests.append({"method": method, "path": parts.path, "params": params,
                              "idempotency_key": key})
        if method == "post" and key in self.replies:
            body, status = self.replies[key]
            return body, status, {"request-id": f"req_{uuid.uuid4().hex[:14]}",
                                  "idempotent-replayed": "true"}
        body, status = self._answer(method, parts.path, params)
        body = json.dumps(body)
        if method == "post" and key:
            self.replies[key] = (body, status)
        if parts.path == "/v1/transfers" and status == 200 and self.lose_answers:
            self.lose_answers -= 1
            raise stripe.APIConnectionError("Request timed out (the answer was lost).")
        return body, status, {"request-id": f"req_{uuid.uuid4().hex[:14]}"}

    def close(self):
        self.real.close()

    def _answer(self, method, path, params):
        now = int(time.time())
        if method == "post" and path == "/v1/accounts":
            account_id = f"acct_1{uuid.uuid4().hex[:15].upper()}"
            self.accounts[account_id] = {
                "id": account_id, "object": "account",
                "business_profile": {"mcc": None, "name": None, "url": None},
                "business_type": None,
                "capabilities": {"transfers": "inactive"},
                "charges_enabled": False,
                "controller": {"is_controller": True, "type": "application"},
                "country": "KR", "created": now, "default_currency": "krw",
                "details_submitted": False, "email": params.get("email"),
                "external_accounts": {"object": "list", "data": [], "has_more": False,
                                      "total_count": 0,
                                      "url": f"/v1/accounts/{account_id}/external_accounts"},
                "metadata": {k[9:-1]: v for k, v in params.items()
                             if k.startswith("metadata[")},
                "payouts_enabled": False,
                "requirements": {"currently_due": ["external_account", "tos_acceptance.date"],
                                 "disabled_reason": "requirements.past_due",
                                 "eventually_due": [], "past_due": []},
                "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
                "type": params.get("type", "express"),
            }
            return self.accounts[account_id], 200
        if method == "get" and path.startswith("/v1/accounts/"):
            account = self.accounts.get(path.rsplit("/", 1)[1])
            if account is None:
                return _error("resource_missing", "No such account."), 404
            return account, 200
        if method == "post" and path == "/v1/account_links":
            return {"object": "account_link", "created": now, "expires_at": now + 300,
                    "url": f"https://connect.stripe.com/setup/e/{params['account']}/"
                           f"{uuid.uuid4().hex[:12]}"}, 200
        if method == "post" and path == "/v1/transfers":
            if self.refuse_transfers:
                return _error("balance_insufficient", "You have insufficient available "
                              "funds in your Stripe account."), 400
            transfer_id = f"tr_1{uuid.uuid4().hex[:23]}"
            self.transfers[transfer_id] = {
                "id": transfer_id, "object": "transfer", "amount": int(params["amount"]),
                "amount_reversed": 0, "balance_transaction": f"txn_1{uuid.uuid4().hex[:23]}",
                "created": now, "currency": params["currency"], "description": None,
                "destination": params["destination"],
                "destination_payment": f"py_1{uuid.uuid4().hex[:23]}", "livemode": False,
                "metadata": {},
                "reversals": {"object": "list", "data": [], "has_more": False,
                              "total_count": 0, "url": f"/v1/transfers/{transfer_id}/reversals"},
                "reversed": False, "source_transaction": None, "source_type": "card",
                "transfer_group": None,
            }
            return self.transfers[transfer_id], 200
        return _error("resource_missing", f"Unrecognized request URL ({method} {path})."), 404


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "type": "invalid_request_error",
                      "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"}}


@pytest.fixture
def connect(stripe_mode, settings, monkeypatch):
    """Stripe mode (localstripe) with Connect on, its calls answered by the fake."""
    settings.STRIPE_CONNECT = True
    fake = ConnectStripe()
    monkeypatch.setattr(Gateway, "http_client", fake)
    return fake


def owe(lender, amount: int, currency: str = "KRW", *, fee: int = 0) -> None:
    """A rental paid for the lender: `amount` owed to them, `fee` to the platform."""
    ledger.post(posting=f"test:{uuid.uuid4()}", reason=R.RENTAL, currency=currency, lines=[
        Line(A.BORROWER, -(amount + fee)), Line(A.LENDER_PAYABLE, amount, lender),
        Line(A.PLATFORM_FEE, fee)])


def enabled_account(fake: ConnectStripe, lender) -> PayoutAccount:
    """The lender onboards and finishes Stripe's form."""
    payout_account_onboard(user=lender, refresh_url="https://nanum.test/r",
                           return_url="https://nanum.test/done")
    account = PayoutAccount.objects.get(user=lender)
    fake.accounts[account.account_id]["payouts_enabled"] = True
    return payout_account_refresh(user=lender)


def row_of(lender, currency="KRW"):
    return next((r for r in payout_report() if r["lender"] == lender
                 and r["currency"] == currency), None)


# --- settled by hand ----------------------------------------------------------


@pytest.mark.django_db
def test_manual_payout_moves_owed_to_paid(staff, owner):
    owe(owner, 30_000, fee=3_000)
    row = row_of(owner)
    assert (row["owed"], row["paid"], row["account_id"]) == (30_000, 0, "")
    payout = payout_record_manual(actor=staff, lender=owner, amount=20_000, currency="krw",
                                  state=row["state"])
    assert (payout.method, payout.amount, payout.currency, payout.created_by) == \
        ("manual", 20_000, "KRW", staff)
    assert ledger.lender_balance(owner)["KRW"] == {"currency": "KRW", "owed": 10_000,
                                                   "paid": 20_000}
    row = row_of(owner)
    assert (row["owed"], row["paid"]) == (10_000, 20_000)
    assert ledger.total() == 0
    newest = list(lender_ledger(owner))[:2]
    assert {(e.account, e.amount, e.reason) for e in newest} == {
        (A.LENDER_PAYABLE, -20_000, R.PAYOUT), (A.PAID_OUT, 20_000, R.PAYOUT)}


@pytest.mark.django_db
def test_manual_payout_never_more_than_owed(staff, owner):
    owe(owner, 5_000)
    for amount in (5_001, 0, -1):
        with pytest.raises(ValidationFailed) as refused:
            payout_record_manual(actor=staff, lender=owner, amount=amount, currency="KRW")
        assert "amount" in refused.value.extra["fields"]
    payout_record_manual(actor=staff, lender=owner, amount=5_000, currency="KRW")
    with pytest.raises(ValidationFailed, match="Nothing is owed"):
        payout_record_manual(actor=staff, lender=owner, amount=1, currency="KRW")
    assert Payout.objects.count() == 1
    assert payout_state(owner, "KRW")["owed"] == 0


@pytest.mark.django_db
def test_manual_payout_form_submitted_twice_pays_once(staff, owner):
    owe(owner, 50_000)
    state = row_of(owner)["state"]
    first = payout_record_manual(actor=staff, lender=owner, amount=20_000, currency="KRW",
                                 state=state)
    again = payout_record_manual(actor=staff, lender=owner, amount=20_000, currency="KRW",
                                 state=state)
    assert again.pk == first.pk
    assert Payout.objects.count() == 1
    assert payout_state(owner, "KRW")["owed"] == 30_000
    # The report shown after it has a new state: that balance can be paid.
    payout_record_manual(actor=staff, lender=owner, amount=30_000, currency="KRW",
                         state=row_of(owner)["state"])
    assert payout_state(owner, "KRW")["owed"] == 0
    assert row_of(owner) is None


@pytest.mark.django_db
def test_manual_payout_from_a_form_shown_before_the_balance_changed(staff, owner):
    owe(owner, 10_000)
    shown = row_of(owner)["state"]
    owe(owner, 5_000)  # another rental paid meanwhile
    payout_record_manual(actor=staff, lender=owner, amount=10_000, currency="KRW",
                         state=shown)
    payout_record_manual(actor=staff, lender=owner, amount=10_000, currency="KRW",
                         state=shown)
    assert payout_state(owner, "KRW")["owed"] == 5_000
    with pytest.raises(ValidationFailed):
        payout_record_manual(actor=staff, lender=owner, amount=1, currency="KRW",
                             state="'; drop table")
    assert Payout.objects.count() == 1


@pytest.mark.django_db
def test_only_city_staff_pay_out(owner, member):
    owe(owner, 5_000)
    for person in (member, owner):
        with pytest.raises(Forbidden):
            payout_record_manual(actor=person, lender=owner, amount=5_000, currency="KRW")
        with pytest.raises(Forbidden):
            payout_transfer(actor=person, lender=owner)
    assert not Payout.objects.exists()
    assert payout_state(owner, "KRW")["owed"] == 5_000


@pytest.mark.django_db
def test_report_lists_only_lenders_owed(staff, owner, member, django_assert_num_queries):
    company = make_person("company@example.org", "Share Co")
    settled = make_person("settled@example.org", "Paid Up")
    owe(owner, 10_000)
    owe(company, 40_000)
    owe(company, 7, currency="USD")
    owe(settled, 2_000)
    payout_record_manual(actor=staff, lender=settled, amount=2_000, currency="KRW")
    PayoutAccount.objects.create(user=company, account_id="acct_1COMPANY", payouts_enabled=True)
    with django_assert_num_queries(2):
        report = payout_report()
        names = [r["lender"].display_name for r in report]
        accounts = [r["account_id"] for r in report]
    assert [(r["lender"], r["currency"], r["owed"], r["paid"]) for r in report] == [
        (company, "KRW", 40_000, 0), (owner, "KRW", 10_000, 0), (company, "USD", 7, 0)]
    assert names == ["Share Co", "Owner Kim", "Share Co"]
    assert accounts == ["acct_1COMPANY", "", "acct_1COMPANY"]
    assert member not in {r["lender"] for r in report}  # a borrower is owed nothing
    assert settled not in {r["lender"] for r in report}


# --- Stripe Connect -----------------------------------------------------------


@pytest.mark.django_db
def test_onboarding_returns_the_link_and_makes_the_account_once(connect, owner):
    first = payout_account_onboard(user=owner, refresh_url="https://nanum.test/r",
                                   return_url="https://nanum.test/done")
    again = payout_account_onboard(user=owner, refresh_url="https://nanum.test/r",
                                   return_url="https://nanum.test/done")
    account = PayoutAccount.objects.get(user=owner)
    assert account.account_id.startswith("acct_") and not account.payouts_enabled
    assert first.startswith(f"https://connect.stripe.com/setup/e/{account.account_id}/")
    assert again.startswith("https://connect.stripe.com/") and again != first
    created = connect.sent("post", "/v1/accounts")
    assert len(created) == 1
    assert created[0]["idempotency_key"] == f"payout-account:{owner.pk}"
    assert created[0]["params"]["type"] == "express"
    assert created[0]["params"]["capabilities[transfers][requested]"] == "true"
    links = connect.sent("post", "/v1/account_links")
    assert [link["params"] for link in links] == [{
        "account": account.account_id, "refresh_url": "https://nanum.test/r",
        "return_url": "https://nanum.test/done", "type": "account_onboarding"}] * 2


@pytest.mark.django_db
def test_refresh_reads_whether_payouts_are_enabled(connect, owner):
    with pytest.raises(NotFound):
        payout_account_refresh(user=owner)
    payout_account_onboard(user=owner, refresh_url="https://nanum.test/r",
                           return_url="https://nanum.test/done")
    assert payout_account_refresh(user=owner).payouts_enabled is False
    account = PayoutAccount.objects.get(user=owner)
    connect.accounts[account.account_id]["payouts_enabled"] = True
    assert payout_account_refresh(user=owner).payouts_enabled is True
    assert PayoutAccount.objects.get(user=owner).payouts_enabled is True
    assert len(connect.sent("get", f"/v1/accounts/{account.account_id}")) == 2


@pytest.mark.django_db
def test_without_connect_there_is_no_onboarding_or_transfer(stripe_mode, settings, staff,
                                                           owner):
    settings.STRIPE_CONNECT = False
    owe(owner, 5_000)
    with pytest.raises(InvalidTransition, match="by hand"):
        payout_account_onboard(user=owner, refresh_url="https://nanum.test/r",
                               return_url="https://nanum.test/done")
    with pytest.raises(InvalidTransition):
        payout_transfer(actor=staff, lender=owner)
    assert payouts_transfer_all() == 0
    assert not PayoutAccount.objects.exists()


@pytest.fixture
def approved_with_fee(settings, stripe_mode, tent, member, owner, period):
    settings.NANUM_SERVICE_FEE_PERCENT = 10
    booking = booking_request(actor=member, listing_id=tent.pk, start=period[0],
                              end=period[1])
    return booking_act(actor=owner, booking=booking, action="approve")


@pytest.mark.django_db(transaction=True)
def test_a_real_payment_is_transferred_once_and_the_platform_keeps_its_fee(
        connect, approved_with_fee, stripe_mode, staff, member, owner,
        django_assert_num_queries):
    """The rental is paid, the tent picked up (deposit held), returned and
    completed through localstripe; the lender's share is transferred."""
    booking = approved_with_fee
    payment_start(actor=member, booking_id=booking.pk)
    payment = payment_pay_with_card(actor=member, booking_id=booking.pk,
                                    token=card_token(stripe_mode))
    assert payment.status == "succeeded" and payment.amount == 11_000
    booking.refresh_from_db()
    for action in ("pickup", "return", "complete"):
        booking = booking_act(actor=owner, booking=booking, action=action)
    fee = LedgerEntry.objects.filter(account=A.PLATFORM_FEE).values_list("amount", flat=True)
    assert sum(fee) == 1_000
    assert payout_state(owner, "KRW")["owed"] == 10_000  # the rental, without the fee
    account = enabled_account(connect, owner)
    state = payout_state(owner, "KRW")["state"]

    payout = payout_transfer(actor=staff, lender=owner)

    transfers = connect.sent("post", "/v1/transfers")
    assert len(transfers) == 1
    assert transfers[0]["params"] == {"amount": "10000", "currency": "krw",
                                      "destination": account.account_id}
    assert transfers[0]["idempotency_key"] == f"payout:{owner.pk}:KRW:{state}"
    assert (payout.method, payout.amount, payout.transfer_id) == \
        ("transfer", 10_000, next(iter(connect.transfers)))
    assert payout.transfer_id.startswith("tr_")
    assert ledger.lender_balance(owner)["KRW"] == {"currency": "KRW", "owed": 0,
                                                   "paid": 10_000}
    assert sum(LedgerEntry.objects.filter(account=A.PLATFORM_FEE)
               .values_list("amount", flat=True)) == 1_000
    assert ledger.total() == 0
    with pytest.raises(InvalidTransition, match="Nothing is owed"):
        payout_transfer(actor=staff, lender=owner)
    assert len(connect.sent("post", "/v1/transfers")) == 1
    with django_assert_num_queries(1):
        entries = [(e.reason, e.booking.listing.title if e.booking else "")
                   for e in lender_ledger(owner)]
    assert entries == [(R.PAYOUT, ""), (R.PAYOUT, ""), (R.RENTAL, "4인용 텐트")]


@pytest.mark.django_db
def test_a_lost_answer_is_retried_under_the_same_key_and_pays_once(connect, settings, staff,
                                                                   owner):
    owe(owner, 25_000)
    account = enabled_account(connect, owner)
    connect.lose_answers = 1
    with pytest.raises(PaymentFailed, match="did not answer"):
        payout_transfer(actor=staff, lender=owner)
    assert len(connect.transfers) == 1  # Stripe made it; we did not hear
    assert payout_state(owner, "KRW")["owed"] == 25_000
    # Until the transfer's outcome is known, nobody pays this balance again.
    with pytest.raises(Conflict):
        payout_transfer(actor=staff, lender=owner)
    with pytest.raises(Conflict):
        payout_record_manual(actor=staff, lender=owner, amount=25_000, currency="KRW")
    settings.STRIPE_TIMEOUT_SECONDS = -10  # the first call's time is up

    payout = payout_transfer(actor=None, lender=owner)

    sent = connect.sent("post", "/v1/transfers")
    assert len(sent) == 2 and sent[0]["idempotency_key"] == sent[1]["idempotency_key"]
    assert len(connect.transfers) == 1
    assert payout.transfer_id == next(iter(connect.transfers))
    assert payout.created_by is None and payout.amount == 25_000
    assert connect.transfers[payout.transfer_id]["destination"] == account.account_id
    assert ledger.lender_balance(owner)["KRW"] == {"currency": "KRW", "owed": 0,
                                                   "paid": 25_000}
    assert Payout.objects.count() == 1


@pytest.mark.django_db
def test_transfer_refused_without_an_enabled_account(connect, staff, owner):
    owe(owner, 8_000)
    with pytest.raises(InvalidTransition, match="not set up a payout account"):
        payout_transfer(actor=staff, lender=owner)
    payout_account_onboard(user=owner, refresh_url="https://nanum.test/r",
                           return_url="https://nanum.test/done")
    with pytest.raises(InvalidTransition, match="finish setting it up"):
        payout_transfer(actor=staff, lender=owner)
    account = PayoutAccount.objects.get(user=owner)
    assert connect.sent("get", f"/v1/accounts/{account.account_id}")  # asked Stripe again
    assert not connect.sent("post", "/v1/transfers")
    assert not Payout.objects.exists()
    assert payout_state(owner, "KRW")["owed"] == 8_000


@pytest.mark.django_db
def test_transfer_refused_by_stripe_pays_nothing_and_can_be_tried_again(connect, staff,
                                                                        owner):
    owe(owner, 9_000)
    enabled_account(connect, owner)
    connect.refuse_transfers = True
    with pytest.raises(PaymentFailed, match="balance_insufficient"):
        payout_transfer(actor=staff, lender=owner)
    assert not Payout.objects.exists()
    assert payout_state(owner, "KRW")["owed"] == 9_000
    assert PaymentOperation.objects.get(kind="transfer").status == "failed"
    connect.refuse_transfers = False
    # Stripe answers a key it refused with the same refusal: the next
    # attempt goes under a key of its own.
    payout = payout_transfer(actor=staff, lender=owner)
    assert payout.amount == 9_000 and len(connect.transfers) == 1
    first, second = connect.sent("post", "/v1/transfers")
    assert second["idempotency_key"] == f"{first['idempotency_key']}:1"
    assert list(PaymentOperation.objects.filter(kind="transfer")
                .values_list("status", flat=True)) == ["failed", "done"]
    assert payout_state(owner, "KRW")["owed"] == 0


@pytest.mark.django_db
def test_the_daily_job_transfers_every_enabled_balance(connect, owner, member):
    company = make_person("company@example.org", "Share Co")
    owe(owner, 12_000)
    owe(company, 30_000)
    owe(member, 4_000)  # owed, but never onboarded: settled by hand
    enabled_account(connect, owner)
    enabled_account(connect, company)
    assert payouts_transfer_all() == 2
    assert payouts_transfer_all() == 0  # nothing left to transfer
    assert sorted(t["amount"] for t in connect.transfers.values()) == [12_000, 30_000]
    assert [(r["lender"], r["owed"]) for r in payout_report()] == [(member, 4_000)]
