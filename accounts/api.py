from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import CompanyStaff, ShareCompany, User
from marketplace.api import Pagination, paginated
from marketplace.errors import Forbidden


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


class CompanySerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(read_only=True)
    listing_count = serializers.SerializerMethodField()

    class Meta:
        model = ShareCompany
        fields = ["slug", "name", "registration_number", "description", "website", "logo",
                  "verified", "verified_at", "listing_count", "created_at"]
        read_only_fields = ["slug", "logo", "verified_at", "created_at"]

    def get_listing_count(self, company) -> int:
        count = getattr(company, "active_listings", None)
        return count if count is not None else company.listings.filter(
            status="active", visibility="public").count()


class CompanyIn(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    registration_number = serializers.CharField(max_length=20)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    website = serializers.URLField(required=False, allow_blank=True)


class CompanyChangeIn(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    website = serializers.URLField(required=False, allow_blank=True)


class Companies(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    @extend_schema(responses=CompanySerializer(many=True))
    def get(self, request):
        return paginated(self, request, selectors.company_list(),
                         lambda page: CompanySerializer(page, many=True).data)

    @extend_schema(request=CompanyIn, responses={201: CompanySerializer})
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

    @extend_schema(request=CompanyChangeIn, responses=CompanySerializer)
    def patch(self, request, slug: str):
        params = CompanyChangeIn(data=request.data)
        params.is_valid(raise_exception=True)
        company = services.company_update(actor=request.user,
                                          company=selectors.company_get(slug=slug),
                                          **params.validated_data)
        return Response(CompanySerializer(company).data)


class CompanyVerify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CompanySerializer)
    def post(self, request, slug: str):
        company = services.company_verify(actor=request.user,
                                          company=selectors.company_get(slug=slug))
        return Response(CompanySerializer(company).data)


class CompanyUnverify(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=CompanySerializer)
    def post(self, request, slug: str):
        company = services.company_verify(actor=request.user,
                                          company=selectors.company_get(slug=slug),
                                          verified=False)
        return Response(CompanySerializer(company).data)


class StaffIn(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=CompanyStaff.Role.choices, default="staff")


class StaffOut(serializers.Serializer):
    user = serializers.IntegerField(source="user_id")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()


class CompanyStaffView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StaffOut(many=True))
    def get(self, request, slug: str):
        company = selectors.company_get(slug=slug)
        if not selectors.is_company_staff(company=company, user=request.user):
            raise Forbidden()
        links = company.staff_links.select_related("user__profile")
        return Response(StaffOut(links, many=True).data)

    @extend_schema(request=StaffIn, responses={201: StaffOut})
    def post(self, request, slug: str):
        params = StaffIn(data=request.data)
        params.is_valid(raise_exception=True)
        link = services.company_staff_add(actor=request.user,
                                          company=selectors.company_get(slug=slug),
                                          **params.validated_data)
        return Response(StaffOut(link).data, status=status.HTTP_201_CREATED)


class CompanyStaffMember(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, slug: str, user_id: int):
        services.company_staff_remove(actor=request.user,
                                      company=selectors.company_get(slug=slug),
                                      user=get_object_or_404(User, pk=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


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
]
