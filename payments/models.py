"""Money: what a booking's borrower paid or has held, every call made to the
gateway for it, and the ledger those movements post to.

Amounts are integers in the currency's minor unit (KRW has none). Every
call to a gateway is a PaymentOperation whose `idempotency_key`
(`booking:<id>:<step>`) is unique here and sent to the gateway, so a retry
or a double click finds the operation already made instead of charging
again. A Payment's amounts only ever satisfy refunded <= captured <=
amount; the database checks it, whatever a gateway would accept.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class PaymentCustomer(models.Model):
    """A person's customer record at the gateway, with the card saved for
    later charges (deposit holds, late fees)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="payment_customer")
    gateway = models.CharField(max_length=20)
    customer_id = models.CharField(max_length=255)
    payment_method = models.CharField(max_length=255, blank=True)
    card_label = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.gateway} customer {self.customer_id}"


class Payment(models.Model):
    """One payment of a booking at a gateway (a Stripe PaymentIntent): the
    rental, the deposit hold, or a late fee."""

    class Kind(models.TextChoices):
        RENTAL = "rental", _("Rental and fees")
        DEPOSIT = "deposit", _("Deposit hold")
        LATE_FEE = "late_fee", _("Late-return fee")
        EXTENSION = "extension", _("Extension")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        REQUIRES_ACTION = "requires_action", _("Waiting for the card's confirmation")
        FAILED = "failed", _("Failed")
        AUTHORIZED = "authorized", _("Held on the card")
        SUCCEEDED = "succeeded", _("Paid")
        CANCELED = "canceled", _("Cancelled")

    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT,
                                related_name="payments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    gateway = models.CharField(max_length=20)
    intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    client_secret = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    amount = models.PositiveIntegerField()
    # Of `amount`, the platform's service fee (the rest is the lender's).
    fees = models.PositiveIntegerField(default=0)
    captured = models.PositiveIntegerField(default=0)
    refunded = models.PositiveIntegerField(default=0)
    # Of a deposit hold: what is kept back for a late fee the card refused;
    # captured with any damage claim when the deposit is settled.
    withheld = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3)
    idempotency_key = models.CharField(max_length=120, unique=True)
    capture_before = models.DateTimeField(null=True, blank=True)
    # A deposit hold renewed before it lapsed points at its successor.
    replaced_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    # Something a person must look at (a hold that could not be renewed).
    problem = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(captured__lte=F("amount")),
                                   name="payment_captures_at_most_its_amount"),
            models.CheckConstraint(condition=Q(refunded__lte=F("captured")),
                                   name="payment_refunds_at_most_what_was_captured"),
            models.CheckConstraint(condition=Q(withheld__lte=F("amount")),
                                   name="payment_withholds_at_most_its_amount"),
            models.CheckConstraint(condition=Q(fees__lte=F("amount")),
                                   name="payment_fee_at_most_its_amount"),
        ]

    def __str__(self):
        return f"{self.kind} of booking {self.booking_id}: {self.amount} {self.currency} " \
               f"({self.status})"

    @property
    def refundable(self) -> int:
        return self.captured - self.refunded

    @property
    def error_text(self) -> str:
        """Why the payment failed, in the reader's language."""
        if not self.error:
            return ""
        return str(ERROR_TEXTS.get(self.error, ERROR_TEXTS["failed"]))


# What a failed payment's reason code (the gateway's) says to a person.
ERROR_TEXTS = {
    "card_declined": _("The card was declined."),
    "expired_card": _("The card has expired."),
    "insufficient_funds": _("The card has not enough funds."),
    "incorrect_cvc": _("The card's security code was wrong."),
    "payment_intent_authentication_failure": _("The card's confirmation (3-D Secure) failed."),
    "authentication_required": _("The card asks for a confirmation the borrower must give."),
    "failed": _("The payment failed."),
}


class PaymentOperation(models.Model):
    """One call to the gateway, claimed under its idempotency key before it
    is made. A repeat finds the row and does not call again."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", _("Charge or hold")
        CONFIRM = "confirm", _("Confirm")
        CAPTURE = "capture", _("Capture")
        CANCEL = "cancel", _("Release")
        REFUND = "refund", _("Refund")
        TRANSFER = "transfer", _("Transfer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="operations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    gateway_ref = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.idempotency_key} ({self.status})"


class PaymentChange(models.Model):
    """Every change of a payment: its state and amounts before and after,
    and who or what caused it (a person, a webhook event, a job)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    captured = models.PositiveIntegerField(default=0)
    refunded = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    cause = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.payment_id}: {self.from_status or '-'} -> {self.to_status} ({self.cause})"


class LedgerEntry(models.Model):
    """One line of a balanced posting: every posting's lines sum to zero,
    so all balances together always do. Positive: money into the account.
    `party` is whose account it is (the borrower, the lender); the
    platform's fee account has none."""

    class Account(models.TextChoices):
        BORROWER = "borrower", _("Borrower")
        LENDER_PAYABLE = "lender_payable", _("Owed to the lender")
        PLATFORM_FEE = "platform_fee", _("Platform fee")
        DEPOSIT_HELD = "deposit_held", _("Deposit held")
        PAID_OUT = "paid_out", _("Paid out to the lender")

    class Reason(models.TextChoices):
        RENTAL = "rental", _("Rental paid")
        CASH = "cash", _("Paid in cash at pickup")
        REFUND = "refund", _("Refund")
        DEPOSIT_HOLD = "deposit_hold", _("Deposit held")
        DEPOSIT_RELEASE = "deposit_release", _("Deposit released")
        DEPOSIT_CAPTURE = "deposit_capture", _("Taken from the deposit")
        LATE_FEE = "late_fee", _("Late-return fee")
        PAYOUT = "payout", _("Payout")

    posting = models.CharField(max_length=140, db_index=True)
    line = models.PositiveSmallIntegerField()
    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="ledger_entries")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="ledger_entries")
    account = models.CharField(max_length=16, choices=Account.choices)
    party = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="ledger_entries")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # A posting is made once: a replayed event or a retried job
            # that tries again is refused by the database.
            models.UniqueConstraint(fields=["posting", "line"], name="ledger_line_once"),
        ]
        indexes = [models.Index(fields=["party", "account"])]

    def __str__(self):
        return f"{self.posting}#{self.line} {self.account} {self.amount:+} {self.currency}"


class WebhookEvent(models.Model):
    """A gateway event handled: stored in the same transaction as its effect,
    so a repeat (even a concurrent one) finds it and changes nothing."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=80)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.event_id} {self.type}"


class DamageClaim(models.Model):
    """A lender's claim on the deposit after a return, within the inspection
    window. It opens a dispute; the complaint's outcome settles it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SETTLED = "settled", _("Settled")

    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE,
                                   related_name="damage_claim")
    amount = models.PositiveIntegerField()
    text = models.TextField(max_length=3000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # What the settlement took from the deposit for the damage.
    awarded = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"claim of {self.amount} on booking {self.booking_id} ({self.status})"


class PayoutAccount(models.Model):
    """A lender's or share company's connected account (Stripe Connect
    Express), to which their payable balance is transferred."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="payout_account")
    account_id = models.CharField(max_length=255)
    payouts_enabled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"payout account {self.account_id} of {self.user_id}"


class Payout(models.Model):
    """Money paid to a lender: a transfer to their connected account, or
    settled by hand by staff from the payout report."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Transfer to the connected account")
        MANUAL = "manual", _("Settled by hand")

    lender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="payouts")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=8, choices=Method.choices)
    transfer_id = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"payout of {self.amount} {self.currency} to {self.lender_id}"
