"""Pages for communities: the list, a new one, its page (about, join or
leave, its listings), members (with requests and controls for moderators),
and invite links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community_rules import selectors, services
from community_rules.models import Community, Membership
from frontend.refusals import show_refusal
from listings.selectors import Viewer, visible_listings
from marketplace.errors import DomainError


def community_list(request):
    communities = (selectors.community_list(viewer=request.user)
                   .annotate(active_members=Count("memberships",
                                                  filter=Q(memberships__status="active")))
                   .order_by("name"))
    mine = set()
    if request.user.is_authenticated:
        mine = set(Membership.objects.filter(user=request.user, status="active")
                   .values_list("community_id", flat=True))
    return render(request, "communities/list.html", {"communities": communities, "mine": mine})


@login_required
def community_create(request):
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            community = services.community_create(
                actor=request.user, name=values.get("name", ""),
                description=values.get("description", ""),
                district=values.get("district", ""),
                join_policy=values.get("join_policy", "open"),
                visibility=values.get("visibility", "public"),
                governance=values.get("governance", "moderated"))
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Your community is ready. You are its owner."))
            return redirect("community-detail", slug=community.slug)
    return render(request, "communities/new.html", {
        "values": values, "policies": Community.JoinPolicy.choices,
        "visibilities": Community.Visibility.choices,
        "governances": Community.Governance.choices})


def community_detail(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    membership = selectors.membership_get(community=community, user=request.user)
    viewer = Viewer.of(request.user)
    listings = (visible_listings(viewer).filter(status="active")
                .filter(Q(communities=community) | Q(owner_community=community))
                .select_related("category", "company", "owner__profile")
                .prefetch_related("photos").order_by("-created_at")[:24])
    return render(request, "communities/detail.html", {
        "community": community, "membership": membership, "listings": listings,
        "member_count": community.memberships.filter(status="active").count(),
        "is_moderator": membership is not None and membership.is_moderator,
        "rules": community.rules.all(),
    })


@login_required
@require_POST
def community_join(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    try:
        membership = services.community_join(actor=request.user, community=community)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Welcome! You are a member now.")
                         if membership.status == "active"
                         else _("Your request is sent to the moderators."))
    return redirect("community-detail", slug=community.slug)


@login_required
@require_POST
def community_leave(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    try:
        services.community_leave(actor=request.user, community=community)
    except DomainError as error:
        show_refusal(request, error)
        return redirect("community-detail", slug=community.slug)
    messages.success(request, _("You left %(name)s.") % {"name": community.name})
    return redirect("community-list")


def community_members(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    membership = selectors.membership_get(community=community, user=request.user)
    members = selectors.member_list(community=community, viewer=request.user)
    return render(request, "communities/members.html", {
        "community": community, "membership": membership,
        "is_moderator": membership is not None and membership.is_moderator,
        "is_owner": membership is not None and membership.role == "owner"
        and membership.is_active,
        "pending": [m for m in members if m.status == "pending"],
        "members": [m for m in members if m.status != "pending"],
        "roles": Membership.Role.choices,
    })


@login_required
@require_POST
def member_action(request, slug: str, user_id: int, action: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    membership = get_object_or_404(Membership.objects.select_related("community", "user"),
                                   community=community, user_id=user_id)
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            services.membership_approve(actor=request.user, membership=membership,
                                        reason=reason)
        elif action == "refuse":
            services.membership_refuse(actor=request.user, membership=membership,
                                       reason=reason)
        elif action == "remove":
            services.member_remove(actor=request.user, membership=membership, reason=reason)
        elif action == "role":
            services.membership_change(actor=request.user, membership=membership,
                                       role=request.POST.get("role"), reason=reason)
        elif action in ("suspend", "ban", "reinstate"):
            status = {"suspend": "suspended", "ban": "banned", "reinstate": "active"}[action]
            services.membership_change(actor=request.user, membership=membership,
                                       status=status, reason=reason)
        else:
            raise DomainError(_("Unknown action."))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("community-members", slug=community.slug)


@login_required
def community_invite(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    link = None
    if request.method == "POST":
        try:
            token = services.invite_create(actor=request.user, community=community)
        except DomainError as error:
            show_refusal(request, error)
        else:
            link = request.build_absolute_uri(reverse("community-invite-accept",
                                                      args=[token]))
    return render(request, "communities/invite.html", {"community": community, "link": link})


@login_required
def invite_accept(request, token: str):
    try:
        community_id, expires = services.invite_check(token)
    except DomainError as error:
        return render(request, "refused.html", {"error": error}, status=error.status)
    community = get_object_or_404(Community, pk=community_id)
    if request.method == "POST":
        try:
            services.community_join(actor=request.user, community=community,
                                    invite_token=token)
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        return redirect("community-detail", slug=community.slug)
    return render(request, "communities/accept.html", {"community": community,
                                                       "expires": expires})


urlpatterns = [
    path("communities/", community_list, name="community-list"),
    path("communities/new/", community_create, name="community-create"),
    path("communities/join/<str:token>/", invite_accept, name="community-invite-accept"),
    path("communities/<slug:slug>/", community_detail, name="community-detail"),
    path("communities/<slug:slug>/join/", community_join, name="community-join"),
    path("communities/<slug:slug>/leave/", community_leave, name="community-leave"),
    path("communities/<slug:slug>/members/", community_members, name="community-members"),
    path("communities/<slug:slug>/members/<int:user_id>/<str:action>/", member_action,
         name="community-member-action"),
    path("communities/<slug:slug>/invite/", community_invite, name="community-invite"),
]
