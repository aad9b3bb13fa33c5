from django.contrib import admin
from django.core.exceptions import PermissionDenied
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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POSTed version page whatever the change permission says: that would
        # make an old version current with no version check, its version number going backwards.
        if request.method == "POST":
            raise PermissionDenied("History is read-only here; the application reverts versions.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ViewOnlyHistoryAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """A versioned record's history, listing what changed between versions, except the fields
    `fields_left_out_of_changes` names."""

    def fields_left_out_of_changes(self, older, newer) -> list[str]:
        return []

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=self.fields_left_out_of_changes(previous, current),
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


@admin.register(Provision)
class ProvisionAdmin(ViewOnlyHistoryAdmin):
    list_display = ["number", "heading", "agreement", "chapter", "status", "proposed_by", "version"]
    list_filter = ["agreement", "status", "category", "proposed_by"]
    search_fields = ["number", "heading", "body"]
    history_list_display = ["version", "status", "bracket_count", "history_party"]

    def fields_left_out_of_changes(self, older, newer) -> list[str]:
        # Minerals only where both versions recorded them.
        return [] if older.minerals_recorded and newer.minerals_recorded else ["minerals"]


@admin.register(Presence)
class PresenceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provision", "label", "editing_since", "seen_at"]
