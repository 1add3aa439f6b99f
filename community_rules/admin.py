"""The admin for city staff: communities to look up and correct, memberships
and their log to read. Memberships change only through the services (the
site and the API), so every change is checked and logged; here they are
read-only."""

from django.contrib import admin

from community_rules.models import Community, Membership, MembershipEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "status", "joined_at", "suspended_until"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "district", "join_policy", "visibility", "governance",
                    "created_at"]
    list_filter = ["join_policy", "visibility", "governance"]
    search_fields = ["name", "slug", "district"]
    # The slug is in links people shared; the governance mode changes by the
    # community's own rules (versioned there), as do its voting settings.
    readonly_fields = ["slug", "governance", "quorum_percent", "threshold_percent",
                       "voting_days", "created_by", "created_at"]
    fields = ["name", "slug", "description", "district", "join_policy", "visibility",
              "governance", "quorum_percent", "threshold_percent", "voting_days",
              "created_by", "created_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "role", "status", "joined_at", "suspended_until"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "community__name", "community__slug"]
    list_select_related = ["user", "community"]


@admin.register(MembershipEvent)
class MembershipEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "actor", "action", "user", "from_value",
                    "to_value", "reason"]
    list_filter = ["action"]
    search_fields = ["user__email", "actor__email", "community__name", "reason"]
    list_select_related = ["user", "actor", "community"]
    date_hierarchy = "created_at"
