"""Pages of a community's self-government: its charter, proposals with a
live tally, the rule history and the moderators' dashboard."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community_rules import governance, moderation
from community_rules.models import (
    Complaint,
    Membership,
    MembershipEvent,
    ModerationLog,
    Proposal,
    Report,
    Sanction,
)
from community_rules.rule_types import REGISTRY, describe
from community_rules.selectors import community_get, membership_get
from frontend.refusals import show_refusal
from marketplace.errors import DomainError, Forbidden

# The rule types a proposal form offers, with the params each needs.
RULE_FORM_FIELDS = {
    "max_loan_duration": ["days"],
    "max_active_bookings_per_member": ["count"],
    "fair_use": ["days_per_30", "min_gap_hours"],
    "min_membership_age_days": ["days"],
    "members_only": [],
    "requires_approval": [],
    "deposit_required": ["minimum"],
    "price_cap": ["per_day"],
    "pickup_hours": ["from", "to"],
    "max_listings_per_member": ["count"],
    "late_return": ["strike", "fee_per_day"],
    "strikes_before_suspension": ["strikes", "days"],
    "blocked_when_overdue": [],
}


def _params_from(post, rule_type: str) -> dict:
    params = {}
    for name in RULE_FORM_FIELDS.get(rule_type, []):
        raw = post.get(f"param_{name}", "").strip()
        if raw == "":
            continue
        if name in ("from", "to"):
            params[name] = raw
        elif name == "strike":
            params[name] = raw in ("on", "true", "1")
        else:
            try:
                params[name] = int(raw)
            except ValueError:
                params[name] = raw  # the rule's own check explains the mistake
    return params


def charter(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    membership = membership_get(community=community, user=request.user)
    rules = [(rule, describe(rule.type, rule.params)) for rule in community.rules.all()]
    open_proposals = community.proposals.filter(status=Proposal.Status.OPEN)
    return render(request, "governance/charter.html", {
        "community": community, "membership": membership, "rules": rules,
        "open_proposals": open_proposals, "rule_types": RULE_FORM_FIELDS,
        "is_moderator": membership is not None and membership.is_moderator,
        "is_member": membership is not None and membership.is_active,
    })


@login_required
@require_POST
def rule_new(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    rule_type = request.POST.get("type", "")
    try:
        governance.rule_add(actor=request.user, community=community, type=rule_type,
                            params=_params_from(request.POST, rule_type))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The rule is in force."))
    return redirect("community-charter", slug=community.slug)


@login_required
@require_POST
def rule_delete(request, slug: str, rule_id: int):
    community = community_get(slug=slug, viewer=request.user)
    rule = get_object_or_404(community.rules, pk=rule_id)
    try:
        governance.rule_remove(actor=request.user, rule=rule)
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The rule is removed."))
    return redirect("community-charter", slug=community.slug)


@login_required
def proposal_new(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    if request.method == "POST":
        action = request.POST.get("action", "add")
        rule_type = request.POST.get("type", "")
        closes_at = None
        if request.POST.get("closes_at"):
            try:
                closes_at = timezone.make_aware(
                    datetime.strptime(request.POST["closes_at"], "%Y-%m-%dT%H:%M"))
            except ValueError:
                closes_at = None
        try:
            proposal = governance.proposal_create(
                actor=request.user, community=community, action=action, rule_type=rule_type,
                params=_params_from(request.POST, rule_type),
                rule_id=int(request.POST["rule_id"]) if request.POST.get("rule_id") else None,
                closes_at=closes_at, reason=request.POST.get("reason", ""))
        except DomainError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Your proposal is open for votes."))
            return redirect("proposal-detail", proposal_id=proposal.pk)
    return render(request, "governance/proposal_new.html", {
        "community": community, "rule_types": RULE_FORM_FIELDS,
        "rules": [(rule, describe(rule.type, rule.params)) for rule in community.rules.all()],
    })


def _proposal_context(request, proposal: Proposal) -> dict:
    membership = membership_get(community=proposal.community, user=request.user)
    my_vote = (proposal.votes.filter(voter=request.user).values_list("choice", flat=True)
               .first() if request.user.is_authenticated else None)
    tally = (governance.proposal_tally(proposal) if proposal.status == Proposal.Status.OPEN
             else proposal.tally)
    return {
        "proposal": proposal, "tally": tally, "my_vote": my_vote,
        "can_vote": (membership is not None and membership.is_active
                     and proposal.status == Proposal.Status.OPEN
                     and timezone.now() < proposal.closes_at),
        "rule_text": (describe(proposal.rule_type, proposal.params)
                      if proposal.rule_type in REGISTRY else ""),
    }


def _proposal_for(request, proposal_id: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("community", "proposer"),
                                 pk=proposal_id)
    community_get(slug=proposal.community.slug, viewer=request.user)  # private: 404
    return proposal


def proposal_detail(request, proposal_id: int):
    proposal = _proposal_for(request, proposal_id)
    return render(request, "governance/proposal.html", _proposal_context(request, proposal))


def proposal_tally(request, proposal_id: int):
    """The live tally fragment the proposal page polls."""
    proposal = _proposal_for(request, proposal_id)
    return render(request, "governance/_tally.html", _proposal_context(request, proposal))


@login_required
@require_POST
def proposal_vote(request, proposal_id: int):
    proposal = _proposal_for(request, proposal_id)
    try:
        governance.vote_cast(actor=request.user, proposal=proposal,
                             choice=request.POST.get("choice", ""))
    except DomainError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Your vote is counted. You can change it until the vote "
                                    "closes."))
    return redirect("proposal-detail", proposal_id=proposal.pk)


def history(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    versions = community.rule_versions.select_related("changed_by__profile", "proposal")
    return render(request, "governance/history.html", {
        "community": community, "versions": versions,
    })


@login_required
def dashboard(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    membership = membership_get(community=community, user=request.user)
    if membership is None or not membership.is_moderator:
        raise Forbidden(_("Only moderators see the dashboard."))
    return render(request, "governance/dashboard.html", {
        "community": community,
        "pending": community.memberships.filter(status=Membership.Status.PENDING)
        .select_related("user__profile"),
        "reports": moderation.report_queue(viewer=request.user, community=community),
        "sanctions": Sanction.objects.filter(community=community)
        .select_related("user__profile", "given_by__profile")[:50],
        "complaints": Complaint.objects.filter(booking__community=community,
                                               status=Complaint.Status.OPEN)
        .select_related("booking__listing", "raised_by__profile"),
        "log": ModerationLog.objects.filter(community=community)
        .select_related("actor__profile")[:100],
        "membership_events": MembershipEvent.objects.filter(community=community)
        .select_related("actor__profile", "user__profile")[:50],
        "outcomes": Report.Outcome.choices,
        "sanction_kinds": Sanction.Kind.choices,
    })


@login_required
@require_POST
def report_handle(request, slug: str, report_id: int):
    community = community_get(slug=slug, viewer=request.user)
    report = get_object_or_404(Report, pk=report_id, community=community)
    until = None
    if request.POST.get("until"):
        until = timezone.make_aware(datetime.strptime(request.POST["until"], "%Y-%m-%d"))
    try:
        moderation.report_handle(actor=request.user, report=report,
                                 outcome=request.POST.get("outcome", ""),
                                 note=request.POST.get("note", ""), until=until)
    except DomainError as error:
        show_refusal(request, error)
    return redirect("community-dashboard", slug=community.slug)


urlpatterns = [
    path("communities/<slug:slug>/charter/", charter, name="community-charter"),
    path("communities/<slug:slug>/charter/rules/", rule_new, name="community-rule-new"),
    path("communities/<slug:slug>/charter/rules/<int:rule_id>/delete/", rule_delete,
         name="community-rule-delete"),
    path("communities/<slug:slug>/proposals/new/", proposal_new, name="proposal-new"),
    path("communities/<slug:slug>/history/", history, name="community-history"),
    path("communities/<slug:slug>/moderation/", dashboard, name="community-dashboard"),
    path("communities/<slug:slug>/moderation/reports/<int:report_id>/", report_handle,
         name="community-report-handle"),
    path("proposals/<int:proposal_id>/", proposal_detail, name="proposal-detail"),
    path("proposals/<int:proposal_id>/tally/", proposal_tally, name="proposal-tally"),
    path("proposals/<int:proposal_id>/vote/", proposal_vote, name="proposal-vote"),
]
