from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import CompanyStaff, ShareCompany, User
from marketplace.api import Pagination, paginated
from marketplace.errors import Forbidden, NotFound


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(source="profile.display_name", max_length=60)
    bio = serializers.CharField(source="profile.bio", allow_blank=True, max_length=2000)
    district = serializers.CharField(
        source="profile.district", allow_blank=True, max_length=60
    )
    avatar = serializers.ImageField(source="profile.avatar", read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "display_name", "bio", "district", "avatar", "is_staff",
                  "date_joined"]
        read_only_fields = ["id", "email", "is_staff", "date_joined"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The name others see: the chosen one, else "Neighbour 1234".
        data["display_name"] = instance.display_name
        return data


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.profile_update(actor=request.user, **serializer.validated_data.get("profile", {}))
        request.user.refresh_from_db()
        return Response(MeSerializer(request.user).data)


# --- share companies ---------------------------------------------------------


class CurrentDesignationOut(serializers.Serializer):
    authority = serializers.CharField()
    number = serializers.CharField()
    field = serializers.CharField()
    starts_on = serializers.DateField()
    expires_on = serializers.DateField()


class CompanySerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(read_only=True)
    listing_count = serializers.SerializerMethodField(
        help_text="Active listings that everyone may see.")
    designation = serializers.SerializerMethodField(
        help_text="The city's designation valid today, or null.")

    class Meta:
        model = ShareCompany
        fields = ["slug", "name", "registration_number", "description", "website", "logo",
                  "verified", "verified_at", "designation", "listing_count", "created_at"]
        read_only_fields = fields

    @extend_schema_field(CurrentDesignationOut(allow_null=True))
    def get_designation(self, company):
        # A list passes the current designations of its page (one query).
        known = self.context.get("designations")
        current = (known.get(company.pk) if known is not None
                   else selectors.designation_current(company))
        return CurrentDesignationOut(current).data if current is not None else None

    def get_listing_count(self, company) -> int:
        count = getattr(company, "active_listings", None)  # company_list annotates it
        if count is None:
            count = company.listings.filter(status="active", visibility="public").count()
        return count


class CompanyListQuery(serializers.Serializer):
    verified = serializers.BooleanField(
        required=False, default=None,
        help_text="true: verified companies only; false: unverified only; "
                  "leave it out for both.")


class CompanyIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    registration_number = serializers.CharField(
        max_length=20, help_text="사업자등록번호: 123-45-67891 or 1234567891.")
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    website = serializers.URLField(required=False, allow_blank=True)
    logo = serializers.FileField(required=False, help_text="JPEG, PNG or WebP, at most 10 MB.")


class CompanyChangeIn(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    website = serializers.URLField(required=False, allow_blank=True)
    logo = serializers.FileField(required=False, allow_null=True,
                                 help_text="A new logo; null removes it.")


class Companies(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(parameters=[CompanyListQuery], responses=CompanySerializer(many=True),
                   description="The public directory: verified companies first, then by name.")
    def get(self, request):
        # A plain dict: from a QueryDict DRF reads a missing boolean as its
        # default, None, and refuses it; "" and "null" are refused either way.
        query = CompanyListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return paginated(self, request, selectors.company_list(**query.validated_data),
                         lambda page: CompanySerializer(page, many=True, context={
                             "designations": selectors.current_designations(
                                 company.pk for company in page)}).data)

    @extend_schema(request=CompanyIn, responses={201: CompanySerializer},
                   description="Register a share company: the caller becomes its admin. "
                               "It starts unverified; city staff verify it.")
    def post(self, request):
        params = CompanyIn(data=request.data)
        params.is_valid(raise_exception=True)
        company = services.company_create(actor=request.user, **params.validated_data)
        return Response(CompanySerializer(company).data, status=status.HTTP_201_CREATED)


class CompanyDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CompanySerializer)
    def get(self, request, slug: str):
        return Response(CompanySerializer(selectors.company_get(slug=slug)).data)

    @extend_schema(request=CompanyChangeIn, responses=CompanySerializer,
                   description="The company's admins only.")
    def patch(self, request, slug: str):
        params = CompanyChangeIn(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        company = services.company_update(actor=request.user,
                                          company=selectors.company_get(slug=slug),
                                          **params.validated_data)
        return Response(CompanySerializer(company).data)


class CompanyVerify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CompanySerializer,
                   description="City staff only: the city's designation as a share company.")
    def post(self, request, slug: str):
        company = services.company_verify(actor=request.user,
                                          company=selectors.company_get(slug=slug))
        return Response(CompanySerializer(company).data)


class CompanyUnverify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CompanySerializer,
                   description="City staff only: withdraws the verification.")
    def post(self, request, slug: str):
        company = services.company_unverify(actor=request.user,
                                            company=selectors.company_get(slug=slug))
        return Response(CompanySerializer(company).data)


class StaffIn(serializers.Serializer):
    email = serializers.EmailField(help_text="Where the invitation goes; it need not have an "
                                             "account yet.")
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices,
                                   default=CompanyStaff.Role.STAFF)


class RoleIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices)


class InvitationSent(serializers.Serializer):
    detail = serializers.CharField()


class InvitationOut(serializers.Serializer):
    company = serializers.SlugField(source="company.slug")
    company_name = serializers.CharField(source="company.name")
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices)
    expires_at = serializers.DateTimeField()


class StaffOut(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    email = serializers.EmailField(source="user.email")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices)
    added_at = serializers.DateTimeField()


class CompanyStaffView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StaffOut(many=True),
                   description="The company's own staff only; admins first.")
    def get(self, request, slug: str):
        company = selectors.company_get(slug=slug)
        if not selectors.is_company_staff(company=company, user=request.user):
            raise Forbidden(_("Only the company's staff see who works there."))
        return Response(StaffOut(selectors.company_staff_list(company), many=True).data)

    @extend_schema(request=StaffIn, responses={202: InvitationSent},
                   description="The company's admins invite someone by e-mail: a link goes "
                               "to the address and the person joins once they accept. The "
                               "answer is the same whether or not the address has an "
                               "account.")
    def post(self, request, slug: str):
        params = StaffIn(data=request.data)
        params.is_valid(raise_exception=True)
        services.company_staff_invite(actor=request.user,
                                      company=selectors.company_get(slug=slug),
                                      site_url=request.build_absolute_uri("/"),
                                      **params.validated_data)
        return Response({"detail": services.invitation_sent_message(params.validated_data["email"])},
                        status=status.HTTP_202_ACCEPTED)


class CompanyStaffMember(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RoleIn, responses=StaffOut,
                   description="The company's admins change someone's role; the last admin "
                               "stays admin (409).")
    def patch(self, request, slug: str, user_id: int):
        params = RoleIn(data=request.data)
        params.is_valid(raise_exception=True)
        link = services.company_staff_role_set(actor=request.user,
                                               company=selectors.company_get(slug=slug),
                                               user=get_object_or_404(User, pk=user_id),
                                               **params.validated_data)
        return Response(StaffOut(link).data)

    @extend_schema(request=None, responses={204: None},
                   description="The company's admins; the last admin cannot be removed (409).")
    def delete(self, request, slug: str, user_id: int):
        services.company_staff_remove(actor=request.user,
                                      company=selectors.company_get(slug=slug),
                                      user=get_object_or_404(User, pk=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CompanyInvitationView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=InvitationOut,
                   description="The invitation behind an e-mailed link, for the person "
                               "signed in with the address it was sent to.")
    def get(self, request, token: str):
        return Response(InvitationOut(
            services.company_invitation_get(actor=request.user, token=token)).data)


class CompanyInvitationAnswer(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: StaffOut, 204: None},
                   description="accept: join the staff (200, the staff entry); decline: "
                               "204. Signed in with the invited address only.")
    def post(self, request, token: str, answer: str):
        if answer == "accept":
            link = services.company_invitation_accept(actor=request.user, token=token)
            return Response(StaffOut(link).data)
        if answer == "decline":
            services.company_invitation_decline(actor=request.user, token=token)
            return Response(status=status.HTTP_204_NO_CONTENT)
        raise NotFound()


urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("companies/", Companies.as_view(), name="api-companies"),
    path("companies/<slug:slug>/", CompanyDetail.as_view(), name="api-company"),
    path("companies/<slug:slug>/verify/", CompanyVerify.as_view(), name="api-company-verify"),
    path("companies/<slug:slug>/unverify/", CompanyUnverify.as_view(),
         name="api-company-unverify"),
    path("companies/<slug:slug>/staff/", CompanyStaffView.as_view(),
         name="api-company-staff"),
    path("companies/<slug:slug>/staff/<int:user_id>/", CompanyStaffMember.as_view(),
         name="api-company-staff-member"),
    path("company-invitations/<str:token>/", CompanyInvitationView.as_view(),
         name="api-company-invitation"),
    path("company-invitations/<str:token>/<str:answer>/", CompanyInvitationAnswer.as_view(),
         name="api-company-invitation-answer"),
]
