"""Bookings API (shared/API.md): parse, call a service or selector, serialize."""

from datetime import timedelta

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import pricing, selectors
from bookings import rules as booking_rules
from bookings.availability import unit_availability
from bookings.models import Booking, ConditionReport
from bookings.services import booking as services
from bookings.services import calendar as calendar_services
from bookings.services import condition as condition_services
from bookings.services import extension as extension_services
from bookings.services import review as review_services
from bookings.services import waitlist as waitlist_services
from bookings.transitions import BORROWER, LENDER, actions_for
from listings.models import Listing
from listings.selectors import Viewer, can_manage_listing, listing_get, managed_q
from marketplace.api import Pagination, paginated
from marketplace.dates import REFUSE, AwareDateTimeField, datetime_from_input
from marketplace.errors import NotFound, ValidationFailed


class BookingRequestSerializer(serializers.Serializer):
    listing = serializers.IntegerField()
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    community = serializers.SlugField(required=False, allow_blank=True, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TransitionSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor(self, transition) -> dict | None:
        if transition.actor is None:
            return None
        return {"id": transition.actor_id, "display_name": transition.actor.display_name}


class BookingSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    borrower = serializers.SerializerMethodField()
    # None for a booking asked for outside any community.
    community = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ["id", "listing", "unit", "borrower", "community", "start", "end", "status",
                  "message", "rental", "fees", "deposit", "total", "currency",
                  "cancellation_policy", "is_overdue", "expires_at", "picked_up_at",
                  "returned_at", "created_at", "actions"]

    def get_listing(self, booking) -> dict:
        return {"id": booking.listing_id, "title": booking.listing.title}

    def get_unit(self, booking) -> dict:
        return {"id": booking.unit_id, "label": booking.unit.label}

    def get_borrower(self, booking) -> dict:
        return {"id": booking.borrower_id, "display_name": booking.borrower.display_name}

    def get_actions(self, booking) -> list[str]:
        """What the caller may do next (buttons in an app)."""
        user = self.context["request"].user
        sides = set()
        if booking.borrower_id == user.pk:
            sides.add(BORROWER)
        if booking.listing_id in self.context["managed_listing_ids"]:
            sides.add(LENDER)
        return actions_for(status=booking.status, sides=sides)


class BookingDetailSerializer(BookingSerializer):
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "transitions"]


def _context(request, viewer: Viewer) -> dict:
    managed = set(Listing.objects.filter(managed_q(viewer)).values_list("pk", flat=True))
    return {"request": request, "managed_listing_ids": managed}


def _one_booking_context(request, viewer: Viewer, booking: Booking) -> dict:
    """_context for one booking: whether the viewer manages its listing is
    told by the listing itself, no query."""
    managed = ({booking.listing_id} if can_manage_listing(listing=booking.listing, viewer=viewer)
               else set())
    return {"request": request, "managed_listing_ids": managed}


class BookingListQuery(serializers.Serializer):
    role = serializers.ChoiceField(["borrower", "lender"], required=False,
                                   help_text="Only as borrower, or only as lender.")
    status = serializers.ChoiceField(Booking.Status.choices, required=False)


class BookingCollection(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination

    @extend_schema(parameters=[BookingListQuery], responses=BookingSerializer(many=True))
    def get(self, request):
        viewer = Viewer.of(request.user)
        # A plain dict: from a QueryDict DRF skips an empty choice silently.
        query = BookingListQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        bookings = selectors.booking_list(viewer=viewer, **query.validated_data)
        context = _context(request, viewer)
        return paginated(self, request, bookings,
                         lambda page: BookingSerializer(page, many=True, context=context).data)

    @extend_schema(request=BookingRequestSerializer, responses={201: BookingDetailSerializer})
    def post(self, request):
        params = BookingRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        viewer = Viewer.of(request.user)
        booking = services.booking_request(
            actor=request.user, listing_id=data["listing"], start=data["start"],
            end=data["end"], community=data.get("community") or None,
            message=data.get("message", ""), viewer=viewer,
        )
        booking = selectors.booking_get(booking_id=booking.pk, viewer=viewer,
                                        related=selectors.API_RELATED)
        context = _one_booking_context(request, viewer, booking)
        return Response(BookingDetailSerializer(booking, context=context).data,
                        status=status.HTTP_201_CREATED)


class BookingDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BookingDetailSerializer)
    def get(self, request, booking_id: int):
        viewer = Viewer.of(request.user)
        booking = selectors.booking_get(booking_id=booking_id, viewer=viewer,
                                        related=selectors.API_RELATED)
        context = _one_booking_context(request, viewer, booking)
        return Response(BookingDetailSerializer(booking, context=context).data)


class BookingActionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class BookingAction(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BookingActionSerializer, responses=BookingDetailSerializer,
                   operation_id="v1_bookings_action",
                   description="approve, decline, cancel, pickup, return, complete, dispute, "
                               "no_show")
    def post(self, request, booking_id: int, action: str):
        viewer = Viewer.of(request.user)
        booking = selectors.booking_get(booking_id=booking_id, viewer=viewer)
        params = BookingActionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.booking_act(actor=request.user, booking=booking, action=action,
                             note=params.validated_data.get("note", ""))
        booking = selectors.booking_get(booking_id=booking_id, viewer=viewer,
                                        related=selectors.API_RELATED)
        context = _one_booking_context(request, viewer, booking)
        return Response(BookingDetailSerializer(booking, context=context).data)


class QuoteParams(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    community = serializers.SlugField(required=False)


class ListingQuote(APIView):
    @extend_schema(
        parameters=[QuoteParams],
        responses={200: {"type": "object"}},
        description="Rental, fees, deposit, total and the cancellation policy, before "
                    "anyone commits.",
    )
    def get(self, request, listing_id: int):
        viewer = Viewer.of(request.user)
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        params = QuoteParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        start, end = params.validated_data["start"], params.validated_data["end"]
        if start >= end:
            message = _("The end must be after the start.")
            raise ValidationFailed(message, fields={"end": [message]})
        slug = params.validated_data.get("community")
        community = booking_rules.quoted_community(listing=listing, viewer=viewer, slug=slug)
        return Response({**pricing.quote(listing, start, end).as_dict(),
                         "rules": booking_rules.rules_that_apply(
                             listing=listing, community=community, asker=request.user)})


class ReviewSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(required=False, allow_blank=True, max_length=3000)


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    side = serializers.CharField()
    rating = serializers.IntegerField()
    text = serializers.CharField()
    published = serializers.SerializerMethodField()

    def get_published(self, review) -> bool:
        return review.published_at is not None


class BookingReviews(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReviewSerializer, responses={201: ReviewOut})
    def post(self, request, booking_id: int):
        booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = ReviewSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        review = review_services.review_create(actor=request.user, booking=booking,
                                               **params.validated_data)
        return Response(ReviewOut(review).data, status=status.HTTP_201_CREATED)


class ExtensionIn(serializers.Serializer):
    new_end = AwareDateTimeField()


class ExtensionOut(serializers.Serializer):
    id = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    new_end = serializers.DateTimeField()
    rental = serializers.IntegerField(help_text="What the extra time adds to the rental.")
    fees = serializers.IntegerField(help_text="What it adds to the fees.")
    status = serializers.CharField()


class ExtensionQuoteOut(serializers.Serializer):
    new_end = serializers.DateTimeField()
    rental = serializers.IntegerField()
    fees = serializers.IntegerField()
    total = serializers.IntegerField()
    currency = serializers.CharField()


class BookingExtensions(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("new_end", str, required=True,
                                                description="ISO 8601 with offset")],
                   responses=ExtensionQuoteOut,
                   description="What keeping the item until `new_end` would add, checked "
                               "as the request would be, before the borrower asks.")
    def get(self, request, booking_id: int):
        booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = ExtensionIn(data=request.query_params)
        params.is_valid(raise_exception=True)
        quote = extension_services.extension_quote(
            actor=request.user, booking=booking, new_end=params.validated_data["new_end"])
        return Response(ExtensionQuoteOut(quote).data)

    @extend_schema(request=ExtensionIn, responses={201: ExtensionOut})
    def post(self, request, booking_id: int):
        booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = ExtensionIn(data=request.data)
        params.is_valid(raise_exception=True)
        extension = extension_services.extension_request(
            actor=request.user, booking=booking, new_end=params.validated_data["new_end"])
        return Response(ExtensionOut(extension).data, status=status.HTTP_201_CREATED)


