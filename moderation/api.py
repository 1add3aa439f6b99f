"""Reports, the moderation queue and complaints (shared/API.md)."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.selectors import booking_get
from community_rules import policy
from community_rules.selectors import community_get
from listings.selectors import Viewer
from listings.services.listing import listing_unhide
from marketplace.dates import AwareDateTimeField
from marketplace.errors import NotFound
from marketplace.parsers import MAX_JSON_INTEGER
from moderation import selectors
from moderation import services as moderation
from moderation.models import Complaint, Report


class ReportIn(serializers.Serializer):
    target_type = serializers.ChoiceField(choices=Report.TargetType.choices)
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_JSON_INTEGER)
    reason = serializers.CharField(max_length=3000)
    community = serializers.SlugField(required=False)


class ReportedMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    conversation = serializers.IntegerField()
    sender = serializers.DictField(help_text="{id, name}")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReportOut(serializers.ModelSerializer):
    # None for a report made outside any community.
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    message = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "community", "reason", "status", "outcome",
                  "note", "created_at", "handled_at", "message"]

    @extend_schema_field(ReportedMessageOut(allow_null=True))
    def get_message(self, report):
        """What was said, for a reported message: those who handle the
        report read it here (context `messages`: selectors.reported_messages)."""
        message = self.context.get("messages", {}).get(report.target_id)
        if report.target_type != Report.TargetType.MESSAGE or message is None:
            return None
        return {"id": message.pk, "conversation": message.conversation_id,
                "sender": {"id": message.sender_id, "name": message.sender.display_name},
                "text": message.text, "created_at": message.created_at}


def _report_out(reports, *, many=False):
    messages = selectors.reported_messages(reports if many else [reports])
    return ReportOut(reports, many=many, context={"messages": messages}).data


class Reports(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReportIn, responses={201: ReportOut})
    def post(self, request):
        params = ReportIn(data=request.data)
        params.is_valid(raise_exception=True)
        report = moderation.report_create(actor=request.user, **params.validated_data)
        return Response(_report_out(report), status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("community", str)],
                   responses=ReportOut(many=True),
                   description="The open reports the caller handles: a community's "
                               "(moderators) or, without `community`, the city's (staff).")
    def get(self, request):
        slug = request.query_params.get("community")
        community = community_get(slug=slug, viewer=request.user) if slug else None
        reports = selectors.report_queue(viewer=request.user, community=community)
        return Response(_report_out(list(reports.select_related("community")[:200]),
                                    many=True))


class HandleIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Report.Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    until = AwareDateTimeField(required=False)


class ReportHandle(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=HandleIn, responses=ReportOut)
    def post(self, request, report_id: int):
        report = selectors.report_get(report_id=report_id)
        # Reports are seen by those who handle them only: to anyone else an
        # existing report answers as a missing one does (no oracle of ids).
        if not policy.moderates_queue(user=request.user, community=report.community):
            raise NotFound()
        params = HandleIn(data=request.data)
        params.is_valid(raise_exception=True)
        report = moderation.report_handle(actor=request.user, report=report,
                                          **params.validated_data)
        return Response(_report_out(report))


class ComplaintIn(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


class ComplaintOut(serializers.ModelSerializer):
    steps = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "booking", "raised_by", "text", "tier", "status", "deadline",
                  "outcome", "created_at", "steps"]

    def get_steps(self, complaint) -> list[dict]:
        return [{"tier": s.tier, "action": s.action, "actor": s.actor_id, "text": s.text,
                 "at": s.created_at} for s in complaint.steps.all()]


class BookingComplaints(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ComplaintIn, responses={201: ComplaintOut})
    def post(self, request, booking_id: int):
        booking = booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = ComplaintIn(data=request.data)
        params.is_valid(raise_exception=True)
        complaint = moderation.complaint_raise(actor=request.user, booking=booking,
                                               text=params.validated_data["text"])
        return Response(ComplaintOut(complaint).data, status=status.HTTP_201_CREATED)


class ResolveIn(serializers.Serializer):
    outcome = serializers.CharField(max_length=3000)


class ComplaintResolve(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ResolveIn, responses=ComplaintOut)
    def post(self, request, complaint_id: int):
        complaint = selectors.complaint_get(complaint_id=complaint_id)
        params = ResolveIn(data=request.data)
        params.is_valid(raise_exception=True)
        complaint = moderation.complaint_resolve(actor=request.user, complaint=complaint,
                                                 outcome=params.validated_data["outcome"])
        return Response(ComplaintOut(complaint).data)


class UnhideIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   default="", help_text="Kept in the moderation log.")


class UnhideOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="The status the listing is back in.")


class ListingUnhide(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=UnhideIn, responses=UnhideOut,
                   description="Lift a listing's moderation hold: a moderator of the "
                               "community whose queue hid it, or city staff.")
    def post(self, request, listing_id: int):
        listing = selectors.held_listing_get(listing_id=listing_id, viewer=request.user)
        params = UnhideIn(data=request.data)
        params.is_valid(raise_exception=True)
        listing = listing_unhide(actor=request.user, listing=listing,
                                 reason=params.validated_data["reason"])
        return Response(UnhideOut({"id": listing.pk, "status": listing.status}).data)


urlpatterns = [
    path("reports/", Reports.as_view(), name="api-reports"),
    path("reports/<int:report_id>/handle/", ReportHandle.as_view(), name="api-report-handle"),
    path("bookings/<int:booking_id>/complaints/", BookingComplaints.as_view(),
         name="api-booking-complaints"),
    path("complaints/<int:complaint_id>/resolve/", ComplaintResolve.as_view(),
         name="api-complaint-resolve"),
    path("listings/<int:listing_id>/unhide/", ListingUnhide.as_view(),
         name="api-listing-unhide"),
]
