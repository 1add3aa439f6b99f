"""The designation registry over the API: companies' requests, city staff's
decisions, and each company's designations (public)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import designation_services as services
from accounts import selectors
from accounts.models import DesignationApplication, DesignationField
from marketplace.api import Pagination, paginated


class DesignationOut(serializers.Serializer):
    authority = serializers.CharField()
    number = serializers.CharField()
    field = serializers.ChoiceField(choices=DesignationField.choices)
    starts_on = serializers.DateField()
    expires_on = serializers.DateField()
    designated_at = serializers.DateTimeField()


class DesignationIn(serializers.Serializer):
    authority = serializers.CharField(max_length=120,
                                      help_text='e.g. "Seoul Metropolitan Government"')
    number = serializers.CharField(max_length=40)
    field = serializers.ChoiceField(choices=DesignationField.choices)
    starts_on = serializers.DateField()
    expires_on = serializers.DateField(help_text="The last day it is valid.")


class ApplicationOut(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.SlugField(source="company.slug")
    company_name = serializers.CharField(source="company.name")
    field = serializers.ChoiceField(choices=DesignationField.choices)
    message = serializers.CharField()
    applied_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=DesignationApplication.Status.choices)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class ApplicationIn(serializers.Serializer):
    field = serializers.ChoiceField(choices=DesignationField.choices)
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ApplicationListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=DesignationApplication.Status.choices,
                                     required=False)


class BlankDateField(serializers.DateField):
    """A date a refusal may leave empty ("" or null, as a whole form sends)."""

    def to_internal_value(self, value):
        return None if value == "" else super().to_internal_value(value)


class DecisionIn(serializers.Serializer):
    """Approving needs the authority, the number and the period (the service
    says which is missing); refusing needs only the note."""

    decision = serializers.ChoiceField(choices=["approve", "refuse"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="Required to refuse: the company reads it.")
    authority = serializers.CharField(required=False, allow_blank=True, max_length=120)
    number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    starts_on = BlankDateField(required=False, allow_null=True)
    expires_on = BlankDateField(required=False, allow_null=True)


class CompanyDesignations(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=DesignationOut(many=True),
                   description="The company's designations, newest first (public).")
    def get(self, request, slug: str):
        company = selectors.company_get(slug=slug)
        return Response(DesignationOut(company.designations.all(), many=True).data)

    @extend_schema(request=DesignationIn, responses={201: DesignationOut},
                   description="City staff designate a verified company for a period.")
    def post(self, request, slug: str):
        params = DesignationIn(data=request.data)
        params.is_valid(raise_exception=True)
        designation = services.designation_create(
            actor=request.user, company=selectors.company_get(slug=slug),
            **params.validated_data)
        return Response(DesignationOut(designation).data, status=status.HTTP_201_CREATED)


class CompanyApplications(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApplicationOut(many=True),
                   description="The company's requests for designation: its staff and city "
                               "staff only (404 for anyone else).")
    def get(self, request, slug: str):
        return Response(ApplicationOut(selectors.designation_applications(
            actor=request.user, company=selectors.company_get(slug=slug)), many=True).data)

    @extend_schema(request=ApplicationIn, responses={201: ApplicationOut},
                   description="A verified company's admins ask to be designated; one "
                               "request waits at a time (409).")
    def post(self, request, slug: str):
        params = ApplicationIn(data=request.data)
        params.is_valid(raise_exception=True)
        application = services.designation_apply(
            actor=request.user, company=selectors.company_get(slug=slug),
            **params.validated_data)
        return Response(ApplicationOut(application).data, status=status.HTTP_201_CREATED)


class Applications(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(parameters=[ApplicationListQuery], responses=ApplicationOut(many=True),
                   description="City staff: the review queue (waiting first). Anyone else: "
                               "the requests of their own companies.")
    def get(self, request):
        # A plain dict: from a QueryDict DRF takes "" for an optional choice as
        # left out, and would accept it.
        query = ApplicationListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return paginated(self, request,
                         selectors.designation_applications(actor=request.user,
                                                            **query.validated_data),
                         lambda page: ApplicationOut(page, many=True).data)


class ApplicationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApplicationOut)
    def get(self, request, application_id: int):
        return Response(ApplicationOut(selectors.designation_application_get(
            actor=request.user, application_id=application_id)).data)


class ApplicationDecision(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DecisionIn, responses=ApplicationOut,
                   description="City staff: approve (with the authority, number and period) "
                               "or refuse (with a note). A decided request answers 409.")
    def post(self, request, application_id: int):
        application = selectors.designation_application_get(actor=request.user,
                                                            application_id=application_id)
        params = DecisionIn(data=request.data)
        params.is_valid(raise_exception=True)
        choice = params.validated_data
        application = services.designation_decide(
            actor=request.user, application=application,
            approve=choice["decision"] == "approve", note=choice.get("note", ""),
            authority=choice.get("authority", ""), number=choice.get("number", ""),
            starts_on=choice.get("starts_on"), expires_on=choice.get("expires_on"))
        return Response(ApplicationOut(application).data)


urlpatterns = [
    path("companies/<slug:slug>/designations/", CompanyDesignations.as_view(),
         name="api-company-designations"),
    path("companies/<slug:slug>/designation-applications/", CompanyApplications.as_view(),
         name="api-company-designation-applications"),
    path("designation-applications/", Applications.as_view(),
         name="api-designation-applications"),
    path("designation-applications/<int:application_id>/", ApplicationDetail.as_view(),
         name="api-designation-application"),
    path("designation-applications/<int:application_id>/decide/",
         ApplicationDecision.as_view(), name="api-designation-application-decide"),
]
