"""Pages of a community's self-government: its charter, proposals with a
live tally, the rule history and the moderators' dashboard."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community_rules import governance, policy
from community_rules.models import Proposal, Sanction
from community_rules.rule_types import REGISTRY, describe
from community_rules.selectors import community_get, membership_get, moderator_dashboard
from frontend.refusals import refusal_shown
from frontend.rule_forms import params_from, rule_type_forms
from listings.services.listing import listing_unhide
from marketplace.dates import LOCAL, datetime_from_input
from marketplace.errors import NotFound, ValidationFailed
from moderation import selectors as moderation_selectors
from moderation import services as moderation
from moderation.models import Report


def charter(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    membership = membership_get(community=community, user=request.user)
    rules = [(rule, describe(rule.type, rule.params)) for rule in community.rules.all()]
    open_proposals = community.proposals.filter(status=Proposal.Status.OPEN)
    return render(request, "governance/charter.html", {
        "community": community, "membership": membership, "rules": rules,
        "open_proposals": open_proposals, "rule_types": rule_type_forms(),
        "is_moderator": membership is not None and membership.is_moderator,
        "is_member": membership is not None and membership.is_active,
    })


@login_required
@require_POST
def rule_new(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    rule_type = request.POST.get("type", "")
    with refusal_shown(request):
        governance.rule_add(actor=request.user, community=community, type=rule_type,
                            params=params_from(request.POST, rule_type))
        messages.success(request, _("The rule is in force."))
    return redirect("community-charter", slug=community.slug)


@login_required
@require_POST
def rule_delete(request, slug: str, rule_id: int):
    community = community_get(slug=slug, viewer=request.user)
    rule = get_object_or_404(community.rules, pk=rule_id)
    with refusal_shown(request):
        governance.rule_remove(actor=request.user, rule=rule)
        messages.success(request, _("The rule is removed."))
    return redirect("community-charter", slug=community.slug)


def _rule_id(text: str | None) -> int | None:
    """The rule a change or a removal names, as the form sends it."""
    if not text:
        return None
    if not text.strip().isdigit():
        raise ValidationFailed(fields={"rule_id": [_("Choose one of the community's rules.")]})
    return int(text)


@login_required
def proposal_new(request, slug: str):
    community = community_get(slug=slug, viewer=request.user)
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        rule_type = request.POST.get("type", "")
        with refusal_shown(request):
            closes_at = datetime_from_input(request.POST.get("closes_at"), field="closes_at",
                                            label=_("the close of the vote"), naive=LOCAL)
            proposal = governance.proposal_create(
                actor=request.user, community=community,
                action=request.POST.get("action", "add"), rule_type=rule_type,
                params=params_from(request.POST, rule_type),
                rule_id=_rule_id(request.POST.get("rule_id")),
                closes_at=closes_at, reason=request.POST.get("reason", ""))
            messages.success(request, _("Your proposal is open for votes."))
            return redirect("proposal-detail", proposal_id=proposal.pk)
    return render(request, "governance/proposal_new.html", {
        "community": community, "rule_types": rule_type_forms(values), "values": values,
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
    with refusal_shown(request):
        governance.vote_cast(actor=request.user, proposal=proposal,
                             choice=request.POST.get("choice", ""))
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
    return render(request, "governance/dashboard.html", {
        "community": community,
        **moderator_dashboard(community=community, viewer=request.user),
        "reports": moderation_selectors.report_queue(viewer=request.user, community=community),
        "complaints": moderation_selectors.complaints_open(community=community,
                                                           viewer=request.user),
        "held": moderation_selectors.held_listings(community=community, viewer=request.user),
        "outcomes": Report.Outcome.choices,
        "sanction_kinds": Sanction.Kind.choices,
    })


@login_required
@require_POST
def report_handle(request, slug: str, report_id: int):
    community = community_get(slug=slug, viewer=request.user)
    report = get_object_or_404(Report, pk=report_id, community=community)
    # Reports are seen by those who handle them only (as in the API): to
    # anyone else an existing report answers as a missing one does.
    if not policy.moderates_queue(user=request.user, community=community):
        raise NotFound()
    with refusal_shown(request):
        # A date field: the suspension ends as that day begins, in Seoul.
        until = datetime_from_input(request.POST.get("until"), field="until",
                                    label=_("the end of the suspension"), naive=LOCAL,
                                    date_only=True)
        moderation.report_handle(actor=request.user, report=report,
                                 outcome=request.POST.get("outcome", ""),
                                 note=request.POST.get("note", ""), until=until)
        messages.success(request, _("The report is handled."))
    return redirect("community-dashboard", slug=community.slug)


@login_required
@require_POST
def listing_unhold(request, slug: str, listing_id: int):
    """A moderator lifts the hold their community's queue put on a listing."""
    community = community_get(slug=slug, viewer=request.user)
    # Outside the refusal: a hold the person may not see is a 404 page.
    listing = moderation_selectors.held_listing_get(listing_id=listing_id,
                                                    viewer=request.user)
    with refusal_shown(request):
        listing_unhide(actor=request.user, listing=listing,
                       reason=request.POST.get("reason", ""))
        messages.success(request, _("The hold on “%(title)s” is lifted.") % {
            "title": listing.title})
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
    path("communities/<slug:slug>/moderation/holds/<int:listing_id>/lift/", listing_unhold,
         name="community-listing-unhide"),
    path("proposals/<int:proposal_id>/", proposal_detail, name="proposal-detail"),
    path("proposals/<int:proposal_id>/tally/", proposal_tally, name="proposal-tally"),
    path("proposals/<int:proposal_id>/vote/", proposal_vote, name="proposal-vote"),
]
