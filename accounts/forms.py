"""The extra field of allauth's sign-up form (pages and headless API alike):
ACCOUNT_SIGNUP_FORM_CLASS points here. The profile itself is made by the
adapter (accounts/adapter.py), in the sign-up's transaction."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SignupExtra(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"), max_length=60, required=False,
        help_text=_("How other people see you. Leave it empty to be shown as "
                    "“Neighbour” and a number until you choose one."))

    def signup(self, request, user):
        """allauth calls this after save_user; nothing is left to do."""
