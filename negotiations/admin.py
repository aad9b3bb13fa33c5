from django.contrib import admin

from config.admin import ServiceAdmin
from parties.access import actor_for
from provisions.admin import ViewOnlyAdminMixin, ViewOnlyHistoryAdmin

from . import services
from .models import (
    ActionItem,
    Comment,
    Consent,
    Notification,
    Position,
    Proposal,
    Resolution,
    Round,
    Watch,
)
from .selectors import comment_list_for, proposal_list_for


@admin.register(Round)
class RoundAdmin(ServiceAdmin):
    """Scheduled and rescheduled through the services (a closed round stays as it was); closed
    from the round's page."""

    list_display = ["agreement", "number", "venue", "starts_on", "ends_on", "closed_at"]
    list_filter = ["agreement"]
    fields = ["agreement", "number", "venue", "starts_on", "ends_on", "closed_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["agreement", "closed_at"] if obj is not None else ["closed_at"]

    def service_create(self, actor, data):
        return services.round_create(actor=actor, **data)

    def service_update(self, actor, obj, changes):
        return services.round_update(actor=actor, round_=obj, **changes)


@admin.register(Position)
class PositionAdmin(ViewOnlyHistoryAdmin):
    """Internal notes are a delegation's own: the admin never shows them."""

    list_display = ["provision", "party", "stance", "updated_at"]
    list_filter = ["party", "stance"]
    exclude = ["internal_note"]
    history_list_display = ["stance", "history_party"]

    def fields_left_out_of_changes(self, older, newer) -> list[str]:
        return ["internal_note"]


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


@admin.register(Proposal)
class ProposalAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """A draft proposal is its delegation's own: the admin shows what the user could read in the
    application, and leaves out the history pages (a draft's earlier rows are the delegation's)."""

    list_display = ["__str__", "party", "state", "created_at"]
    list_filter = ["state", "party"]

    def get_queryset(self, request):
        return proposal_list_for(actor_for(request.user))


@admin.register(Resolution)
class ResolutionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "party", "state", "base_version", "created_at"]
    list_filter = ["state"]


@admin.register(Consent)
class ConsentAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["resolution", "party", "answer", "meeting", "created_at"]
    list_filter = ["answer", "party"]
