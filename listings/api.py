"""Listings API (shared/API.md): parse, call a service or selector, serialize."""

import math
from datetime import timedelta

from django.urls import path
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import designation_current
from listings.models import MAX_SPAN, MAX_WON, Category, Listing
from listings.search import listing_search, parse_listing_query, search_hints
from listings.selectors import Viewer, can_manage_listing, community_shown, listing_get
from listings.services import listing as listing_services
from listings.services import photo as photo_services
from marketplace.api import SearchPagination, paginated
from marketplace.dates import REFUSE, AwareDateTimeField
from marketplace.errors import NotFound


class CategorySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    children = serializers.SerializerMethodField()

    def get_children(self, category) -> list[dict]:
        return [{"slug": c.slug, "name": c.name, "children": []}
                for c in category.prefetched_children]


class Categories(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request):
        from django.db.models import Prefetch

        tops = Category.objects.filter(parent__isnull=True).prefetch_related(
            Prefetch("children", to_attr="prefetched_children"))
        return Response(CategorySerializer(tops, many=True).data)


def _location(listing: Listing, exact: bool) -> dict:
    """Exact for those who manage the listing; about a kilometre off for
    everyone else, so no one's front door is published: the stored
    approximate point, the one search measures distances from."""
    if listing.lat is None:
        return {"district": listing.district, "lat": None, "lng": None, "approximate": False}
    if exact:
        return {"district": listing.district, "lat": listing.lat, "lng": listing.lng,
                "approximate": False}
    return {"district": listing.district, "lat": listing.approx_lat,
            "lng": listing.approx_lng, "approximate": True}


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
        fields = ["id", "title", "kind", "category", "pricing", "price", "deposit",
                  "replacement_value", "currency",
                  "location", "company", "thumbnail_url", "distance_km", "status",
                  "instant_booking", "cash_at_pickup"]

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
        # Search results know whether the company is designated today.
        designated = getattr(listing, "company_designated", None)
        if designated is None:
            designated = designation_current(company) is not None
        return {"slug": company.slug, "name": company.name, "verified": company.verified,
                "designated": designated}

    def get_thumbnail_url(self, listing) -> str | None:
        photos = list(listing.photos.all())
        return photos[0].thumbnail_url if photos else None

    @extend_schema_field(serializers.FloatField(
        allow_null=True, help_text="From the approximate point, to half a kilometre."))
    def get_distance_km(self, listing) -> float | None:
        distance = getattr(listing, "distance_km", None)  # search rounds it (listings/search.py)
        return round(distance, 1) if distance is not None else None


