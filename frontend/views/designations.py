"""The designation registry's pages: a company's staff see its requests and
designations and its admins apply; city staff decide in their queue. The
rules are accounts.designation_services'; who sees what, its selectors'."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import designation_services as services
from accounts import selectors
from accounts.models import DesignationApplication, DesignationField
from frontend.refusals import refusal_shown
from marketplace.errors import NotFound

DECIDED_SHOWN = 50


class ApplyForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Field"), choices=DesignationField.choices)
    message = forms.CharField(
        label=gettext_lazy("What the company shares, and with whom"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class DecisionForm(forms.Form):
    """Parsed here, judged by designation_decide: approving needs the
    authority, the number and the period; refusing, a note."""

    decision = forms.ChoiceField(choices=[("approve", gettext_lazy("Designate")),
                                          ("refuse", gettext_lazy("Refuse"))])
    authority = forms.CharField(label=gettext_lazy("Issuing authority"), required=False,
                                max_length=120, initial=gettext_lazy(
                                    "Seoul Metropolitan Government"))
    number = forms.CharField(label=gettext_lazy("Designation number"), required=False,
                             max_length=40)
    starts_on = forms.DateField(label=gettext_lazy("Valid from"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=gettext_lazy("Valid until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("Note for the company"), required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


@login_required
def company_designation(request, slug: str):
    company = selectors.company_get(slug=slug)
    # NotFound for anyone but the company's staff and the city's.
    applications = list(selectors.designation_applications(actor=request.user,
                                                           company=company))
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(request, form=form):
            services.designation_apply(actor=request.user, company=company,
                                       field=form.cleaned_data["field"],
                                       message=form.cleaned_data["message"])
            messages.success(request, _("Your request is with the city's staff. You will be "
                                        "told of their decision."))
            return redirect("company-designation", slug=company.slug)
    return render(request, "companies/designation.html", {
        "company": company, "form": form, "applications": applications,
        "designations": company.designations.all(),
        "current": selectors.designation_current(company),
        "is_admin": selectors.is_company_staff(company=company, user=request.user,
                                               admin=True),
        "waiting": any(a.status == DesignationApplication.Status.PENDING
                       for a in applications),
    })


def _city_staff_only(user) -> None:
    if not user.is_staff:
        raise NotFound()  # the queue does not exist for anyone else


def _queue(request, *, refused: tuple[int, DecisionForm] | None = None):
    """The queue: waiting requests, each with its own form (the refused
    one as it was typed, its errors beside its fields), then the latest
    decisions."""
    waiting = selectors.designation_applications(
        actor=request.user, status=DesignationApplication.Status.PENDING)
    decided = (selectors.designation_applications(actor=request.user)
               .exclude(status=DesignationApplication.Status.PENDING)
               .order_by("-decided_at", "-pk")[:DECIDED_SHOWN])
    return render(request, "companies/designation_queue.html", {
        "pending": [(a, refused[1] if refused and refused[0] == a.pk
                     else DecisionForm(auto_id=f"id_%s_{a.pk}")) for a in waiting],
        "decided": decided,
    })


@login_required
def designation_queue(request):
    _city_staff_only(request.user)
    return _queue(request)


@login_required
@require_POST
def designation_decide(request, application_id: int):
    _city_staff_only(request.user)
    application = selectors.designation_application_get(actor=request.user,
                                                        application_id=application_id)
    form = DecisionForm(request.POST, auto_id=f"id_%s_{application.pk}")
    if form.is_valid():
        data = form.cleaned_data
        with refusal_shown(request, form=form):
            services.designation_decide(
                actor=request.user, application=application,
                approve=data["decision"] == "approve", note=data["note"],
                authority=data["authority"], number=data["number"],
                starts_on=data["starts_on"], expires_on=data["expires_on"])
            messages.success(request, (_("%(name)s is designated.")
                                       if data["decision"] == "approve"
                                       else _("The request of %(name)s is refused."))
                             % {"name": application.company.name})
            return redirect("designation-queue")
    if form.errors:
        messages.error(request, _("The request of %(name)s is not decided: see below.")
                       % {"name": application.company.name})
        for error in form.errors.get("decision", []):  # the buttons have no place for it
            messages.error(request, error)
    return _queue(request, refused=(application.pk, form))


urlpatterns = [
    path("companies/<slug:slug>/designation/", company_designation,
         name="company-designation"),
    path("staff/designations/", designation_queue, name="designation-queue"),
    path("staff/designations/<int:application_id>/decide/", designation_decide,
         name="designation-decide"),
]
