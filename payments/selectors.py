"""Reads of what lenders are owed and were paid, from the ledger.

A lender's balance per currency is the sum of their `lender_payable`
lines (owed) and their `paid_out` lines (paid). Its `state` names the
balance as it stands (owed, paid and the newest of those lines): a payout
is made once per state, so a form submitted twice, or a job retried,
pays once (payments/services/payouts.py)."""

from django.db.models import Max, Q, QuerySet, Sum

from accounts.models import User
from payments.models import LedgerEntry, PayoutAccount

A = LedgerEntry.Account
_ACCOUNTS = (A.LENDER_PAYABLE, A.PAID_OUT)


def _balances(entries: QuerySet[LedgerEntry]) -> QuerySet:
    """Per (party, currency): owed, paid and the newest line's id."""
    return (entries.filter(account__in=_ACCOUNTS)
            .values("party", "currency")
            .annotate(owed=Sum("amount", filter=Q(account=A.LENDER_PAYABLE), default=0),
                      paid=Sum("amount", filter=Q(account=A.PAID_OUT), default=0),
                      last=Max("id"))
            .order_by())


def _state(row: dict) -> str:
    return f"{row['owed']}.{row['paid']}.{row['last'] or 0}"


def payout_state(lender, currency: str) -> dict:
    """The lender's balance in `currency` now: {currency, owed, paid, state}."""
    row = next(iter(_balances(LedgerEntry.objects.filter(party=lender, currency=currency))),
               None) or {"owed": 0, "paid": 0, "last": 0}
    return {"currency": currency, "owed": row["owed"], "paid": row["paid"],
            "state": _state(row)}


def payout_report() -> list[dict]:
    """Everyone owed money now, one row per (lender, currency), most owed
    first: lender (a User, with profile and payout account fetched),
    currency, owed, paid, account_id (their connected account or "") and
    state (for the payout form: see the module's docstring). Two queries."""
    rows = list(_balances(LedgerEntry.objects.filter(party__isnull=False))
                .filter(owed__gt=0))
    people = User.objects.filter(pk__in={row["party"] for row in rows}) \
        .select_related("profile", "payout_account")
    by_id = {person.pk: person for person in people}
    report = []
    for row in rows:
        lender = by_id[row["party"]]
        try:
            account_id = lender.payout_account.account_id
        except PayoutAccount.DoesNotExist:
            account_id = ""
        report.append({"lender": lender, "currency": row["currency"], "owed": row["owed"],
                       "paid": row["paid"], "account_id": account_id, "state": _state(row)})
    report.sort(key=lambda r: (-r["owed"], r["lender"].pk, r["currency"]))
    return report


def lender_ledger(user) -> QuerySet[LedgerEntry]:
    """The lender's own lines (what they were owed, and paid out), newest
    first, with the booking and its listing."""
    return (LedgerEntry.objects.filter(party=user, account__in=_ACCOUNTS)
            .select_related("booking__listing", "payment")
            .order_by("-created_at", "-id"))
