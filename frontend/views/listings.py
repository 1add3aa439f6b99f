"""Pages for listings: detail with its calendar, create and edit with
photos, and my listings."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import ShareCompany
from accounts.selectors import designation_current
from bookings import pricing
from bookings.availability import unit_availability
from bookings.selectors import rating_summary
from community_rules import policy
from community_rules.models import Community
from community_rules.rule_types import describe
from community_rules.selectors import community_list
from frontend.forms import datetimes_from_form
from frontend.refusals import refusal_shown
from listings.models import MAX_SPAN, MAX_WON, Category, Listing
from listings.selectors import (
    Viewer,
    can_manage_listing,
    community_shown,
    listing_get,
    managed_q,
    with_company_designated,
)
from listings.services import listing as listing_services
from listings.services import photo as photo_services
from marketplace.errors import DomainError, Forbidden, ValidationFailed


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ListingForm(forms.Form):
    """Parses the form; the listing services decide what is allowed."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=140)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Listing.Kind.choices)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    condition = forms.ChoiceField(label=gettext_lazy("Condition"), required=False,
                                  choices=[("", "—"), *Listing.Condition.choices])
    pricing = forms.ChoiceField(label=gettext_lazy("Pricing"), choices=Listing.Pricing.choices)
    price = forms.IntegerField(label=gettext_lazy("Price (won)"), min_value=0,
                               max_value=MAX_WON, initial=0)
    deposit = forms.IntegerField(label=gettext_lazy("Deposit (won)"), min_value=0,
                                 max_value=MAX_WON, initial=0)
    replacement_value = forms.IntegerField(
        label=gettext_lazy("Replacement value (won)"), required=False, min_value=1,
        max_value=MAX_WON,
        help_text=gettext_lazy("What it would cost to buy new. Optional: the city's figures "
                               "count what borrowing it saved, and some communities ask a "
                               "deposit of a share of it."))
    units = forms.IntegerField(label=gettext_lazy("How many (identical units)"), min_value=1,
                               max_value=100, initial=1)
    visibility = forms.ChoiceField(label=gettext_lazy("Who sees it"),
                                   choices=Listing.Visibility.choices)
    communities = forms.MultipleChoiceField(label=gettext_lazy("Share in communities"),
                                            required=False,
                                            widget=forms.CheckboxSelectMultiple)
    district = forms.CharField(label=gettext_lazy("District"), required=False, max_length=60)
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False)
    lng = forms.FloatField(label=gettext_lazy("Longitude"), required=False)
    company = forms.ChoiceField(label=gettext_lazy("Lent by"), required=False)
    owner_community = forms.ChoiceField(
        label=gettext_lazy("Or lent by a community you moderate"), required=False,
        help_text=gettext_lazy("For a tool library's own inventory: its moderators manage it."))
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, initial=Listing.Status.ACTIVE,
        choices=[(s.value, s.label) for s in Listing.Status if s != Listing.Status.ARCHIVED],
        help_text=gettext_lazy("A draft or a paused listing is seen only by those who "
                               "manage it."))
    instant_booking = forms.BooleanField(label=gettext_lazy("Instant booking (no approval)"),
                                         required=False)
    cash_at_pickup = forms.BooleanField(
        label=gettext_lazy("Paid in cash at pickup"), required=False,
        help_text=gettext_lazy("The borrower pays you in person; you confirm it when you hand "
                               "the item over."))
    min_hours = forms.FloatField(label=gettext_lazy("Shortest booking (hours)"), min_value=0.25,
                                 max_value=MAX_SPAN / timedelta(hours=1), initial=1)
    max_hours = forms.FloatField(label=gettext_lazy("Longest booking (hours)"), required=False,
                                 min_value=0.25, max_value=MAX_SPAN / timedelta(hours=1))
    cancellation_policy = forms.ChoiceField(label=gettext_lazy("Cancellation policy"),
                                            choices=Listing.CancellationPolicy.choices)
    # Rendered here; the files are read from request.FILES and checked by
    # the photo service one by one.
    photos = forms.Field(label=gettext_lazy("Photos"), required=False,
                         widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args, user, listing: Listing | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        groups = []
        for top in Category.objects.filter(parent__isnull=True).prefetch_related("children"):
            groups.append((top.name, [(top.slug, top.name)] + [
                (child.slug, child.name) for child in top.children.all()]))
        self.fields["category"].choices = groups
        # The person's communities, and those a colleague already shared it in
        # (kept unless unticked); not private ones the person may not see,
        # which stay shared unnamed (listing services).
        shared = Q(memberships__user=user, memberships__status="active")
        if listing is not None:
            shared |= Q(pk__in=listing.communities.values("pk"))
        self.fields["communities"].choices = [
            (c.slug, c.name) for c in Community.objects.filter(shared).filter(
                pk__in=community_list(viewer=user).values("pk")).distinct()]
        self.fields["company"].choices = [("", gettext_lazy("Me"))] + [
            (c.slug, c.name) for c in ShareCompany.objects.filter(staff_links__user=user)]
        moderated = Community.objects.filter(pk__in=policy.moderated_community_ids(user))
        self.fields["owner_community"].choices = [("", "—")] + [
            (c.slug, c.name) for c in moderated]
        if not moderated:
            del self.fields["owner_community"]
        if listing is not None and listing.status == Listing.Status.ARCHIVED:
            # Saving an archived listing keeps it archived unless changed.
            self.fields["status"].choices = Listing.Status.choices

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("photos", None)
        data["min_duration"] = timedelta(hours=data.pop("min_hours"))
        max_hours = data.pop("max_hours")
        data["max_duration"] = timedelta(hours=max_hours) if max_hours else None
        data["company"] = data.get("company") or None
        data["owner_community"] = data.get("owner_community") or None
        if not data.get("status"):
            data.pop("status", None)  # new ones go up at once; edits keep theirs
        return data


def _initial(listing: Listing) -> dict:
    return {
        "title": listing.title, "description": listing.description, "kind": listing.kind,
        "category": listing.category.slug, "condition": listing.condition,
        "pricing": listing.pricing, "price": listing.price, "deposit": listing.deposit,
        "replacement_value": listing.replacement_value,
        "units": listing.units.filter(is_active=True).count(),
        "visibility": listing.visibility,
        "communities": list(listing.communities.values_list("slug", flat=True)),
        "district": listing.district, "lat": listing.lat, "lng": listing.lng,
        "company": listing.company.slug if listing.company else "",
        "instant_booking": listing.instant_booking,
        "cash_at_pickup": listing.cash_at_pickup,
        "min_hours": listing.min_duration / timedelta(hours=1),
        "max_hours": listing.max_duration / timedelta(hours=1) if listing.max_duration else None,
        "cancellation_policy": listing.cancellation_policy,
        "status": listing.status,
    }


def _save_photos(request, listing: Listing) -> None:
    for upload in request.FILES.getlist("photos"):
        try:
            photo_services.listing_photo_add(actor=request.user, listing=listing, image=upload)
        except DomainError as error:
            messages.error(request, f"{upload.name}: {error.message}")


def _calendar(listing: Listing, days: int = 14) -> list[dict]:
    """Each of the next days: free, partly free or taken, over all units."""
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    end = start + timedelta(days=days)
    units = unit_availability(listing, start, end)
    calendar = []
    for n in range(days):
        day_start, day_end = start + timedelta(days=n), start + timedelta(days=n + 1)
        free_hours = max(
            (sum(((min(e, day_end) - max(s, day_start)) / timedelta(hours=1)
                  for s, e in unit["free"] if s < day_end and e > day_start), 0.0)
             for unit in units), default=0.0)
        state = "free" if free_hours >= 23.9 else ("partly" if free_hours > 0 else "taken")
        calendar.append({"day": day_start, "state": state})
    return calendar


def listing_detail(request, pk: int):
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    manages = can_manage_listing(listing=listing, viewer=viewer)
    communities = [c for c in listing.communities.all()
                   if community_shown(community=c, viewer=viewer)]
    rules = [(community, describe(rule.type, rule.params))
             for community in communities for rule in community.rules.all()]
    hours = [{"day": WEEKDAYS[h.weekday], "opens": h.opens, "closes": h.closes}
             for h in listing.opening_hours.all()]
    return render(request, "listings/detail.html", {
        "listing": listing, "manages": manages, "communities": communities, "rules": rules,
        "lender_community": listing.owner_community if community_shown(
            community=listing.owner_community, viewer=viewer) else None,
        "opening_hours": hours, "units": sum(1 for u in listing.units.all() if u.is_active),
        "calendar": _calendar(listing),
        "policy": pricing.cancellation_terms(listing.cancellation_policy),
        "rating": rating_summary(listing=listing),
        "designation": designation_current(listing.company) if listing.company_id else None,
        "approximate": not manages,
        # Others see the stored approximate point, the one search measures from.
        "lat": listing.lat if manages else listing.approx_lat,
        "lng": listing.lng if manages else listing.approx_lng,
    })


@login_required
def listing_create(request):
    form = ListingForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        with refusal_shown(request, form=form):
            listing = listing_services.listing_create(actor=request.user,
                                                      **form.service_arguments())
            _save_photos(request, listing)
            messages.success(request, _("Your listing is up. Neighbours can find it now."))
            return redirect("listing-detail", pk=listing.pk)
    return render(request, "listings/form.html", {"form": form, "listing": None})


@login_required
def listing_edit(request, pk: int):
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    if not can_manage_listing(listing=listing, viewer=viewer):
        messages.error(request, _("Only the lender can change this listing."))
        return redirect("listing-detail", pk=pk)
    form = ListingForm(request.POST or None, request.FILES or None, user=request.user,
                       listing=listing, initial=_initial(listing))
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        arguments.pop("company", None)  # who lends it does not change
        arguments.pop("owner_community", None)
        with refusal_shown(request, form=form):
            listing_services.listing_update(actor=request.user, listing=listing, **arguments)
            _save_photos(request, listing)
            messages.success(request, _("Saved."))
            return redirect("listing-detail", pk=listing.pk)
    return render(request, "listings/form.html", {"form": form, "listing": listing})


@login_required
@require_POST
def listing_archive(request, pk: int):
    listing = listing_get(listing_id=pk, viewer=Viewer.of(request.user))
    with refusal_shown(request):
        listing_services.listing_archive(actor=request.user, listing=listing)
        messages.success(request, _("The listing is archived."))
        return redirect("my-listings")
    return redirect("listing-detail", pk=pk)


def _managed_listing(request, pk: int) -> Listing:
    viewer = Viewer.of(request.user)
    listing = listing_get(listing_id=pk, viewer=viewer)
    if not can_manage_listing(listing=listing, viewer=viewer):
        raise Forbidden(_("Only the lender can change this listing."))
    return listing


@login_required
def listing_hours(request, pk: int):
    """Weekly opening hours and blackout periods: when it can be had."""
    listing = _managed_listing(request, pk)
    typed = {}
    if request.method == "POST" and request.POST.get("form") == "blackout":
        with refusal_shown(request):
            period = datetimes_from_form(request.POST, {
                "starts_at": _("the start of the blackout"),
                "ends_at": _("the end of the blackout")}, required=True)
            listing_services.listing_blackout_add(actor=request.user, listing=listing,
                                                  starts_at=period["starts_at"],
                                                  ends_at=period["ends_at"],
                                                  reason=request.POST.get("reason", ""))
            messages.success(request, _("Saved."))
            return redirect("listing-hours", pk=pk)
        typed = request.POST  # refused: the form again, as typed, to correct
    elif request.method == "POST":
        with refusal_shown(request):
            _opening_hours_save(request, listing)
            messages.success(request, _("Saved."))
        return redirect("listing-hours", pk=pk)
    by_day = {h.weekday: h for h in listing.opening_hours.all()}
    days = [{"number": n, "name": WEEKDAYS[n], "hours": by_day.get(n)} for n in range(7)]
    blackouts = listing.blackouts.filter(ends_at__gte=timezone.now())
    return render(request, "listings/hours.html", {"listing": listing, "days": days,
                                                    "blackouts": blackouts, "typed": typed})


def _opening_hours_save(request, listing: Listing) -> None:
    try:
        hours = [{"weekday": day, "opens": request.POST[f"opens_{day}"],
                  "closes": request.POST[f"closes_{day}"]}
                 for day in range(7)
                 if request.POST.get(f"open_{day}") and request.POST.get(f"opens_{day}")]
        listing_services.listing_update(actor=request.user, listing=listing,
                                        opening_hours=hours)
    except (KeyError, ValueError):
        raise ValidationFailed(_("Give dates and times in full.")) from None


@login_required
@require_POST
def blackout_remove(request, pk: int, blackout_id: int):
    listing = _managed_listing(request, pk)
    blackout = get_object_or_404(listing.blackouts, pk=blackout_id)
    listing_services.listing_blackout_remove(actor=request.user, blackout=blackout)
    return redirect("listing-hours", pk=pk)


@login_required
@require_POST
def photo_remove(request, pk: int, photo_id: int):
    # The listing first, as the viewer may see it: a hidden listing's photo
    # is 404, not a refusal that says it exists.
    listing = _managed_listing(request, pk)
    photo = get_object_or_404(listing.photos.select_related("listing"), pk=photo_id)
    with refusal_shown(request):
        photo_services.listing_photo_remove(actor=request.user, photo=photo)
    return redirect("listing-edit", pk=pk)


@login_required
def my_listings(request):
    viewer = Viewer.of(request.user)
    listings = (with_company_designated(Listing.objects.filter(managed_q(viewer)))
                .filter(~Q(status=Listing.Status.ARCHIVED))
                .select_related("category", "company", "owner__profile")
                .prefetch_related("photos").order_by("-created_at"))
    return render(request, "listings/mine.html", {"listings": listings})


urlpatterns = [
    path("listings/new/", listing_create, name="listing-create"),
    path("listings/<int:pk>/", listing_detail, name="listing-detail"),
    path("listings/<int:pk>/edit/", listing_edit, name="listing-edit"),
    path("listings/<int:pk>/archive/", listing_archive, name="listing-archive"),
    path("listings/<int:pk>/photos/<int:photo_id>/remove/", photo_remove,
         name="listing-photo-remove"),
    path("listings/<int:pk>/hours/", listing_hours, name="listing-hours"),
    path("listings/<int:pk>/blackouts/<int:blackout_id>/remove/", blackout_remove,
         name="listing-blackout-remove"),
    path("my/listings/", my_listings, name="my-listings"),
]