class ExtensionDecision(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ExtensionOut)
    def post(self, request, extension_id: int, decision: str):
        extension = selectors.extension_get(extension_id=extension_id,
                                            viewer=Viewer.of(request.user))
        if decision not in ("approve", "decline"):
            raise NotFound()
        extension = extension_services.extension_decide(
            actor=request.user, extension=extension, approve=decision == "approve")
        return Response(ExtensionOut(extension).data)


class ConditionReportIn(serializers.Serializer):
    stage = serializers.ChoiceField(choices=ConditionReport.Stage.choices)
    condition = serializers.ChoiceField(choices=ConditionReport.Condition.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    photos = serializers.ListField(child=serializers.FileField(), required=False,
                                   max_length=6)


class ConditionReportOut(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.CharField()
    condition = serializers.CharField()
    note = serializers.CharField()
    author = serializers.IntegerField(source="author_id")
    created_at = serializers.DateTimeField()
    photos = serializers.SerializerMethodField()

    def get_photos(self, report) -> list[dict]:
        return [{"url": p.image_url, "thumbnail_url": p.thumbnail_url}
                for p in report.photos.all()]


class BookingConditionReports(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request={"multipart/form-data": ConditionReportIn},
                   responses={201: ConditionReportOut})
    def post(self, request, booking_id: int):
        booking = selectors.booking_get(booking_id=booking_id, viewer=Viewer.of(request.user))
        params = ConditionReportIn(data={
            "stage": request.data.get("stage"), "condition": request.data.get("condition"),
            "note": request.data.get("note", ""), "photos": request.FILES.getlist("photos"),
        })
        params.is_valid(raise_exception=True)
        data = params.validated_data
        report = condition_services.condition_report_add(
            actor=request.user, booking=booking, stage=data["stage"],
            condition=data["condition"], note=data.get("note", ""),
            photos=data.get("photos", []))
        return Response(ConditionReportOut(report).data, status=status.HTTP_201_CREATED)


class WaitlistIn(serializers.Serializer):
    start = AwareDateTimeField()
    end = AwareDateTimeField()


class ListingWaitlist(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=WaitlistIn, responses={201: {"type": "object"}})
    def post(self, request, listing_id: int):
        params = WaitlistIn(data=request.data)
        params.is_valid(raise_exception=True)
        entry = waitlist_services.waitlist_join(actor=request.user, listing_id=listing_id,
                                                **params.validated_data)
        return Response({"id": entry.pk, "listing": listing_id,
                         "start": entry.start, "end": entry.end},
                        status=status.HTTP_201_CREATED)


class CalendarLinks(APIView):
    """The secret address of the caller's bookings feed."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: {"type": "object"}})
    def get(self, request):
        feed = calendar_services.calendar_feed_get_or_create(actor=request.user)
        return Response({"url": request.build_absolute_uri(
            reverse("calendar-feed", args=[feed.token]))})


class CalendarReset(APIView):
    """A new secret address for the caller's bookings feed, or (with
    `listing`) for a listing's feed the caller manages; the old one 404s."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request={"application/json": {"type": "object", "properties": {
        "listing": {"type": "integer", "nullable": True,
                    "description": "A listing you manage; empty for your own feed."}}}},
        responses={200: {"type": "object"}})
    def post(self, request):
        if not isinstance(request.data, dict):
            raise ValidationFailed(_("Send an object, e.g. {\"listing\": 12}."))
        listing_id, listing = request.data.get("listing"), None
        if listing_id not in (None, ""):
            if not str(listing_id).isdigit():
                raise ValidationFailed(fields={"listing": [_("Give a listing's number.")]})
            listing = listing_get(listing_id=int(listing_id), viewer=Viewer.of(request.user))
        feed = calendar_services.calendar_feed_get_or_create(actor=request.user,
                                                             listing=listing)
        feed = calendar_services.calendar_feed_rotate(actor=request.user, feed=feed)
        return Response({"url": request.build_absolute_uri(
            reverse("calendar-feed", args=[feed.token]))})


