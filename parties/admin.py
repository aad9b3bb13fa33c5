from django.contrib import admin

from .models import AuditEntry, Membership, Party


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "lead_agency", "kind"]
    search_fields = ["code", "name", "lead_agency"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "party", "role"]
    list_filter = ["party", "role"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the application and never changed or removed."""

    list_display = ["at", "kind", "username", "party", "actor", "client_address"]
    list_filter = ["kind", "party"]
    search_fields = ["username", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