class HoldCommunityOut(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class HoldOut(serializers.Serializer):
    held_at = serializers.DateTimeField()
    reason = serializers.CharField(help_text="Why the moderators hid it.")
    community = HoldCommunityOut(allow_null=True,
                                 help_text="Whose moderators hid it; null: city staff.")
    lifted_by = serializers.ChoiceField(
        choices=["moderators", "staff"],
        help_text="moderators: that community's moderators or city staff lift it; "
                  "staff: city staff only.")
    detail = serializers.CharField(help_text="The whole story, in the reader's language.")


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
    hold = serializers.SerializerMethodField(
        help_text="A moderation hold, for those who manage the listing (null for others "
                  "and when there is none).")

    class Meta(ListingCardSerializer.Meta):
        fields = [*ListingCardSerializer.Meta.fields, "description", "condition", "units",
                  "visibility", "communities", "owner", "owner_community", "photos",
                  "opening_hours", "min_duration_hours", "max_duration_hours",
                  "lead_time_hours", "cancellation_policy", "created_at", "updated_at",
                  "can_edit", "hold"]

    def get_units(self, listing) -> int:
        return sum(1 for unit in listing.units.all() if unit.is_active)

    def _viewer(self) -> Viewer:
        return self.context.get("viewer") or Viewer.of(None)

    def get_communities(self, listing) -> list[dict]:
        viewer = self._viewer()
        return [{"slug": c.slug, "name": c.name} for c in listing.communities.all()
                if community_shown(community=c, viewer=viewer)]

    def get_owner(self, listing) -> dict:
        return {"id": listing.owner_id, "display_name": listing.owner.display_name}

    def get_owner_community(self, listing) -> dict | None:
        """Null for those outside a private community that lends it."""
        community = listing.owner_community
        if not community_shown(community=community, viewer=self._viewer()):
            return None
        return {"slug": community.slug, "name": community.name}

    def get_photos(self, listing) -> list[dict]:
        return [{"id": p.id, "url": p.image_url, "thumbnail_url": p.thumbnail_url,
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

    @extend_schema_field(HoldOut(allow_null=True))
    def get_hold(self, listing) -> dict | None:
        if not listing.is_held or not self._manages(listing):
            return None
        community = listing.held_in
        return HoldOut({
            "held_at": listing.held_at, "reason": listing.held_reason,
            "community": {"slug": community.slug, "name": community.name}
            if community else None,
            "lifted_by": "moderators" if community else "staff",
            "detail": listing_services.hold_refusal(listing)}).data


class LocationIn(serializers.Serializer):
    district = serializers.CharField(required=False, allow_blank=True, max_length=60)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)


class HoursIn(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens = serializers.TimeField()
    closes = serializers.TimeField()


class HoursField(serializers.FloatField):
    """A number of hours from 0 to MAX_SPAN (a year). NaN is refused too: it
    passes the bounds, every comparison with it being false."""

    default_error_messages = {"not_finite": gettext_lazy("Give a number of hours.")}

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=MAX_SPAN / timedelta(hours=1), **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


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
    price = serializers.IntegerField(required=False, min_value=0, max_value=MAX_WON)
    deposit = serializers.IntegerField(required=False, min_value=0, max_value=MAX_WON)
    replacement_value = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_WON,
        help_text="What it would cost new, in won; null: not declared.")
    # KRW only for now: the service refuses another code, saying so.
    currency = serializers.CharField(required=False, max_length=3)
    units = serializers.IntegerField(required=False)
    visibility = serializers.ChoiceField(Listing.Visibility.choices, required=False)
    communities = serializers.ListField(child=serializers.SlugField(), required=False)
    location = LocationIn(required=False)
    company = serializers.SlugField(required=False, allow_null=True)
    owner_community = serializers.SlugField(required=False, allow_null=True)
    instant_booking = serializers.BooleanField(required=False)
    cash_at_pickup = serializers.BooleanField(required=False)
    min_duration_hours = HoursField(required=False)
    max_duration_hours = HoursField(required=False, allow_null=True)
    lead_time_hours = HoursField(required=False)
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
    OpenApiParameter("designated", bool,
                     description="Only listings of share companies the city designates "
                                 "(valid today)."),
    OpenApiParameter("sort", enum=["relevance", "newest", "distance", "price"]),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int),
]


class ListingCollection(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    pagination_class = SearchPagination  # also tells the OpenAPI document

    @extend_schema(parameters=SEARCH_PARAMETERS, responses=ListingCardSerializer(many=True))
    def get(self, request):
        viewer = Viewer.of(request.user)
        query = parse_listing_query(request.query_params, naive=REFUSE)
        response = paginated(self, request, listing_search(viewer=viewer, query=query),
                             lambda page: ListingCardSerializer(
                                 page, many=True, context={"viewer": viewer}).data)
        if response.data["count"] == 0:
            # No dead end: where the listings are, and a looser search.
            response.data["hints"] = search_hints(viewer=viewer, query=query)
        return response

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
        return Response({"id": photo.pk, "url": photo.image_url,
                         "thumbnail_url": photo.thumbnail_url, "position": photo.position},
                        status=status.HTTP_201_CREATED)


class BlackoutIn(serializers.Serializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BlackoutOut(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(
        allow_blank=True, help_text="Empty for those who do not manage the listing.")
    source = serializers.CharField(
        allow_blank=True, help_text="manual or calendar; empty for those who do not manage "
                                    "the listing.")


def _blackouts_shown(blackouts, *, manages: bool) -> list[dict]:
    """Its managers see why a listing is closed (imported calendar titles
    included) and where the period came from; everyone else only when
    (issue 15)."""
    return [{"id": b.pk, "starts_at": b.starts_at, "ends_at": b.ends_at,
             "reason": b.reason if manages else "", "source": b.source if manages else ""}
            for b in blackouts]


class ListingBlackouts(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BlackoutOut(many=True))
    def get(self, request, listing_id: int):
        viewer = Viewer.of(request.user)
        listing = listing_get(listing_id=listing_id, viewer=viewer)
        manages = can_manage_listing(listing=listing, viewer=viewer)
        return Response(BlackoutOut(_blackouts_shown(listing.blackouts.all(), manages=manages),
                                    many=True).data)

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
    path("listings/<int:listing_id>/blackouts/", ListingBlackouts.as_view(),
         name="api-listing-blackouts"),
    path("listings/<int:listing_id>/blackouts/<int:blackout_id>/", ListingBlackout.as_view(),
         name="api-listing-blackout"),
]
