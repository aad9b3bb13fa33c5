from django.contrib import admin

from .models import Membership, Party


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
