"""Communities API (shared/API.md): parse, call a service or selector,
serialize."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from community_rules import selectors, services
from community_rules.models import Community, Membership, MembershipEvent
from marketplace.api import Pagination, paginated


class CommunitySerializer(serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField()
    membership = serializers.SerializerMethodField()

    class Meta:
        model = Community
        fields = ["slug", "name", "description", "district", "join_policy", "visibility",
                  "governance", "quorum_percent", "threshold_percent", "voting_days",
                  "member_count", "membership", "created_at"]

    def get_member_count(self, community) -> int:
        count = getattr(community, "active_members", None)
        return count if count is not None else community.memberships.filter(
            status="active").count()

    def get_membership(self, community) -> dict | None:
        mine = self.context.get("memberships", {}).get(community.pk)
        if mine is None:
            return None
        return {"role": mine.role, "status": mine.status, "joined_at": mine.joined_at}


class CommunityIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    district = serializers.CharField(required=False, allow_blank=True, max_length=60)
    join_policy = serializers.ChoiceField(choices=Community.JoinPolicy.choices,
                                          default="open")
    visibility = serializers.ChoiceField(choices=Community.Visibility.choices,
                                         default="public")
    governance = serializers.ChoiceField(choices=Community.Governance.choices,
                                         default="moderated")


def _context(request, communities) -> dict:
    memberships = {}
    if request.user.is_authenticated:
        memberships = {m.community_id: m for m in Membership.objects.filter(
            user=request.user, community__in=[c.pk for c in communities])}
    return {"memberships": memberships}


def _with_counts(queryset):
    return queryset.annotate(active_members=Count("memberships",
                                                  filter=Q(memberships__status="active")))


class Communities(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=CommunitySerializer(many=True))
    def get(self, request):
        communities = _with_counts(selectors.community_list(viewer=request.user)).order_by(
            "name", "pk")
        return paginated(self, request, communities, lambda page: CommunitySerializer(
            page, many=True, context=_context(request, page)).data)

    @extend_schema(request=CommunityIn, responses={201: CommunitySerializer})
    def post(self, request):
        params = CommunityIn(data=request.data)
        params.is_valid(raise_exception=True)
        community = services.community_create(actor=request.user, **params.validated_data)
        return Response(CommunitySerializer(community, context=_context(
            request, [community])).data, status=status.HTTP_201_CREATED)


class CommunityDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CommunitySerializer)
    def get(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        return Response(CommunitySerializer(community, context=_context(
            request, [community])).data)

    @extend_schema(request=CommunityIn, responses=CommunitySerializer)
    def patch(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        params = CommunityIn(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        changes = {k: v for k, v in params.validated_data.items() if k in request.data}
        community = services.community_update(actor=request.user, community=community,
                                              **changes)
        return Response(CommunitySerializer(community, context=_context(
            request, [community])).data)


class JoinIn(serializers.Serializer):
    invite = serializers.CharField(required=False, allow_blank=True)


def _community_for_joining(request, slug: str, invite: str | None) -> Community:
    """A private community is found by its members, or by whoever holds a
    valid invite to it."""
    if invite:
        community_id, _expires = services.invite_check(invite)
        community = Community.objects.filter(pk=community_id, slug=slug).first()
        if community is not None:
            return community
    return selectors.community_get(slug=slug, viewer=request.user)


class CommunityJoin(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=JoinIn, responses={200: dict})
    def post(self, request, slug: str):
        params = JoinIn(data=request.data)
        params.is_valid(raise_exception=True)
        invite = params.validated_data.get("invite") or None
        community = _community_for_joining(request, slug, invite)
        membership = services.community_join(actor=request.user, community=community,
                                             invite_token=invite)
        return Response({"status": membership.status})


class CommunityLeave(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        services.community_leave(actor=request.user, community=community)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberSerializer(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["user", "role", "status", "joined_at", "requested_at", "suspended_until"]

    def get_user(self, membership) -> dict:
        return {"id": membership.user_id, "display_name": membership.user.display_name}


class Members(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        return paginated(self, request,
                         selectors.member_list(community=community, viewer=request.user),
                         lambda page: MemberSerializer(page, many=True).data)


def _membership(request, slug: str, user_id: int) -> Membership:
    community = selectors.community_get(slug=slug, viewer=request.user)
    return get_object_or_404(Membership.objects.select_related("community", "user__profile"),
                             community=community, user_id=user_id)


class MemberChangeIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    status = serializers.ChoiceField(choices=Membership.Status.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    suspended_until = serializers.DateTimeField(required=False, allow_null=True)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class Member(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=MemberChangeIn, responses=MemberSerializer)
    def patch(self, request, slug: str, user_id: int):
        membership = _membership(request, slug, user_id)
        params = MemberChangeIn(data=request.data)
        params.is_valid(raise_exception=True)
        membership = services.membership_change(actor=request.user, membership=membership,
                                                **params.validated_data)
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=ReasonIn, responses={204: None})
    def delete(self, request, slug: str, user_id: int):
        params = ReasonIn(data=request.data)
        params.is_valid(raise_exception=True)
        services.member_remove(actor=request.user, membership=_membership(request, slug,
                                                                          user_id),
                               reason=params.validated_data.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberApprove(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonIn, responses=MemberSerializer)
    def post(self, request, slug: str, user_id: int):
        membership = services.membership_approve(
            actor=request.user, membership=_membership(request, slug, user_id),
            reason=request.data.get("reason", ""))
        return Response(MemberSerializer(membership).data)


class MemberRefuse(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonIn, responses={204: None})
    def post(self, request, slug: str, user_id: int):
        services.membership_refuse(actor=request.user,
                                   membership=_membership(request, slug, user_id),
                                   reason=request.data.get("reason", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteIn(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=30, default=7)


class Invites(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=InviteIn, responses={201: dict})
    def post(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        params = InviteIn(data=request.data)
        params.is_valid(raise_exception=True)
        token = services.invite_create(actor=request.user, community=community,
                                       days=params.validated_data["days"])
        _community_id, expires = services.invite_check(token)
        url = request.build_absolute_uri(reverse("community-invite-accept", args=[token]))
        return Response({"token": token, "url": url, "expires_at": expires},
                        status=status.HTTP_201_CREATED)


class EventSerializer(serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id")
    actor = serializers.IntegerField(source="actor_id", allow_null=True)

    class Meta:
        model = MembershipEvent
        fields = ["user", "actor", "action", "from_value", "to_value", "reason", "created_at"]


class Events(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        return paginated(self, request,
                         selectors.membership_events(community=community, viewer=request.user),
                         lambda page: EventSerializer(page, many=True).data)


urlpatterns = [
    path("communities/", Communities.as_view(), name="api-communities"),
    path("communities/<slug:slug>/", CommunityDetail.as_view(), name="api-community"),
    path("communities/<slug:slug>/join/", CommunityJoin.as_view(), name="api-community-join"),
    path("communities/<slug:slug>/leave/", CommunityLeave.as_view(),
         name="api-community-leave"),
    path("communities/<slug:slug>/members/", Members.as_view(), name="api-members"),
    path("communities/<slug:slug>/members/<int:user_id>/", Member.as_view(),
         name="api-member"),
    path("communities/<slug:slug>/members/<int:user_id>/approve/", MemberApprove.as_view(),
         name="api-member-approve"),
    path("communities/<slug:slug>/members/<int:user_id>/refuse/", MemberRefuse.as_view(),
         name="api-member-refuse"),
    path("communities/<slug:slug>/invites/", Invites.as_view(), name="api-invites"),
    path("communities/<slug:slug>/events/", Events.as_view(), name="api-community-events"),
]
