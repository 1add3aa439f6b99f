"""Double-entry postings: every money movement is a set of lines that sum
to zero, written once under its posting key (the operation's idempotency
key), in the same transaction as the movement it records."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from payments.models import LedgerEntry

A = LedgerEntry.Account


@dataclass(frozen=True)
class Line:
    account: str
    amount: int
    party: object = None


def post(*, posting: str, reason: str, currency: str, lines: list[Line], booking=None,
         payment=None) -> bool:
    """Writes the posting unless it was written before (returns False then).
    Lines of zero are left out; the rest must balance."""
    lines = [line for line in lines if line.amount]
    if sum(line.amount for line in lines) != 0:
        raise ValueError(f"posting {posting} does not balance: {lines}")
    if not lines or LedgerEntry.objects.filter(posting=posting).exists():
        return False
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create([
                LedgerEntry(posting=posting, line=n, booking=booking, payment=payment,
                            account=line.account, party=line.party, amount=line.amount,
                            currency=currency, reason=reason)
                for n, line in enumerate(lines)])
    except IntegrityError:
        return False  # written meanwhile by a concurrent replay
    return True


def total() -> int:
    """All balances together: zero, always."""
    return LedgerEntry.objects.aggregate(s=Sum("amount"))["s"] or 0


def lender_balance(user) -> dict:
    """What a lender is owed now and what they were paid, per currency."""
    rows = (LedgerEntry.objects.filter(party=user)
            .filter(Q(account=A.LENDER_PAYABLE) | Q(account=A.PAID_OUT))
            .values("currency", "account").annotate(s=Sum("amount")))
    balances: dict[str, dict] = {}
    for row in rows:
        entry = balances.setdefault(row["currency"], {"currency": row["currency"], "owed": 0,
                                                      "paid": 0})
        entry["owed" if row["account"] == A.LENDER_PAYABLE else "paid"] += row["s"]
    return balances
