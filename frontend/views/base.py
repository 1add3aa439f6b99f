"""HTML pages. Each view reads through selectors and writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services as account_services
from frontend.forms import ProfileForm
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


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return not_found_json(request)
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return server_error_json(request)
    return render(request, "500.html", status=500)
