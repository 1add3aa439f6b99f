from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass
class Attempt:
    """What came of a `refusal_shown` block: the refusal, or None."""

    error: DomainError | None = None


@contextmanager
def refusal_shown(request, *, form=None) -> Iterator[Attempt]:
    """Run what the person asked for; when a service refuses (DomainError),
    tell them why and go on after the block, as contextlib.suppress would.
    The block ends with the way on (success message, redirect); the lines
    after it are the way back:

        with refusal_shown(request):
            services.rule_add(actor=request.user, ...)
            messages.success(request, _("The rule is in force."))
        return redirect("community-charter", slug=community.slug)

    With `form`, a field's message goes next to that field (the page shows
    the form again with what was typed) and any other refusal is a message.
    Other exceptions pass through."""
    attempt = Attempt()
    try:
        yield attempt
    except DomainError as error:
        attempt.error = error
        fields = error.extra.get("fields")
        if form is not None and fields:
            for field, field_messages in fields.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            show_refusal(request, error)
