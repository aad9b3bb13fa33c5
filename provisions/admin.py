from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Presence, Provision


class ViewOnlyAdminMixin:
    """For records with rules (versions, parties, delegation-only material): the admin shows them,
    the application's services change them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Provision)
class ProvisionAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "heading", "agreement", "chapter", "status", "proposed_by", "version"]
    list_filter = ["agreement", "status", "category", "proposed_by"]
    search_fields = ["number", "heading", "body"]
    history_list_display = ["version", "status", "bracket_count", "history_party"]


@admin.register(Presence)
class PresenceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provision", "label", "editing_since", "seen_at"]
