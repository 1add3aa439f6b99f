"""Paying lenders what they are owed: a transfer to their Stripe Connect
Express account, or, without Connect, settled by hand by city staff from
the payout report.

What a lender is owed is their `lender_payable` balance: the platform's
fee was never in it, so paying out the whole balance leaves the fee with
the platform. A payout posts `lender_payable -amount, paid_out +amount`
and its Payout row in one transaction.

Each payout is made once per balance state (owed, paid and the newest
ledger line, payments.selectors.payout_state): the state is in the
idempotency key of the Payout, its ledger posting and the transfer sent to
Stripe (`payout:<lender>:<currency>:<state>`). A form carries the state it
showed, so submitting it twice pays once; a transfer retried after a lost
answer sends the same key, and Stripe answers with the same transfer.
Gateway calls are never made inside a database transaction.
"""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from marketplace.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    PaymentFailed,
    ValidationFailed,
)
from payments import ledger
from payments.gateways import GatewayError, active_gateway
from payments.ledger import Line
from payments.models import LedgerEntry, PaymentOperation, Payout, PayoutAccount
from payments.selectors import payout_report, payout_state
from payments.services.records import operation_claim, operation_done, operation_failed

A = LedgerEntry.Account
_STATE = re.compile(r"^-?\d{1,18}\.-?\d{1,18}\.\d{1,18}$")


