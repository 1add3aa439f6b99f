"""Rules, proposals and votes (shared/API.md): parse, call a service or
selector, serialize."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from community_rules import governance
from community_rules.models import Proposal, Rule
from community_rules.rule_types import describe
from community_rules.selectors import community_get
from marketplace.dates import AwareDateTimeField
from marketplace.errors import NotFound


class RuleIn(serializers.Serializer):
    type = serializers.CharField(max_length=40)
    params = serializers.JSONField(required=False, default=dict)


class RuleOut(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    params = serializers.JSONField()
    text = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_text(self, rule) -> str:
        """The rule in plain words, in the caller's language."""
        return describe(rule.type, rule.params)


class CommunityRules(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=RuleOut(many=True))
    def get(self, request, slug: str):
        community = community_get(slug=slug, viewer=request.user)
        return Response(RuleOut(community.rules.all(), many=True).data)

    @extend_schema(request=RuleIn, responses={201: RuleOut})
    def post(self, request, slug: str):
        community = community_get(slug=slug, viewer=request.user)
        params = RuleIn(data=request.data)
        params.is_valid(raise_exception=True)
        rule = governance.rule_add(actor=request.user, community=community,
                                   type=params.validated_data["type"],
                                   params=params.validated_data["params"])
        return Response(RuleOut(rule).data, status=status.HTTP_201_CREATED)


class RuleChangeIn(serializers.Serializer):
    params = serializers.JSONField()


class CommunityRule(APIView):
    permission_classes = [IsAuthenticated]

    def _rule(self, request, slug, rule_id) -> Rule:
        community = community_get(slug=slug, viewer=request.user)
        return get_object_or_404(Rule, pk=rule_id, community=community)

    @extend_schema(request=RuleChangeIn, responses=RuleOut)
    def patch(self, request, slug: str, rule_id: int):
        rule = self._rule(request, slug, rule_id)
        params = RuleChangeIn(data=request.data)
        params.is_valid(raise_exception=True)
        rule = governance.rule_change(actor=request.user, rule=rule,
                                      params=params.validated_data["params"])
        return Response(RuleOut(rule).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, rule_id: int):
        governance.rule_remove(actor=request.user, rule=self._rule(request, slug, rule_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProposalIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=Proposal.Action.choices)
    rule = RuleIn(required=False)
    rule_id = serializers.IntegerField(required=False)
    settings = serializers.JSONField(required=False)
    closes_at = AwareDateTimeField(required=False)
    effective_at = AwareDateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=3000)


class ProposalOut(serializers.ModelSerializer):
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    proposer = serializers.SerializerMethodField()
    rule = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField()

    class Meta:
        model = Proposal
        fields = ["id", "community", "proposer", "action", "rule", "rule_id", "settings",
                  "reason", "status", "closes_at", "effective_at", "applied_at", "tally",
                  "my_vote", "created_at"]

    def get_proposer(self, proposal) -> dict:
        return {"id": proposal.proposer_id, "display_name": proposal.proposer.display_name}

    def get_rule(self, proposal) -> dict | None:
        if proposal.action == Proposal.Action.SETTINGS:
            return None
        return {"type": proposal.rule_type, "params": proposal.params,
                "text": describe(proposal.rule_type, proposal.params)}

    def get_tally(self, proposal) -> dict:
        """The live count while open; the final count once closed."""
        if proposal.status != Proposal.Status.OPEN:
            return proposal.tally
        return governance.proposal_tally(proposal)

    def get_my_vote(self, proposal) -> str | None:
        user = self.context["request"].user
        if not user.is_authenticated:
            return None
        vote = proposal.votes.filter(voter=user).first()
        return vote.choice if vote else None


class CommunityProposals(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ProposalOut(many=True))
    def get(self, request, slug: str):
        community = community_get(slug=slug, viewer=request.user)
        proposals = community.proposals.select_related("proposer__profile", "rule",
                                                       "community")[:50]
        return Response(ProposalOut(proposals, many=True, context={"request": request}).data)

    @extend_schema(request=ProposalIn, responses={201: ProposalOut})
    def post(self, request, slug: str):
        community = community_get(slug=slug, viewer=request.user)
        params = ProposalIn(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        rule = data.get("rule") or {}
        proposal = governance.proposal_create(
            actor=request.user, community=community, action=data["action"],
            rule_type=rule.get("type", ""), params=rule.get("params"),
            rule_id=data.get("rule_id"), settings=data.get("settings"),
            closes_at=data.get("closes_at"), effective_at=data.get("effective_at"),
            reason=data.get("reason", ""))
        return Response(ProposalOut(proposal, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


def _proposal(request, proposal_id: int) -> Proposal:
    proposal = Proposal.objects.select_related("community", "proposer__profile", "rule").filter(
        pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    community_get(slug=proposal.community.slug, viewer=request.user)  # private: 404
    return proposal


class ProposalDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ProposalOut)
    def get(self, request, proposal_id: int):
        return Response(ProposalOut(_proposal(request, proposal_id),
                                    context={"request": request}).data)


class VoteIn(serializers.Serializer):
    choice = serializers.ChoiceField(choices=["yes", "no", "abstain"])


class ProposalVote(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=VoteIn, responses=ProposalOut)
    def post(self, request, proposal_id: int):
        proposal = _proposal(request, proposal_id)
        params = VoteIn(data=request.data)
        params.is_valid(raise_exception=True)
        governance.vote_cast(actor=request.user, proposal=proposal,
                             choice=params.validated_data["choice"])
        return Response(ProposalOut(proposal, context={"request": request}).data)


urlpatterns = [
    path("communities/<slug:slug>/rules/", CommunityRules.as_view(), name="api-rules"),
    path("communities/<slug:slug>/rules/<int:rule_id>/", CommunityRule.as_view(),
         name="api-rule"),
    path("communities/<slug:slug>/proposals/", CommunityProposals.as_view(),
         name="api-proposals"),
    path("proposals/<int:proposal_id>/", ProposalDetail.as_view(), name="api-proposal"),
    path("proposals/<int:proposal_id>/vote/", ProposalVote.as_view(), name="api-vote"),
]
