"""Listings API (shared/API.md): parse, call a service or selector, serialize."""

from datetime import timedelta

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from listings.availability import unit_availability
from listings.models import Category, Listing
from listings.search import listing_search, parse_listing_query
from listings.selectors import Viewer, can_manage_listing, listing_get
from listings.services import listing as listing_services
from listings.services import photo as photo_services
from marketplace.api import SearchPagination, paginated
from marketplace.errors import NotFound, ValidationFailed


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    children = serializers.SerializerMethodField()

    def get_children(self, category) -> list[dict]:
        return [{"slug": c.slug, "name": c.name, "children": []}
                for c in category.prefetched_children]


class Categories(APIView):
    permission_classes = []

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        from django.db.models import Prefetch

        tops = Category.objects.filter(parent__isnull=True).prefetch_related(
            Prefetch("children", to_attr="prefetched_children"))
        return Response(CategorySerializer(tops, many=True).data)


def _location(listing: Listing, exact: bool) -> dict:
    """Exact for those who manage the listing; about a kilometre off for
    everyone else, so no one's front door is published."""
    if listing.lat is None:
        return {"district": listing.district, "lat": None, "lng": None, "approximate": False}
    if exact:
        return {"district": listing.district, "lat": listing.lat, "lng": listing.lng,
                "approximate": False}
    return {"district": listing.district, "lat": round(listing.lat, 2),
            "lng": round(listing.lng, 2), "approximate": True}


def _hours(duration) -> float | None:
    return None if duration is None else duration / timedelta(hours=1)


class ListingCardSerializer(serializers.ModelSerializer):
    category = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    company = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = ["id", "title", "kind", "category", "pricing", "price", "deposit", "currency",
                  "location", "company", "thumbnail_url", "distance_km", "status",
                  "instant_booking"]

    def _manages(self, listing) -> bool:
        viewer = self.context.get("viewer")
        return viewer is not None and can_manage_listing(listing=listing, viewer=viewer)

    def get_category(self, listing) -> dict:
        return {"slug": listing.category.slug, "name": listing.category.name}

    def get_location(self, listing) -> dict:
        return _location(listing, self._manages(listing))

    def get_company(self, listing) -> dict | None:
        company = listing.company
        if company is None:
            return None
        return {"slug": company.slug, "name": company.name, "verified": company.verified}

    def get_thumbnail_url(self, listing) -> str | None:
        photos = list(listing.photos.all())
        return photos[0].thumbnail.url if photos else None

    def get_distance_km(self, listing) -> float | None:
        distance = getattr(listing, "distance_km", None)
        return round(distance, 2) if distance is not None else None


class ListingSerializer(ListingCardSerializer):
    units = serializers.SerializerMethodField()
    communities = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    owner_community = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    opening_hours = serializers.SerializerMethodField()
    min_duration_hours = serializers.SerializerMethodField()
    max_duration_hours = serializers.SerializerMethodField()
    lead_time_hours = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    class Meta(ListingCardSerializer.Meta):
        fields = [*ListingCardSerializer.Meta.fields, "description", "condition", "units",
                  "visibility", "communities", "owner", "owner_community", "photos",
                  "opening_hours", "min_duration_hours", "max_duration_hours",
                  "lead_time_hours", "cancellation_policy", "created_at", "updated_at",
                  "can_edit"]

    def get_units(self, listing) -> int:
        return sum(1 for unit in listing.units.all() if unit.is_active)

    def get_communities(self, listing) -> list[dict]:
        viewer = self.context.get("viewer")
        visible = viewer.community_ids if viewer else frozenset()
        return [{"slug": c.slug, "name": c.name} for c in listing.communities.all()
                if c.visibility == "public" or c.pk in visible]

    def get_owner(self, listing) -> dict:
        return {"id": listing.owner_id, "display_name": listing.owner.display_name}

    def get_owner_community(self, listing) -> dict | None:
        community = listing.owner_community
        return {"slug": community.slug, "name": community.name} if community else None

    def get_photos(self, listing) -> list[dict]:
        return [{"id": p.id, "url": p.image.url, "thumbnail_url": p.thumbnail.url,
                 "position": p.position} for p in listing.photos.all()]

    def get_opening_hours(self, listing) -> list[dict]:
        return [{"weekday": h.weekday, "opens": h.opens.strftime("%H:%M"),
                 "closes": h.closes.strftime("%H:%M")} for h in listing.opening_hours.all()]

    def get_min_duration_hours(self, listing) -> float | None:
        return _hours(listing.min_duration)

    def get_max_duration_hours(self, listing) -> float | None:
        return _hours(listing.max_duration)

    def get_lead_time_hours(self, listing) -> float | None:
        return _hours(listing.lead_time)

    def get_can_edit(self, listing) -> bool:
        return self._manages(listing)


