from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Provision


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    """Read-mostly: text is edited through the application so that versions are checked."""

    list_display = ["number", "heading", "agreement", "chapter", "status", "proposed_by", "version"]
    list_filter = ["agreement", "status", "category", "proposed_by"]
    search_fields = ["number", "heading", "body"]
    readonly_fields = ["version", "bracket_count", "status", "body"]
    history_list_display = ["version", "status", "bracket_count", "history_party"]
