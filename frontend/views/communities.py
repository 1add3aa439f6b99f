"""Pages for communities: the list, a new one, its page (about, join or
leave, its listings), members (with requests and controls for moderators),
and invite links. Reads through community_rules.selectors, writes through
community_rules.services; a refusal is shown with the service's sentence."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community_rules import policy, selectors, services
from community_rules.invites import MAX_DAYS, MIN_DAYS
from community_rules.models import Community, Membership
from frontend.refusals import refusal_shown
from listings.models import Listing
from listings.selectors import Viewer, visible_listings, with_company_designated
from marketplace.dates import LOCAL, datetime_from_input
from marketplace.errors import Forbidden, ValidationFailed

LIST_PAGE = 24
MEMBERS_PAGE = 50
LISTINGS_SHOWN = 24
INVITE_DAYS = (1, 3, 7, 14, 30)


def community_list(request):
    page = Paginator(selectors.community_list_with_counts(viewer=request.user),
                     LIST_PAGE).get_page(request.GET.get("page"))
    mine = selectors.memberships_by_community(user=request.user, communities=page)
    for community in page:
        community.my_membership = mine.get(community.pk)
    return render(request, "communities/list.html", {"page": page})


@login_required
def community_create(request):
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        with refusal_shown(request):
            community = services.community_create(
                actor=request.user, name=values.get("name", ""),
                description=values.get("description", ""),
                district=values.get("district", ""),
                join_policy=values.get("join_policy", Community.JoinPolicy.OPEN),
                visibility=values.get("visibility", Community.Visibility.PUBLIC),
                governance=values.get("governance", Community.Governance.MODERATED))
            messages.success(request, _("Your community is ready. You are its owner."))
            return redirect("community-detail", slug=community.slug)
    return render(request, "communities/new.html", {
        "values": values, "policies": Community.JoinPolicy.choices,
        "visibilities": Community.Visibility.choices,
        "governances": Community.Governance.choices})


def community_detail(request, slug: str):
    community = selectors.community_get_with_counts(slug=slug, viewer=request.user)
    membership = selectors.membership_get(community=community, user=request.user)
    shared_here = Listing.communities.through.objects.filter(community=community)
    listings = (with_company_designated(visible_listings(Viewer.of(request.user)))
                .filter(Q(pk__in=shared_here.values("listing_id"))
                        | Q(owner_community=community))
                .filter(status=Listing.Status.ACTIVE)
                .select_related("category", "company")
                .order_by("-created_at", "-id")[:LISTINGS_SHOWN])
    return render(request, "communities/detail.html", {
        "community": community, "membership": membership, "listings": listings,
        "member_count": selectors.member_count(community=community),
        "is_moderator": policy.is_moderator(user=request.user, community=community),
        "suspension_over": membership is not None and services.suspension_over(membership),
        "rules": community.rules.all(),
    })


@login_required
@require_POST
def community_join(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    with refusal_shown(request):
        membership = services.community_join(actor=request.user, community=community)
        if membership.status == Membership.Status.SUSPENDED:
            messages.warning(request, _("You are a member again, but the suspension you "
                                        "were given here is still in force."))
        else:
            messages.success(request, _("Welcome! You are a member now.")
                             if membership.status == Membership.Status.ACTIVE
                             else _("Your request is sent to the moderators."))
    return redirect("community-detail", slug=community.slug)


@login_required
@require_POST
def community_leave(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    membership = selectors.membership_get(community=community, user=request.user)
    with refusal_shown(request):
        services.community_leave(actor=request.user, community=community)
        if membership is not None and membership.status == Membership.Status.PENDING:
            messages.success(request, _("Your request to join is withdrawn."))
            return redirect("community-detail", slug=community.slug)
        messages.success(request, _("You left %(name)s.") % {"name": community.name})
        return redirect("community-list")
    return redirect("community-detail", slug=community.slug)


def community_members(request, slug: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    mine = selectors.membership_get(community=community, user=request.user)
    is_moderator = mine is not None and mine.is_moderator
    is_owner = is_moderator and mine.role == Membership.Role.OWNER
    members = selectors.member_list(community=community, viewer=request.user).exclude(
        status=Membership.Status.PENDING)
    page = Paginator(members, MEMBERS_PAGE).get_page(request.GET.get("page"))
    for member in page:
        # The controls the services would accept (community_rules.policy):
        # owners manage everyone but owners (and themselves); moderators
        # manage plain members.
        member.manageable = is_moderator and policy.may_act_on(actor=mine, target=member)
    return render(request, "communities/members.html", {
        "community": community, "membership": mine, "page": page,
        "is_moderator": is_moderator, "is_owner": is_owner,
        "pending": (selectors.pending_requests(community=community, viewer=request.user)
                    if is_moderator else []),
        "roles": Membership.Role.choices,
        "statuses": [(s.value, s.label) for s in services.SETTABLE_STATUSES],
    })


def _suspension_end(value: str) -> datetime | None:
    """The end of a suspension from a datetime-local field, in Seoul time."""
    return datetime_from_input(value, field="suspended_until",
                               label=_("the end of the suspension"), naive=LOCAL)


# The plain buttons of the members page, as a status each.
STATUS_BUTTONS = {"suspend": Membership.Status.SUSPENDED, "ban": Membership.Status.BANNED,
                  "reinstate": Membership.Status.ACTIVE}


@login_required
@require_POST
def member_action(request, slug: str, user_id: int, action: str):
    community = selectors.community_get(slug=slug, viewer=request.user)
    reason = request.POST.get("reason", "")
    with refusal_shown(request):
        membership = selectors.member_get(community=community, user_id=user_id)
        name = membership.user.display_name
        if action == "approve":
            services.membership_approve(actor=request.user, membership=membership,
                                        reason=reason)
            done = _("%(name)s is a member now.")
        elif action == "refuse":
            services.membership_refuse(actor=request.user, membership=membership,
                                       reason=reason)
            done = _("%(name)s's request is refused.")
        elif action == "remove":
            services.member_remove(actor=request.user, membership=membership, reason=reason)
            done = _("%(name)s is no longer in the community.")
        elif action == "role":
            changed = services.membership_change(
                actor=request.user, membership=membership,
                role=request.POST.get("role") or None, reason=reason)
            done = (_("%(name)s's role is changed.") if changed.role != membership.role
                    else _("Nothing changed."))
        elif action in ("status", *STATUS_BUTTONS):
            status = STATUS_BUTTONS.get(action) or request.POST.get("status") or None
            changed = services.membership_change(
                actor=request.user, membership=membership, status=status, reason=reason,
                suspended_until=_suspension_end(request.POST.get("suspended_until", ""))
                if status == Membership.Status.SUSPENDED else None)
            done = (_("%(name)s's status is changed.")
                    if (changed.status, changed.suspended_until)
                    != (membership.status, membership.suspended_until)
                    else _("Nothing changed."))
        else:
            raise ValidationFailed(_("That is not something this page can do."))
        messages.success(request, done % {"name": name})
    return redirect("community-members", slug=community.slug)


@login_required
def community_invite(request, slug: str):
    """Moderators make an invite link here."""
    community = selectors.community_get(slug=slug, viewer=request.user)
    if not policy.is_moderator(user=request.user, community=community):
        raise Forbidden(_("Only the community's moderators can make invite links."))
    link = invite = None
    if request.method == "POST":
        try:
            days = int(request.POST.get("days", 7))
        except ValueError:
            days = 0
        with refusal_shown(request):
            token = services.invite_create(actor=request.user, community=community, days=days)
            invite = services.invite_check(token=token, community=community)
            link = request.build_absolute_uri(reverse("community-invite-accept",
                                                      args=[token]))
    return render(request, "communities/invite.html", {
        "community": community, "link": link, "invite": invite,
        "day_choices": [d for d in INVITE_DAYS if MIN_DAYS <= d <= MAX_DAYS]})


@login_required
@require_POST
def community_invites_revoke(request, slug: str):
    """Moderators revoke every invite link made so far."""
    community = selectors.community_get(slug=slug, viewer=request.user)
    with refusal_shown(request):
        services.invites_revoke(actor=request.user, community=community)
        messages.success(request, _("Every invite link made so far is revoked: no one can "
                                    "join with them any more."))
    return redirect("community-members", slug=community.slug)


@login_required
def invite_accept(request, token: str):
    """Where an invited person lands: what the community is, and a button to
    join. A broken or expired link is refused with its reason."""
    community, _invite = selectors.community_get_by_invite(invite_token=token)
    invite = services.invite_check(token=token, community=community)
    if request.method == "POST":
        with refusal_shown(request):
            services.community_join(actor=request.user, community=community,
                                    invite_token=token)
            messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
            return redirect("community-detail", slug=community.slug)
        return redirect("community-invite-accept", token=token)
    return render(request, "communities/accept.html", {
        "community": community, "invite": invite,
        "membership": selectors.membership_get(community=community, user=request.user)})


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
    path("communities/<slug:slug>/invites/revoke/", community_invites_revoke,
         name="community-invites-revoke"),
]
