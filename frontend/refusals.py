from django.contrib import messages

from marketplace.errors import DomainError


def show_refusal(request, error: DomainError) -> None:
    """Tell the person why, in their language: each broken rule on its own
    line, else the fields' messages, else the error's sentence."""
    violations = error.extra.get("violations")
    if violations:
        for violation in violations:
            messages.error(request, violation["message"])
        return
    fields = error.extra.get("fields") or {}
    details = [message for field_messages in fields.values() for message in field_messages]
    messages.error(request, " ".join(details) if details else error.message)