class LocationIn(serializers.Serializer):
    district = serializers.CharField(required=False, allow_blank=True, max_length=60)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)


class HoursIn(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = serializers.TimeField()
    closes = serializers.TimeField()


class ListingIn(serializers.Serializer):
    title = serializers.CharField(max_length=140)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    kind = serializers.ChoiceField(Listing.Kind.choices, required=False)
    category = serializers.SlugField()
    # Not a ChoiceField: its enum would collide with the booking condition
    # reports' in the OpenAPI document. The service checks it.
    condition = serializers.CharField(required=False, allow_blank=True, help_text=", ".join(
        Listing.Condition.values))
    pricing = serializers.ChoiceField(Listing.Pricing.choices, required=False)
    price = serializers.IntegerField(required=False, min_value=0)
    deposit = serializers.IntegerField(required=False, min_value=0)
    currency = serializers.CharField(required=False, max_length=3)
    units = serializers.IntegerField(required=False)
    visibility = serializers.ChoiceField(Listing.Visibility.choices, required=False)
    communities = serializers.ListField(child=serializers.SlugField(), required=False)
    location = LocationIn(required=False)
    company = serializers.SlugField(required=False, allow_null=True)
    owner_community = serializers.SlugField(required=False, allow_null=True)
    instant_booking = serializers.BooleanField(required=False)
    min_duration_hours = serializers.FloatField(required=False, min_value=0)
    max_duration_hours = serializers.FloatField(required=False, min_value=0, allow_null=True)
    lead_time_hours = serializers.FloatField(required=False, min_value=0)
    cancellation_policy = serializers.ChoiceField(Listing.CancellationPolicy.choices,
                                                  required=False)
    opening_hours = HoursIn(many=True, required=False)
    status = serializers.ChoiceField(Listing.Status.choices, required=False)


def _service_arguments(data: dict) -> dict:
    """The API's fields, as the listing services take them."""
    arguments = {k: v for k, v in data.items() if k not in (
        "location", "min_duration_hours", "max_duration_hours", "lead_time_hours")}
    if "location" in data:
        arguments.update(data["location"])
    for field in ("min_duration", "max_duration", "lead_time"):
        if f"{field}_hours" in data:
            hours = data[f"{field}_hours"]
            arguments[field] = None if hours is None else timedelta(hours=hours)
    return arguments


def _detail(request, listing_id: int, viewer: Viewer) -> Response:
    listing = listing_get(listing_id=listing_id, viewer=viewer)
    return ListingSerializer(listing, context={"viewer": viewer, "request": request}).data


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str), OpenApiParameter("kind", enum=["item", "service", "space"]),
    OpenApiParameter("category", str), OpenApiParameter("community", str),
    OpenApiParameter("company", str), OpenApiParameter("free", bool),
    OpenApiParameter("max_price", int),
    OpenApiParameter("near", str, description="lat,lng"),
    OpenApiParameter("radius_km", float),
    OpenApiParameter("available_from", str, description="ISO 8601"),
    OpenApiParameter("available_to", str, description="ISO 8601"),
    OpenApiParameter("verified_company", bool),
    OpenApiParameter("sort", enum=["relevance", "newest", "distance", "price"]),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]


class ListingCollection(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = SearchPagination  # also tells the OpenAPI document

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=ListingCardSerializer(many=True))
    def get(self, request):
        viewer = Viewer.of(request.user)
        listings = listing_search(viewer=viewer, query=parse_listing_query(request.query_params))
        return paginated(self, request, listings, lambda page: ListingCardSerializer(
            page, many=True, context={"viewer": viewer}).data)

    @extend_schema(request=ListingIn, responses={201: ListingSerializer})
    def post(self, request):
        params = ListingIn(data=request.data)
        params.is_valid(raise_exception=True)
        listing = listing_services.listing_create(actor=request.user,
                                                  **_service_arguments(params.validated_data))
        return Response(_detail(request, listing.pk, Viewer.of(request.user)),
                        status=status.HTTP_201_CREATED)


class ListingDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=ListingSerializer)
    def get(self, request, listing_id: int):
        return Response(_detail(request, listing_id, Viewer.of(request.user)))

    @extend_schema(request=ListingIn, responses=ListingSerializer)
    def patch(self, request, listing_id: int):
        viewer = Viewer.of(request.user)
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        params = ListingIn(data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        listing_services.listing_update(actor=request.user, listing=listing,
                                        **_service_arguments(params.validated_data))
        return Response(_detail(request, listing_id, Viewer.of(request.user)))

    @extend_schema(responses={204: None})
    def delete(self, request, listing_id: int):
        listing = listing_get(listing_id=listing_id, viewer=Viewer.of(request.user))
        listing_services.listing_archive(actor=request.user, listing=listing)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PhotoIn(serializers.Serializer):
    image = serializers.FileField()


class PhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    thumbnail_url = serializers.CharField()
    position = serializers.IntegerField()


class ListingPhotos(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": PhotoIn}, responses={201: PhotoOut})
    def post(self, request, listing_id: int):
        listing = listing_get(listing_id=listing_id, viewer=Viewer.of(request.user))
        params = PhotoIn(data=request.data)
        params.is_valid(raise_exception=True)
        photo = photo_services.listing_photo_add(actor=request.user, listing=listing,
                                                 image=params.validated_data["image"])
        return Response({"id": photo.pk, "url": photo.image.url,
                         "thumbnail_url": photo.thumbnail.url, "position": photo.position},
                        status=status.HTTP_201_CREATED)


class UnitAvailabilityOut(serializers.Serializer):
    unit = serializers.IntegerField()
    label = serializers.CharField()
    free = serializers.ListField(
        child=serializers.ListField(child=serializers.DateTimeField()),
        help_text="[start, end) intervals when the unit is free.")
    taken = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="[start, end, reason] with reason booked, blackout or closed.")


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
        listing = listing_get(listing_id=listing_id, viewer=Viewer.of(request.user))
        field = serializers.DateTimeField()
        errors = {}
        times = {}
        for name in ("from", "to"):
            try:
                times[name] = field.to_internal_value(request.query_params.get(name, ""))
            except serializers.ValidationError as error:
                errors[name] = [str(e) for e in error.detail]
        if not errors and times["to"] <= times["from"]:
            errors["to"] = [_("The end must be after the start.")]
        if not errors and times["to"] - times["from"] > timedelta(days=90):
            errors["to"] = [_("Ask for at most 90 days at a time.")]
        if errors:
            raise ValidationFailed(fields=errors)
        return Response({"listing": listing.pk,
                         "units": unit_availability(listing, times["from"], times["to"])})


class BlackoutIn(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BlackoutOut(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField()
    source = serializers.CharField()


class ListingBlackouts(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BlackoutOut(many=True))
    def get(self, request, listing_id: int):
        viewer = Viewer.of(request.user)
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        return Response(BlackoutOut(listing.blackouts.all(), many=True).data)

    @extend_schema(request=BlackoutIn, responses={201: BlackoutOut})
    def post(self, request, listing_id: int):
        listing = listing_get(listing_id=listing_id, viewer=Viewer.of(request.user))
        params = BlackoutIn(data=request.data)
        params.is_valid(raise_exception=True)
        blackout = listing_services.listing_blackout_add(actor=request.user, listing=listing,
                                                         **params.validated_data)
        return Response(BlackoutOut(blackout).data, status=status.HTTP_201_CREATED)


class ListingBlackout(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request, listing_id: int, blackout_id: int):
        listing = listing_get(listing_id=listing_id, viewer=Viewer.of(request.user))
        blackout = listing.blackouts.filter(pk=blackout_id).first()
        if blackout is None:
            raise NotFound()
        listing_services.listing_blackout_remove(actor=request.user, blackout=blackout)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("categories/", Categories.as_view(), name="api-categories"),
    path("listings/", ListingCollection.as_view(), name="api-listings"),
    path("listings/<int:listing_id>/", ListingDetail.as_view(), name="api-listing"),
    path("listings/<int:listing_id>/photos/", ListingPhotos.as_view(),
         name="api-listing-photos"),
    path("listings/<int:listing_id>/availability/", ListingAvailability.as_view(),
         name="api-listing-availability"),
    path("listings/<int:listing_id>/blackouts/", ListingBlackouts.as_view(),
         name="api-listing-blackouts"),
    path("listings/<int:listing_id>/blackouts/<int:blackout_id>/", ListingBlackout.as_view(),
         name="api-listing-blackout"),
]
