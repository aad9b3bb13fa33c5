from django.contrib import admin

from config.admin import ServiceAdmin
from provisions.admin import ViewOnlyAdminMixin
from provisions.selectors import mineral_ever_covered
from provisions.services import mineral_delete

from . import services
from .models import Agreement, Chapter, ExportJob, Mineral, Participation


class ParticipationInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Participation
    extra = 0


class ChapterInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Chapter
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(ServiceAdmin):
    list_display = ["title", "status", "created_at"]
    list_filter = ["status"]
    fields = ["title", "short_title", "status", "description"]
    inlines = [ParticipationInline, ChapterInline]

    def service_create(self, actor, data):
        return services.agreement_create(actor=actor, **data)

    def service_update(self, actor, obj, changes):
        return services.agreement_update(actor=actor, agreement=obj, **changes)


@admin.register(Participation)
class ParticipationAdmin(ServiceAdmin):
    """A party is admitted through the service; its standing and date are then the record."""

    list_display = ["agreement", "party", "standing", "joined_on"]
    list_filter = ["agreement", "standing"]
    fields = ["agreement", "party", "standing", "joined_on"]

    def has_change_permission(self, request, obj=None):
        return False

    def service_create(self, actor, data):
        return services.participation_add(actor=actor, **data)


@admin.register(Chapter)
class ChapterAdmin(ServiceAdmin):
    list_display = ["agreement", "number", "title"]
    list_filter = ["agreement"]
    fields = ["agreement", "number", "title"]

    def get_readonly_fields(self, request, obj=None):
        return ["agreement"] if obj is not None else []

    def service_create(self, actor, data):
        return services.chapter_create(actor=actor, **data)

    def service_update(self, actor, obj, changes):
        return services.chapter_update(actor=actor, chapter=obj, **changes)


@admin.register(Mineral)
class MineralAdmin(ServiceAdmin):
    list_display = ["name", "agreement", "hs_codes"]
    list_filter = ["agreement"]
    search_fields = ["name"]
    fields = ["agreement", "name", "hs_codes"]
    actions = None  # no bulk deletion: each one is checked below

    def get_readonly_fields(self, request, obj=None):
        return ["agreement"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Only a mineral no version ever covered offers deletion (the service refuses the rest).
        return super().has_delete_permission(request, obj) and not (
            obj is not None and mineral_ever_covered(obj)
        )

    def service_create(self, actor, data):
        return services.mineral_create(actor=actor, **data)

    def service_update(self, actor, obj, changes):
        return services.mineral_update(actor=actor, mineral=obj, **changes)

    def service_delete(self, actor, obj):
        mineral_delete(actor=actor, mineral=obj)


@admin.register(ExportJob)
class ExportJobAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Who received which file: the record of every export, read-only."""

    list_display = [
        "id",
        "agreement",
        "requested_by",
        "format",
        "variant",
        "as_of_label",
        "status",
        "created_at",
    ]
    list_filter = ["status", "format", "variant"]
