from django import forms

from accounts.models import Profile
from marketplace.dates import LOCAL, datetime_from_input
from marketplace.errors import ValidationFailed


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "bio", "district", "avatar"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


def datetimes_from_form(values, labels: dict, *, required: bool) -> dict:
    """The datetime-local fields `labels` names (field -> "the start"), read
    in Seoul time; None for one left empty unless `required`. One
    ValidationFailed names every field that is not a date and a time."""
    moments, refused = {}, {}
    for field, label in labels.items():
        try:
            moments[field] = datetime_from_input(values.get(field), field=field, label=label,
                                                 naive=LOCAL, required=required)
        except ValidationFailed as error:
            refused.update(error.extra["fields"])
    if refused:
        raise ValidationFailed(fields=refused)
    return moments
