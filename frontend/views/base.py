"""HTML pages. Each view reads through selectors and writes through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from bookings.selectors import rating_summary
from frontend.forms import ProfileForm
from listings.selectors import Viewer, visible_listings
from marketplace.api import not_found_json, server_error_json


def home(request):
    return render(request, "frontend/home.html")


@login_required
def profile(request):
    profile = account_services.profile_ensure(user=request.user)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            account_services.profile_update(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    else:
        form = ProfileForm(instance=profile)
    return render(request, "frontend/profile.html", {"form": form, "profile": profile})


def person(request, user_id: int):
    """A person's public page: name, district, about, rating, what they lend."""
    person = get_object_or_404(User.objects.select_related("profile"), pk=user_id,
                               is_active=True)
    viewer = Viewer.of(request.user)
    listings = (visible_listings(viewer)
                .filter(owner=person, company__isnull=True, owner_community__isnull=True,
                        status="active")
                .select_related("category")[:24])
    return render(request, "frontend/person.html", {
        "person": person, "rating": rating_summary(subject=person), "listings": listings})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return not_found_json(request)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return server_error_json(request)
    return render(request, "500.html", status=500)


def language_set(request):
    """The language switch. For someone not signed in the header's is a
    GET form, so that the pages anyone gets carry no CSRF token and can be
    kept (marketplace/page_cache.py); a POST, as Django's own switch takes
    it, works the same. The choice is a cookie; a signed-in person's header
    posts it, and only then is their language remembered (what they are
    told in while away): a link elsewhere cannot change it. Back to `next`
    when it is on this site."""
    chosen = request.POST if request.method == "POST" else request.GET
    language = chosen.get("language", "")
    back = chosen.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = "/"
    response = redirect(back)
    if check_for_language(language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE)
        if request.method == "POST" and request.user.is_authenticated:
            account_services.language_remember(user=request.user, language=language)
    return response
