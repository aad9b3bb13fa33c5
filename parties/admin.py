from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model

from config.admin import ServiceAdmin

from .models import ApiToken, AuditEntry, Membership, Party
from .services import membership_remove, membership_set, party_create, party_update


class MembershipInline(admin.TabularInline):
    """Who is in the delegation; changed on the membership page, through the service."""

    model = Membership
    extra = 0
    fields = ["user", "role"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Party)
class PartyAdmin(ServiceAdmin):
    """Registered and edited through the services; the code, which brackets and history cite,
    is fixed once the party exists."""

    list_display = ["code", "name", "lead_agency", "kind"]
    search_fields = ["code", "name", "lead_agency"]
    fields = ["code", "name", "lead_agency", "kind", "colour"]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []

    def service_create(self, actor, data):
        return party_create(actor=actor, **data)

    def service_update(self, actor, obj, changes):
        return party_update(actor=actor, party=obj, **changes)


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Placements, moves, role changes and removals go through the services, which audit each and
    refuse anyone placing themselves; the signed-in user is not offered as a member."""

    list_display = ["user", "party", "role"]
    list_filter = ["party", "role"]
    search_fields = ["user__username"]
    fields = ["user", "party", "role"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_create(self, actor, data):
        return membership_set(
            actor=actor, user=data["user"], party=data["party"], role=data["role"]
        )

    def service_update(self, actor, obj, changes):
        return membership_set(
            actor=actor,
            user=obj.user,
            party=changes.get("party", obj.party),
            role=changes.get("role", obj.role),
        )

    def service_delete(self, actor, obj):
        membership_remove(actor=actor, membership=obj)


class SuperuserOnly:
    """Only superusers manage this model in the admin."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)


OWN_APPS = frozenset({"parties", "agreement", "provisions", "negotiations"})

# Models other apps register that stay out of the admin altogether, for superusers too:
# the agency's OpenID Connect client and its secret come from the settings (OIDC_*), and one
# added here would be trusted beside it; identity-provider tokens are credentials, and not kept
# (SOCIALACCOUNT_STORE_TOKENS = False); each authenticator holds a TOTP secret or the seed of
# the recovery codes (a lost device is reset by `manage.py two_factor_reset`, audited); allauth's
# e-mail addresses serve nothing here (nobody signs in, confirms or resets a password by e-mail).
NOT_IN_ADMIN = (
    "socialaccount.SocialApp",
    "socialaccount.SocialToken",
    "mfa.Authenticator",
    "account.EmailAddress",
)


def keep_out_of_admin(site: admin.AdminSite = admin.site) -> None:
    """Unregisters NOT_IN_ADMIN. Called once every app's admin is registered
    (`PartiesConfig.ready`)."""
    for label in NOT_IN_ADMIN:
        model = apps.get_model(label)
        if site.is_registered(model):
            site.unregister(model)


def leave_other_apps_to_superusers(site: admin.AdminSite = admin.site) -> None:
    """Accounts, groups, accounts linked at an identity provider: each can hand one person
    another's access (or superuser status, or permissions), so staff never manage them, whatever
    permissions they hold; superusers do. Called once every app's admin is
    registered (`PartiesConfig.ready`)."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label in OWN_APPS or isinstance(model_admin, SuperuserOnly):
            continue
        site.unregister(model)
        site.register(
            model, type(type(model_admin).__name__, (SuperuserOnly, type(model_admin)), {})
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the application and never changed or removed."""

    list_display = ["at", "kind", "username", "party_code", "actor_username", "client_address"]
    list_filter = ["kind", "party_code"]
    search_fields = ["username", "actor_username", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Which API tokens exist, whose, and until when; never a key nor its digest. The digest is the
    primary key, so rows link to no page and carry no action checkbox. Only a token's owner revokes
    it (on /accounts/tokens/); deactivating an account stops all of its tokens."""

    list_display = ["name", "user", "created", "expiry", "last_used_at"]
    list_display_links = None
    actions = None
    fields = list_display
    search_fields = ["name", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
