from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.models import CompanyStaff, Profile, ShareCompany, User
from accounts.registration import normalize_registration_number


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "profile__display_name"]
    inlines = [ProfileInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ShareCompanyForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = ShareCompany
        fields = ["name", "slug", "registration_number", "description", "website", "logo"]

    def clean_registration_number(self):
        number = normalize_registration_number(self.cleaned_data["registration_number"])
        if number is None:
            raise forms.ValidationError(_("This is not a valid business registration number."))
        return number


class CompanyStaffInline(admin.TabularInline):
    model = CompanyStaff
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added_at"]


@admin.register(ShareCompany)
class ShareCompanyAdmin(admin.ModelAdmin):
    """City staff see every company; verification goes through the actions
    (accounts.services), so who verified it and when is always kept."""

    form = ShareCompanyForm
    list_display = ["name", "registration_number", "verified_mark", "verified_at",
                    "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug", "registration_number"]
    readonly_fields = ["verified_at", "verified_by", "created_by", "created_at"]
    inlines = [CompanyStaffInline]
    actions = ["verify", "unverify"]

    @admin.display(boolean=True, description=_("verified"))
    def verified_mark(self, company):
        return company.verified

    @admin.action(description=_("Verify the selected companies"))
    def verify(self, request, queryset):
        for company in queryset:
            services.company_verify(actor=request.user, company=company)
        self.message_user(request, _("Verified."), messages.SUCCESS)

    @admin.action(description=_("Withdraw the verification of the selected companies"))
    def unverify(self, request, queryset):
        for company in queryset:
            services.company_unverify(actor=request.user, company=company)
        self.message_user(request, _("Verification withdrawn."), messages.SUCCESS)
