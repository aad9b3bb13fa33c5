from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from parties.access import actor_for
from provisions.admin import ViewOnlyAdminMixin

from .models import ActionItem, Comment, Notification, Position, Round, Watch
from .selectors import comment_list_for


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["agreement", "number", "venue", "starts_on", "ends_on", "closed_at"]
    list_filter = ["agreement"]


@admin.register(Position)
class PositionAdmin(ViewOnlyAdminMixin, SimpleHistoryAdmin):
    """Internal notes are a delegation's own: the admin never shows them."""

    list_display = ["provision", "party", "stance", "updated_at"]
    list_filter = ["party", "stance"]
    exclude = ["internal_note"]
    history_list_display = ["stance", "history_party"]

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page lists what changed between versions: never the internal note."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=["internal_note"],
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


@admin.register(Comment)
class CommentAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Only the comments the signed-in user could read in the application."""

    list_display = ["provision", "author", "party", "visibility", "created_at"]
    list_filter = ["visibility", "party"]
    search_fields = ["body"]

    def get_queryset(self, request):
        return comment_list_for(actor_for(request.user))


@admin.register(ActionItem)
class ActionItemAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "owner_party", "assignee", "due_on", "done"]
    list_filter = ["owner_party", "done"]
    search_fields = ["title"]


@admin.register(Watch)
class WatchAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "agreement", "chapter", "provision", "created_at"]


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """A notification can quote delegation-only material: the admin shows only one's own."""

    list_display = ["recipient", "kind", "message", "created_at", "read_at"]
    list_filter = ["kind"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(recipient=request.user)
