"""The payment step of the booking flow: what bookings asks of payments.

Bookings never imports payments (it stands below it). The booking services
ask the step provided here; payments provides the real one when it loads
(payments/apps.py). Without it nothing is paid online: every loan is free or
paid in cash at pickup, and an approved booking is confirmed at once.
"""


class PaymentStep:
    """Nothing paid online. Payments' step overrides each method."""

    def due_online(self, booking) -> bool:
        """Is something to be paid online before the booking is confirmed?"""
        return False

    def before(self, booking, action: str, *, actor) -> None:
        """Called before a person's action is applied, outside its
        transaction (it may call the gateway): refuse it by raising
        PaymentFailed, e.g. a deposit that cannot be held at pickup."""

    def after(self, booking, action: str, *, actor, from_status: str) -> None:
        """Called inside the transaction that applied a transition: records
        what the move means for the money (a refund, a release, a fee);
        calls to the gateway are made once it commits."""

    def action_failed(self, booking, action: str, *, actor) -> None:
        """The action prepared by `before` was refused after all: undo what
        `before` did at the gateway."""

    def extension_charge(self, extension, *, actor) -> None:
        """Called before a lender's approval of an extension is applied,
        outside its transaction: takes the extension's price (refuse the
        approval by raising PaymentFailed)."""

    def extension_failed(self, extension, *, actor) -> None:
        """The approval was refused after `extension_charge`: give it back."""


_current = PaymentStep()


def provide(step: PaymentStep) -> None:
    global _current
    _current = step


def current() -> PaymentStep:
    return _current
