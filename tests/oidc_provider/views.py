"""The test harness's way in, over HTTP with a key the provider is given at start: create or update
a person, allow the application one more redirect URI. The tests change people many times a
session; a request costs milliseconds where a management command in a process of its own costs a
Python and Django start."""

import hmac
import json

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application


def _from_the_harness(request) -> bool:
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(settings.HARNESS_KEY) and hmac.compare_digest(key, settings.HARNESS_KEY)


@csrf_exempt
@require_POST
def person(request, username: str):
    """PUT-like: the person `username` with exactly this password, e-mail and groups."""
    if not _from_the_harness(request):
        return HttpResponseForbidden()
    wanted = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=username)
    user.email = wanted["email"]
    user.set_password(wanted["password"])
    user.save()
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in wanted["groups"]])
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def redirect_uri(request, client_id: str):
    """Allow the client one more redirect URI (a server started after the provider)."""
    if not _from_the_harness(request):
        return HttpResponseForbidden()
    client = Application.objects.get(client_id=client_id)
    uri = json.loads(request.body)["uri"]
    if uri not in client.redirect_uris.split():
        client.redirect_uris = f"{client.redirect_uris} {uri}"
        client.save(update_fields=["redirect_uris"])
    return HttpResponse(status=204)
