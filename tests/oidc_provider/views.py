"""The test harness's way in: create or update a person over HTTP, with a key the provider is given
at start. The tests change people many times a session; a request costs milliseconds where a
management command in a process of its own costs a Python and Django start."""

import hmac
import json

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def person(request, username: str):
    """PUT-like: the person `username` with exactly this password, e-mail and groups."""
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not settings.PEOPLE_KEY or not hmac.compare_digest(key, settings.PEOPLE_KEY):
        return HttpResponseForbidden()
    wanted = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=username)
    user.email = wanted["email"]
    user.set_password(wanted["password"])
    user.save()
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in wanted["groups"]])
    return HttpResponse(status=204)
