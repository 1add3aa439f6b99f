"""Communities API (shared/API.md): parse, call a service or selector,
serialize. A private community is 404 for outsiders on every path."""

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from community_rules import selectors, services
from community_rules.invites import MAX_DAYS, MIN_DAYS
from community_rules.models import Community, Membership, MembershipEvent
from marketplace.api import Pagination, paginated
from marketplace.dates import AwareDateTimeField
from marketplace.errors import ValidationFailed

# --- what comes out ----------------------------------------------------------


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class MyMembershipOut(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["role", "status", "joined_at", "suspended_until"]


class CommunityOut(serializers.ModelSerializer):
    member_count = serializers.SerializerMethodField(help_text="Active members.")
    membership = serializers.SerializerMethodField(
        help_text="The caller's own membership, or null.")

    class Meta:
        model = Community
        fields = ["slug", "name", "description", "district", "join_policy", "visibility",
                  "governance", "quorum_percent", "threshold_percent", "voting_days",
                  "member_count", "membership", "created_at"]
        read_only_fields = fields

    def get_member_count(self, community) -> int:
        return selectors.member_count(community=community)

    @extend_schema_field(MyMembershipOut(allow_null=True))
    def get_membership(self, community):
        mine = self.context.get("memberships", {}).get(community.pk)
        return MyMembershipOut(mine).data if mine is not None else None


class MemberOut(serializers.ModelSerializer):
    user = PersonOut()

    class Meta:
        model = Membership
        fields = ["user", "role", "status", "joined_at", "requested_at", "suspended_until"]
        read_only_fields = fields


class EventOut(serializers.ModelSerializer):
    user = PersonOut(help_text="Whose membership changed.")
    actor = PersonOut(allow_null=True, help_text="Who changed it (null: account deleted).")

    class Meta:
        model = MembershipEvent
        fields = ["id", "user", "actor", "action", "from_value", "to_value", "reason",
                  "created_at"]
        read_only_fields = fields


class JoinOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[Membership.Status.ACTIVE, Membership.Status.PENDING],
        help_text="active: joined; pending: a request the moderators answer.")


class InviteOut(serializers.Serializer):
    token = serializers.CharField()
    url = serializers.URLField(help_text="The page where the invited person joins.")
    expires_at = serializers.DateTimeField()


# --- what goes in --------------------------------------------------------------


class CommunityIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    district = serializers.CharField(required=False, allow_blank=True, max_length=60)
    join_policy = serializers.ChoiceField(choices=Community.JoinPolicy.choices,
                                          default=Community.JoinPolicy.OPEN)
    visibility = serializers.ChoiceField(choices=Community.Visibility.choices,
                                         default=Community.Visibility.PUBLIC)
    governance = serializers.ChoiceField(choices=Community.Governance.choices,
                                         default=Community.Governance.MODERATED)


class CommunityChangeIn(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    district = serializers.CharField(required=False, allow_blank=True, max_length=60)
    join_policy = serializers.ChoiceField(choices=Community.JoinPolicy.choices,
                                          required=False)
    visibility = serializers.ChoiceField(choices=Community.Visibility.choices,
                                         required=False)


class JoinIn(serializers.Serializer):
    invite = serializers.CharField(required=False, allow_blank=True,
                                   help_text="The token of an invite link.")


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   default="", help_text="Kept in the membership log.")


class MemberChangeIn(ReasonIn):
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in services.SETTABLE_STATUSES], required=False)
    suspended_until = AwareDateTimeField(
        required=False, allow_null=True, default=None,
        help_text="With status suspended: when it ends (none: until reinstated).")


class InviteIn(serializers.Serializer):
    days = serializers.IntegerField(min_value=MIN_DAYS, max_value=MAX_DAYS, default=7,
                                    help_text="How long the link works.")


def _parsed(serializer_class, data) -> dict:
    params = serializer_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


def _community_out(request, community) -> dict:
    memberships = selectors.memberships_by_community(user=request.user,
                                                     communities=[community])
    return CommunityOut(community, context={"memberships": memberships}).data


# --- communities -------------------------------------------------------------


class Communities(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=CommunityOut(many=True),
                   description="Public communities and the private ones the caller "
                               "belongs to, by name.")
    def get(self, request):
        return paginated(
            self, request, selectors.community_list_with_counts(viewer=request.user),
            lambda page: CommunityOut(page, many=True, context={
                "memberships": selectors.memberships_by_community(
                    user=request.user, communities=page)}).data)

    @extend_schema(request=CommunityIn, responses={201: CommunityOut},
                   description="Start a community: the caller becomes its owner.")
    def post(self, request):
        community = services.community_create(actor=request.user,
                                              **_parsed(CommunityIn, request.data))
        return Response(_community_out(request, community), status=status.HTTP_201_CREATED)


class CommunityDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CommunityOut,
                   description="With the caller's membership; 404 for a private community "
                               "the caller is not in.")
    def get(self, request, slug: str):
        community = selectors.community_get_with_counts(slug=slug, viewer=request.user)
        return Response(_community_out(request, community))

    @extend_schema(request=CommunityChangeIn, responses=CommunityOut,
                   description="Moderators only. The slug and the governance mode stay.")
    def patch(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        community = services.community_update(actor=request.user, community=community,
                                              **_parsed(CommunityChangeIn, request.data))
        return Response(_community_out(request, community))


class CommunityJoin(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=JoinIn, responses=JoinOut,
                   description="Open: active at once. Approval: pending until a moderator "
                               "answers. Invite only (and any private community): needs "
                               "`invite`, the token of a valid invite link.")
    def post(self, request, slug: str):
        invite = _parsed(JoinIn, request.data).get("invite") or None
        community = selectors.community_get_for_joining(slug=slug, viewer=request.user,
                                                        invite_token=invite)
        membership = services.community_join(actor=request.user, community=community,
                                             invite_token=invite)
        return Response(JoinOut(membership).data)


class CommunityLeave(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None},
                   description="Leave, or withdraw a request to join. The only owner "
                               "cannot leave (409).")
    def post(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        services.community_leave(actor=request.user, community=community)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- members -------------------------------------------------------------------


class Members(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=Membership.Status.values,
                                     description="Only this status (moderators see all "
                                                 "statuses, others active members only).")],
        responses=MemberOut(many=True),
        description="Owners first, then moderators, then members.")
    def get(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        members = selectors.member_list(community=community, viewer=request.user)
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in Membership.Status.values:
                raise ValidationFailed(fields={"status": [
                    _("Choose one of: %(choices)s.") % {"choices": ", ".join(
                        Membership.Status.values)}]})
            members = members.filter(status=wanted)
        return paginated(self, request, members,
                         lambda page: MemberOut(page, many=True).data)


def _member(request, slug: str, user_id: int) -> Membership:
    community = selectors.community_get(slug=slug, viewer=request.user)
    return selectors.member_get(community=community, user_id=user_id)


class Member(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=MemberChangeIn, responses=MemberOut,
                   description="Moderators change members' status; owners alone change "
                               "roles and moderators' status.")
    def patch(self, request, slug: str, user_id: int):
        membership = services.membership_change(actor=request.user,
                                                membership=_member(request, slug, user_id),
                                                **_parsed(MemberChangeIn, request.data))
        return Response(MemberOut(membership).data)

    @extend_schema(request=ReasonIn, responses={204: None},
                   description="Moderators remove members; owners also moderators.")
    def delete(self, request, slug: str, user_id: int):
        services.member_remove(actor=request.user, membership=_member(request, slug, user_id),
                               **_parsed(ReasonIn, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberApprove(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonIn, responses=MemberOut,
                   description="Moderators admit someone who asked to join.")
    def post(self, request, slug: str, user_id: int):
        membership = services.membership_approve(
            actor=request.user, membership=_member(request, slug, user_id),
            **_parsed(ReasonIn, request.data))
        return Response(MemberOut(membership).data)


class MemberRefuse(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonIn, responses={204: None},
                   description="Moderators turn down a request to join.")
    def post(self, request, slug: str, user_id: int):
        services.membership_refuse(actor=request.user,
                                   membership=_member(request, slug, user_id),
                                   **_parsed(ReasonIn, request.data))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- invites and the log ---------------------------------------------------------


class Invites(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=InviteIn, responses={201: InviteOut},
                   description="Moderators make an invite link: whoever holds it joins at "
                               "once until it expires.")
    def post(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        token = services.invite_create(actor=request.user, community=community,
                                       **_parsed(InviteIn, request.data))
        invite = services.invite_check(token=token, community=community)
        url = request.build_absolute_uri(reverse("community-invite-accept", args=[token]))
        return Response(InviteOut({"token": token, "url": url,
                                   "expires_at": invite.expires_at}).data,
                        status=status.HTTP_201_CREATED)


class InvitesRevoke(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None},
                   description="Moderators revoke every invite link made so far: they "
                               "admit no one and say they were revoked (403). Links made "
                               "afterwards work.")
    def post(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        services.invites_revoke(actor=request.user, community=community)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Events(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(responses=EventOut(many=True),
                   description="The membership log, newest first: moderators only.")
    def get(self, request, slug: str):
        community = selectors.community_get(slug=slug, viewer=request.user)
        return paginated(self, request,
                         selectors.membership_events(community=community, viewer=request.user),
                         lambda page: EventOut(page, many=True).data)


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
    path("communities/<slug:slug>/invites/revoke/", InvitesRevoke.as_view(),
         name="api-invites-revoke"),
    path("communities/<slug:slug>/events/", Events.as_view(), name="api-community-events"),
]