def _require_staff(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_staff:
        raise Forbidden(_("Only city staff pay lenders out."))


def _connect():
    """The Stripe gateway, when Stripe Connect is configured."""
    gateway = active_gateway()
    if not settings.STRIPE_CONNECT or gateway.name != "stripe":
        raise InvalidTransition(_("Payouts to a bank account are not set up here: city "
                                  "staff settle what you are owed by hand."))
    return gateway


def _key(lender, currency: str, state: str) -> str:
    return f"payout:{lender.pk}:{currency}:{state}"


def _lock(lender) -> None:
    """Serialise payouts of one lender (on SQLite the IMMEDIATE transaction
    already does)."""
    User.objects.select_for_update().filter(pk=lender.pk).first()


def _post(payout: Payout) -> None:
    ledger.post(posting=payout.idempotency_key, reason=LedgerEntry.Reason.PAYOUT,
                currency=payout.currency, lines=[
                    Line(A.LENDER_PAYABLE, -payout.amount, payout.lender),
                    Line(A.PAID_OUT, payout.amount, payout.lender)])


# --- settled by hand ----------------------------------------------------------


def payout_record_manual(*, actor, lender, amount: int, currency: str,
                         state: str = "") -> Payout:
    """City staff record that they paid `amount` to the lender by hand.

    `state` is the balance state the form showed (the payout report's
    `state`): a second submission of the same form finds the payout made
    and returns it. Without it the state is read now, so only the check
    that nothing beyond what is owed is paid protects a repeat."""
    _require_staff(actor)
    currency = (currency or "").upper()
    if state and not _STATE.match(state):
        raise ValidationFailed(fields={"state": [_("Open the payout report again and "
                                                   "resubmit.")]})
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(fields={"amount": [_("Enter a whole amount.")]})
    with transaction.atomic():
        _lock(lender)
        now = payout_state(lender, currency)
        key = _key(lender, currency, state or now["state"])
        made = Payout.objects.filter(idempotency_key=key).first()
        if made is not None:
            return made
        if PaymentOperation.objects.filter(
                idempotency_key__startswith=f"payout:{lender.pk}:{currency}:",
                status=PaymentOperation.Status.PENDING).exists():
            raise Conflict(_("A transfer to this lender is under way. Look again in a "
                             "moment."))
        if now["owed"] <= 0:
            raise ValidationFailed(fields={"amount": [_("Nothing is owed to this lender.")]})
        if not 1 <= amount <= now["owed"]:
            raise ValidationFailed(fields={"amount": [
                _("Pay between 1 and %(owed)s %(currency)s: never more than is owed.")
                % {"owed": now["owed"], "currency": currency}]})
        payout = Payout.objects.create(lender=lender, amount=amount, currency=currency,
                                       method=Payout.Method.MANUAL, idempotency_key=key,
                                       created_by=actor)
        _post(payout)
    return payout


# --- Stripe Connect -----------------------------------------------------------


def payout_account_onboard(*, user, refresh_url: str, return_url: str) -> str:
    """The link where the person sets up (or finishes setting up) their
    Express account to be paid out; the account is created once."""
    if user is None or not user.is_authenticated:
        raise Forbidden(_("Log in first."))
    gateway = _connect()
    account = PayoutAccount.objects.filter(user=user).first()
    if account is None:
        try:
            account_id = gateway.payout_account(user=user,
                                                idempotency_key=f"payout-account:{user.pk}")
        except GatewayError as error:
            raise PaymentFailed(_("Stripe could not create the payout account "
                                  "(%(code)s). Try again later.")
                                % {"code": error.code}) from error
        try:
            with transaction.atomic():
                account = PayoutAccount.objects.create(user=user, account_id=account_id)
        except IntegrityError:
            # Made meanwhile by a concurrent request (the same key at Stripe).
            account = PayoutAccount.objects.get(user=user)
    try:
        return gateway.onboarding_link(account=account.account_id, refresh_url=refresh_url,
                                       return_url=return_url)
    except GatewayError as error:
        raise PaymentFailed(_("Stripe could not open the payout account (%(code)s). Try "
                              "again later.") % {"code": error.code}) from error


def payout_account_refresh(*, user) -> PayoutAccount:
    """Re-reads from Stripe whether the account can be paid out."""
    gateway = _connect()
    account = PayoutAccount.objects.filter(user=user).first()
    if account is None:
        raise NotFound(_("There is no payout account yet: set one up first."))
    try:
        enabled = gateway.payouts_enabled(account.account_id)
    except GatewayError as error:
        raise PaymentFailed(_("Stripe could not be asked about the payout account "
                              "(%(code)s). Try again later.") % {"code": error.code}) from error
    if enabled != account.payouts_enabled:
        PayoutAccount.objects.filter(pk=account.pk).update(payouts_enabled=enabled)
        account.payouts_enabled = enabled
    return account


def payout_transfer(*, actor, lender, currency: str = "KRW") -> Payout:
    """Transfers the lender's whole owed balance to their connected account
    (city staff, or the daily job with no actor). Made once per balance
    state: a retry after a lost answer sends the same idempotency key."""
    if actor is not None:
        _require_staff(actor)
    currency = currency.upper()
    gateway = _connect()
    account = PayoutAccount.objects.filter(user=lender).first()
    if account is None:
        raise InvalidTransition(_("This lender has not set up a payout account yet."))
    if not account.payouts_enabled:
        account = payout_account_refresh(user=lender)
        if not account.payouts_enabled:
            raise InvalidTransition(_("This lender's payout account cannot receive "
                                      "payouts yet: they must finish setting it up."))
    # The balance is read and the transfer claimed under the lender's lock,
    # so a manual payout either comes first (and this pays what is left) or
    # finds the transfer under way.
    with transaction.atomic():
        _lock(lender)
        now = payout_state(lender, currency)
        key = _key(lender, currency, now["state"])
        made = Payout.objects.filter(idempotency_key=key).first()
        if made is not None:
            return made
        if now["owed"] <= 0:
            raise InvalidTransition(_("Nothing is owed to this lender."))
        # Stripe keeps the answer to a key, a refusal too: after a refusal the
        # next attempt at this balance goes under a key of its own.
        refused = PaymentOperation.objects.filter(
            Q(idempotency_key=key) | Q(idempotency_key__startswith=f"{key}:"),
            status=PaymentOperation.Status.FAILED).count()
        attempt = f"{key}:{refused}" if refused else key
        operation = operation_claim(key=attempt, kind=PaymentOperation.Kind.TRANSFER,
                                    amount=now["owed"])
    amount = operation.amount
    try:
        transfer_id = operation.gateway_ref if operation.status == \
            PaymentOperation.Status.DONE else gateway.transfer(
                amount=amount, currency=currency, destination=account.account_id,
                idempotency_key=attempt)
    except GatewayError as error:
        if error.code == "unavailable":
            # No answer: Stripe may have made it. The operation stays under
            # way (a manual payout waits for it); a retry, once this call's
            # time is up, sends the same key and gets Stripe's answer.
            PaymentOperation.objects.filter(pk=operation.pk).update(error=error.message[:300])
            raise PaymentFailed(_("Stripe did not answer: the transfer may or may not have "
                                  "been made. Try again in a minute; it is made at most "
                                  "once.")) from error
        operation_failed(operation, error)
        raise PaymentFailed(_("Stripe refused the transfer (%(code)s): nothing was paid "
                              "out.") % {"code": error.code}) from error
    with transaction.atomic():
        _lock(lender)
        operation_done(operation, ref=transfer_id)
        payout, created = Payout.objects.get_or_create(
            idempotency_key=key, defaults={
                "lender": lender, "amount": amount, "currency": currency,
                "method": Payout.Method.TRANSFER, "transfer_id": transfer_id,
                "created_by": actor})
        if created:
            _post(payout)
    return payout


def payouts_transfer_all() -> int:
    """The daily job: transfers every owed balance whose lender has an
    account that can be paid out. Returns how many were paid; one lender's
    refusal does not stop the others (it is tried again next time)."""
    if not settings.STRIPE_CONNECT or active_gateway().name != "stripe":
        return 0
    paid = 0
    for row in payout_report():
        if not row["account_id"]:
            continue
        try:
            payout_transfer(actor=None, lender=row["lender"], currency=row["currency"])
        except (PaymentFailed, InvalidTransition, Conflict):
            continue
        paid += 1
    return paid
