"""Domain errors: what a service raises when it refuses.

Each carries a stable `code` (shared/API.md), a human `message` in the
person's language and an HTTP status. The API's exception handler, the HTML
views and the socket consumers all show the same message.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message=None, **extra):
        self.message = message or self.default_message
        self.extra = extra
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        """The JSON body of the refusal: code, detail and any extra fields."""
        return {"code": self.code, "detail": str(self.message), **self.extra}


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do that.")


class ValidationFailed(DomainError):
    """Bad input. `fields` maps a field name to a list of messages."""

    code = "validation_failed"
    status = 400
    default_message = _("Some of the information is not valid.")

    def __init__(self, message=None, *, fields=None, **extra):
        fields = fields or {}
        if message is None and fields:
            # Say what is wrong rather than that something is.
            message = " ".join(str(m) for messages in fields.values() for m in messages)
        super().__init__(message, fields=fields, **extra)


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class BookingConflict(Conflict):
    code = "booking_conflict"
    default_message = _("No unit is free for that time: someone else has booked it.")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    default_message = _("That step is not possible in the booking's current state.")


class RuleViolation(DomainError):
    """A community rule refuses. `violations`: [{rule, community, message}]."""

    code = "rule_violation"
    status = 422
    default_message = _("This breaks a community rule.")

    def __init__(self, violations, message=None):
        violations = [
            {**v, "message": str(v["message"])} for v in violations
        ]
        if message is None and violations:
            message = " ".join(v["message"] for v in violations)
        super().__init__(message, violations=violations)


class PaymentFailed(DomainError):
    code = "payment_failed"
    status = 402
    default_message = _("The payment did not go through. Nothing was charged.")


class RateLimited(DomainError):
    """Too much in too short a time (messages, say). `retry_after`: seconds
    to wait, when known."""

    code = "rate_limited"
    status = 429
    default_message = _("You are doing that too often. Wait a moment and try again.")
