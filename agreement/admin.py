from django.contrib import admin

from provisions.selectors import mineral_ever_covered

from .models import Agreement, Chapter, ExportJob, Mineral, Participation


class ParticipationInline(admin.TabularInline):
    model = Participation
    extra = 0


class ChapterInline(admin.TabularInline):
    model = Chapter
    extra = 0


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "created_at"]
    list_filter = ["status"]
    inlines = [ParticipationInline, ChapterInline]


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ["agreement", "party", "standing", "joined_on"]
    list_filter = ["agreement", "standing"]


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["agreement", "number", "title"]
    list_filter = ["agreement"]


@admin.register(Mineral)
class MineralAdmin(admin.ModelAdmin):
    list_display = ["name", "agreement", "hs_codes"]
    list_filter = ["agreement"]
    search_fields = ["name"]
    actions = None  # no bulk deletion: each one is checked below

    def has_delete_permission(self, request, obj=None):
        # Versions name their minerals by id: a mineral any version covered must stay, or history
        # and archives of the agreement would point at nothing.
        return super().has_delete_permission(request, obj) and not (
            obj is not None and mineral_ever_covered(obj)
        )


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
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
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
