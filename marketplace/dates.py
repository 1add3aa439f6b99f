"""Dates and times people type, read one way on every page and in the API.

Where a value without an offset ("naive") is read:

- Pages. An HTML `<input type="datetime-local">` sends "2026-05-01T10:00" and
  `<input type="date">` sends "2026-05-01": wall-clock values with no offset,
  which the person means in Seoul time. They are read in settings.TIME_ZONE
  (Asia/Seoul); a date alone is midnight that day.
- The API. A naive datetime is refused with 400 `validation_failed`, the
  field named in `fields`. A program must say which instant it means
  ("2026-05-01T10:00+09:00", "2026-05-01T01:00Z"): guessing a zone for it
  would quietly store another instant than the one a client elsewhere meant.
  An aware value is kept as the same instant (and given back in Seoul time).

Everywhere, a year before 1900 or after 9998 is refused rather than
stored: the year 9999 too, so that a day or a year added to any moment
accepted (a default end, a reminder, a feed's window) never overflows.
Nothing here replaces what a person typed with something else.
"""

from datetime import date, datetime, time
from typing import NoReturn

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from marketplace.errors import ValidationFailed

EARLIEST_YEAR = 1900
LATEST_YEAR = 9998

LOCAL = "local"    # pages: a naive value is Seoul time
REFUSE = "refuse"  # the API: a naive value is refused


def datetime_from_input(value, *, field: str, naive: str, label: str | None = None,
                        date_only: bool = False, required: bool = False) -> datetime | None:
    """What a person typed in `field`, as an aware datetime; None when left
    empty and not `required`.

    Reads HTML datetime-local ("2026-05-01T10:00"), HTML date ("2026-05-01")
    and ISO 8601 with an offset ("2026-05-01T10:00+09:00", "...Z").
    `naive=LOCAL` reads a value without an offset in Seoul time (page
    forms); `naive=REFUSE` refuses it (the API). Anything unreadable or a
    year outside 1900-9998 raises ValidationFailed(fields={field: [sentence]});
    the sentence names the field by `label` (a translated phrase such as
    "the start"; by default the field's name in quotes). A `date_only`
    field (HTML date) is asked for as a date.
    """
    name = label or f"“{field}”"
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            _refuse(field, _("Give %(field)s as a date.") if date_only
                    else _("Give %(field)s as a date and a time."), name)
        return None
    moment = _read(value)
    if moment is None:
        _refuse(field, _("Give %(field)s as a date.") if date_only
                else _("Give %(field)s as a date and a time."), name)
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        _refuse(field, _("Give %(field)s with a year from 1900 to 9998."), name)
    if timezone.is_naive(moment):
        if naive != LOCAL:
            _refuse(field, _("Give %(field)s with its offset from UTC, like "
                             "2026-05-01T10:00+09:00."), name)
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    moment = moment.astimezone(timezone.get_default_timezone())
    # "9998-12-31T23:00-12:00" is already 9999 in Seoul, where it is kept.
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        _refuse(field, _("Give %(field)s with a year from 1900 to 9998."), name)
    return moment


def _read(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time.min)
    # fromisoformat stops at a NUL ("10:00\x00..." reads as 10:00): only
    # printable text is read.
    if not isinstance(value, str) or len(value) > 64 or not value.strip().isprintable():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _refuse(field: str, sentence: str, name: str) -> NoReturn:
    message = sentence % {"field": name}
    raise ValidationFailed(message, fields={field: [message]})


class AwareDateTimeField(serializers.DateTimeField):
    """The API's datetime input: with an offset, a year from 1900 to 9998,
    kept as the same instant; a naive value is refused (see the module's
    docstring). Written out as DRF writes any datetime."""

    def to_internal_value(self, value):
        field = self.field_name or "value"
        try:
            return datetime_from_input(value, field=field, naive=REFUSE, required=True)
        except ValidationFailed as error:
            raise serializers.ValidationError(error.extra["fields"][field]) from None
