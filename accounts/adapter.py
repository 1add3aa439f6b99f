from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from accounts.services import language_remember, profile_ensure
from marketplace.clients import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        # Behind NANUM_TRUSTED_PROXIES proxies, the client's own address:
        # login and sign-up limits count each person, not the proxy.
        return client_ip(request) or super().get_client_ip(request)

    def login(self, request, user):
        super().login(request, user)
        language_remember(user=user, language=getattr(request, "LANGUAGE_CODE", ""))

    def save_user(self, request, user, form, commit=True):
        # A sign-up through any allauth path (pages, headless API, social)
        # makes the profile in the same transaction as the user.
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                # The name chosen at sign-up, else the neutral "Neighbour 1234";
                # never the e-mail's local part.
                cleaned = getattr(form, "cleaned_data", None) or {}
                profile_ensure(user=user, display_name=cleaned.get("display_name", ""))
        return user