class UnitAvailabilityOut(serializers.Serializer):
    unit = serializers.IntegerField()
    label = serializers.CharField()
    free = serializers.ListField(
        child=serializers.ListField(child=serializers.DateTimeField()),
        help_text="[start, end) intervals when the unit is free.")
    taken = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[start, end, reason]: reason closed (outside the opening hours) or "
                  "unavailable; for those who manage the listing, booked or blackout "
                  "instead of unavailable.")


class AvailabilityOut(serializers.Serializer):
    listing = serializers.IntegerField()
    units = UnitAvailabilityOut(many=True)


class ListingAvailability(APIView):
    permission_classes = []

    @extend_schema(parameters=[
        OpenApiParameter("from", str, required=True, description="ISO 8601 with offset"),
        OpenApiParameter("to", str, required=True,
                         description="ISO 8601 with offset; at most 90 days after from")],
        responses=AvailabilityOut)
    def get(self, request, listing_id: int):
        viewer = Viewer.of(request.user)
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        errors = {}
        times = {}
        for name in ("from", "to"):
            try:
                times[name] = datetime_from_input(request.query_params.get(name), field=name,
                                                  naive=REFUSE, required=True)
            except ValidationFailed as error:
                errors.update(error.extra["fields"])
        if not errors and times["to"] <= times["from"]:
            errors["to"] = [_("The end must be after the start.")]
        if not errors and times["to"] - times["from"] > timedelta(days=90):
            errors["to"] = [_("Ask for at most 90 days at a time.")]
        if errors:
            raise ValidationFailed(fields=errors)
        return Response({"listing": listing.pk,
                         "units": unit_availability(
                             listing, times["from"], times["to"],
                             detailed=can_manage_listing(listing=listing, viewer=viewer))})


urlpatterns = [
    path("bookings/", BookingCollection.as_view(), name="api-bookings"),
    path("bookings/<int:booking_id>/", BookingDetail.as_view(), name="api-booking"),
    path("bookings/<int:booking_id>/reviews/", BookingReviews.as_view(),
         name="api-booking-reviews"),
    path("bookings/<int:booking_id>/extensions/", BookingExtensions.as_view(),
         name="api-booking-extensions"),
    path("bookings/<int:booking_id>/condition-reports/", BookingConditionReports.as_view(),
         name="api-booking-condition-reports"),
    path("extensions/<int:extension_id>/<str:decision>/", ExtensionDecision.as_view(),
         name="api-extension-decision"),
    path("listings/<int:listing_id>/waitlist/", ListingWaitlist.as_view(),
         name="api-listing-waitlist"),
    path("calendar/", CalendarLinks.as_view(), name="api-calendar"),
    path("calendar/reset/", CalendarReset.as_view(), name="api-calendar-reset"),
    path("bookings/<int:booking_id>/<str:action>/", BookingAction.as_view(),
         name="api-booking-action"),
    path("listings/<int:listing_id>/quote/", ListingQuote.as_view(), name="api-listing-quote"),
    path("listings/<int:listing_id>/availability/", ListingAvailability.as_view(),
         name="api-listing-availability"),
]
