"""Admin plumbing shared by every app's admin: the admin writes only through the services.

An admin either leaves a model view-only (`provisions.admin.ViewOnlyAdminMixin`) or subclasses
`ServiceAdmin`, whose saves and deletions call the application's services with the signed-in
user's actor, so the admin obeys the same rules (and writes the same history and audit entries)
as the pages and the API.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpResponseRedirect

from parties.access import Actor, actor_for


class ServiceRefused(Exception):
    """A service refused an admin change: shown to the user as a message, nothing saved."""

    def __init__(self, error: ValidationError | PermissionDenied):
        self.messages = getattr(error, "messages", None) or [str(error)]
        super().__init__(" ".join(self.messages))


class ServiceAdmin(admin.ModelAdmin):
    """Saves call `service_create` / `service_update`; deletions `service_delete` (none by default).

    `service_update` receives only the fields the form changed.
    """

    def service_create(self, actor: Actor, data: dict) -> models.Model:
        raise NotImplementedError

    def service_update(self, actor: Actor, obj: models.Model, changes: dict) -> models.Model:
        raise NotImplementedError

    def service_delete(self, actor: Actor, obj: models.Model) -> None:
        raise PermissionDenied("This record is not deleted.")

    def has_delete_permission(self, request, obj=None):
        offers_delete = type(self).service_delete is not ServiceAdmin.service_delete
        return offers_delete and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        actor = actor_for(request.user)
        try:
            if change:
                # The form has already set the new values on `obj`: the service reads the stored
                # row, so that it sees what really changes.
                stored = type(obj)._default_manager.get(pk=obj.pk)
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                saved = self.service_update(actor, stored, changes) if changes else stored
            else:
                saved = self.service_create(actor, dict(form.cleaned_data))
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(error) from error
        # The admin goes on to log the change against `obj`: make it the saved row.
        obj.__dict__.update(saved.__dict__)

    def delete_model(self, request, obj):
        try:
            self.service_delete(actor_for(request.user), obj)
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(error) from error

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusals_as_messages(
            request, super().changeform_view, request, object_id, form_url, extra_context
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._refusals_as_messages(
            request, super().delete_view, request, object_id, extra_context
        )

    def changelist_view(self, request, extra_context=None):
        return self._refusals_as_messages(request, super().changelist_view, request, extra_context)

    def _refusals_as_messages(self, request, view, *args):
        try:
            with transaction.atomic():
                return view(*args)
        except ServiceRefused as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
