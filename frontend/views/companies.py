"""Pages for share companies: the public directory, registration, a
company's page with its listings, editing and staff for its admins, and
verification by the city's staff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.models import CompanyStaff, User
from bookings.selectors import rating_summary
from frontend.refusals import refusal_shown
from listings.selectors import Viewer, visible_listings, with_company_designated
from marketplace.errors import Forbidden

DIRECTORY_PAGE = 24
LISTINGS_SHOWN = 24


def company_list(request):
    verified_only = request.GET.get("verified") == "1"
    companies = selectors.company_list(verified=True if verified_only else None)
    page = Paginator(companies, DIRECTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "companies/list.html", {
        "page": page, "verified_only": verified_only,
        "kept": "verified=1" if verified_only else ""})


@login_required
def company_create(request):
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        with refusal_shown(request):
            company = services.company_create(
                actor=request.user, name=values.get("name", ""),
                registration_number=values.get("registration_number", ""),
                description=values.get("description", ""), website=values.get("website", ""),
                logo=request.FILES.get("logo"))
            messages.success(request, _("Your company is registered, and you are its admin. "
                                        "The city's staff will verify it."))
            return redirect("company-detail", slug=company.slug)
    return render(request, "companies/new.html", {"values": values})


def company_detail(request, slug: str):
    company = selectors.company_get(slug=slug)
    role = selectors.company_role(company=company, user=request.user)
    listings = (with_company_designated(visible_listings(Viewer.of(request.user)))
                .filter(company=company, status="active")
                .select_related("category", "company")
                .prefetch_related("photos")
                .order_by("-created_at", "-id")[:LISTINGS_SHOWN])
    return render(request, "companies/detail.html", {
        "company": company, "listings": listings, "rating": rating_summary(company=company),
        "designation": selectors.designation_current(company),
        "is_admin": role == CompanyStaff.Role.ADMIN,
        "on_staff": role is not None,
    })


@login_required
def company_edit(request, slug: str):
    """The admins' page: the company's details, and its staff."""
    company = selectors.company_get(slug=slug)
    if not selectors.is_company_staff(company=company, user=request.user, admin=True):
        raise Forbidden(_("Only the company's admins can do that."))
    if request.method == "POST":
        with refusal_shown(request):
            if request.POST.get("form") == "staff":
                email = request.POST.get("email", "").strip()
                services.company_staff_invite(
                    actor=request.user, company=company, email=email,
                    role=request.POST.get("role", CompanyStaff.Role.STAFF),
                    site_url=request.build_absolute_uri("/"))
                messages.success(request, services.invitation_sent_message(email))
            elif request.POST.get("form") == "role":
                link = services.company_staff_role_set(
                    actor=request.user, company=company,
                    user=get_object_or_404(User, pk=request.POST.get("user") or 0),
                    role=request.POST.get("role", ""))
                messages.success(request, _("%(name)s is on the staff as %(role)s.") % {
                    "name": link.user.display_name, "role": link.get_role_display()})
            else:
                changes = {field: request.POST.get(field, "")
                           for field in ("name", "description", "website")}
                if request.FILES.get("logo"):
                    changes["logo"] = request.FILES["logo"]
                elif request.POST.get("remove_logo"):
                    changes["logo"] = None
                services.company_update(actor=request.user, company=company, **changes)
                messages.success(request, _("Saved."))
        return redirect("company-edit", slug=company.slug)
    return render(request, "companies/edit.html", {
        "company": company, "staff": selectors.company_staff_list(company),
        "invitations": selectors.company_invitations_pending(company),
        "roles": CompanyStaff.Role.choices})


@login_required
def company_invitation(request, token: str):
    """Where an invited person lands from the e-mail: which company and role,
    and buttons to accept or decline (signed in with the invited address)."""
    if request.method == "POST":
        answer = request.POST.get("answer")
        with refusal_shown(request):
            if answer == "accept":
                link = services.company_invitation_accept(actor=request.user, token=token)
                messages.success(request, _("You are on the staff of %(company)s.") % {
                    "company": link.company.name})
                return redirect("company-detail", slug=link.company.slug)
            services.company_invitation_decline(actor=request.user, token=token)
            messages.success(request, _("You declined the invitation."))
            return redirect("home")
        return redirect("company-invitation", token=token)
    invitation = services.company_invitation_get(actor=request.user, token=token)
    return render(request, "companies/invitation.html", {"invitation": invitation})


@login_required
@require_POST
def company_staff_remove(request, slug: str, user_id: int):
    company = selectors.company_get(slug=slug)
    person = get_object_or_404(User, pk=user_id)
    with refusal_shown(request):
        services.company_staff_remove(actor=request.user, company=company, user=person)
        messages.success(request, _("%(name)s is no longer on the staff.") % {
            "name": person.display_name})
    if selectors.is_company_staff(company=company, user=request.user, admin=True):
        return redirect("company-edit", slug=company.slug)
    return redirect("company-detail", slug=company.slug)


@login_required
@require_POST
def company_verify(request, slug: str):
    company = selectors.company_get(slug=slug)
    with refusal_shown(request):
        services.company_verify(actor=request.user, company=company)
        messages.success(request, _("%(name)s is a verified share company.") % {
            "name": company.name})
    return redirect("company-detail", slug=company.slug)


@login_required
@require_POST
def company_unverify(request, slug: str):
    company = selectors.company_get(slug=slug)
    with refusal_shown(request):
        services.company_unverify(actor=request.user, company=company)
        messages.success(request, _("The verification of %(name)s is withdrawn.") % {
            "name": company.name})
    return redirect("company-detail", slug=company.slug)


urlpatterns = [
    path("companies/", company_list, name="company-list"),
    path("companies/new/", company_create, name="company-create"),
    path("companies/invitations/<str:token>/", company_invitation, name="company-invitation"),
    path("companies/<slug:slug>/", company_detail, name="company-detail"),
    path("companies/<slug:slug>/edit/", company_edit, name="company-edit"),
    path("companies/<slug:slug>/staff/<int:user_id>/remove/", company_staff_remove,
         name="company-staff-remove"),
    path("companies/<slug:slug>/verify/", company_verify, name="company-verify"),
    path("companies/<slug:slug>/unverify/", company_unverify, name="company-unverify"),
]
