"""City staff look at listings here. People change their listings through
the site and the API (the services check them); the admin is for reading
and for the rare correction, so what the services keep in step (units,
search words, the opening-hours flag) is shown, not edited."""

from django.contrib import admin

from listings import vocabulary
from listings.models import (
    Blackout,
    Category,
    Listing,
    ListingPhoto,
    ListingUnit,
    OpeningHours,
    SearchTerm,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "name_ko", "parent", "position"]
    list_filter = ["parent"]
    search_fields = ["slug", "name_en", "name_ko"]
    ordering = ["parent__position", "position", "slug"]


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    """Staff teach search a pair of words (the shipped ones are in
    listings/vocabulary.csv); searches use it at once."""

    list_display = ["korean", "english"]
    search_fields = ["korean", "english"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        vocabulary.forget()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        vocabulary.forget()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        vocabulary.forget()


class UnitInline(admin.TabularInline):
    model = ListingUnit
    extra = 0
    fields = ["label", "position", "is_active"]
    readonly_fields = ["label", "position"]
    can_delete = False  # bookings point at units: retire them instead


class PhotoInline(admin.TabularInline):
    model = ListingPhoto
    extra = 0
    fields = ["image", "thumbnail", "width", "height", "position"]
    readonly_fields = ["image", "thumbnail", "width", "height"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    readonly_fields = ["weekday", "opens", "closes"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BlackoutInline(admin.TabularInline):
    model = Blackout
    extra = 0
    fields = ["starts_at", "ends_at", "reason", "source"]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "category", "owner", "company", "owner_community",
                    "pricing", "price", "currency", "visibility", "status", "created_at"]
    list_filter = ["status", "kind", "visibility", "pricing", "category__parent"]
    search_fields = ["title", "description", "district", "owner__email", "company__name",
                     "owner_community__name"]
    raw_id_fields = ["owner", "company", "owner_community"]
    filter_horizontal = ["communities"]
    readonly_fields = ["search_tokens", "has_opening_hours", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "owner", "company", "owner_community"]
    inlines = [UnitInline, PhotoInline, OpeningHoursInline, BlackoutInline]


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ["listing", "starts_at", "ends_at", "source", "reason"]
    list_filter = ["source"]
    raw_id_fields = ["listing"]
    search_fields = ["listing__title"]
