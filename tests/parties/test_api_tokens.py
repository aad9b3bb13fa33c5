"""API tokens: stored as digests, named, expiring, listed and revoked by their owner only, shown once,
never in the admin."""

import datetime

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken as KnoxAuthToken
from rest_framework.test import APIClient

from parties.access import actor_for
from parties.forms import ApiTokenForm
from parties.models import ApiToken, AuditEntry
from parties.tokens import MAX_TOKENS_PER_USER, api_token_create, api_token_revoke
from tests.factories import make_token

PAGE = "/accounts/tokens/"


def api_as(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def every_stored_value() -> list[str]:
    """Every cell of every table of the database, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            values += [str(cell) for row in cursor.fetchall() for cell in row if cell is not None]
    return values


def test_only_a_digest_is_stored(world):
    token, key = api_token_create(
        actor=actor_for(world.user("US", "lead")), name="Nightly export", lifetime_days=30
    )
    assert len(key) == 64
    assert token.digest == hash_token(key) != key
    assert not [value for value in every_stored_value() if key in value]
    assert api_as(key).get("/api/v1/agreements/").status_code == 200


def test_the_key_is_shown_once_on_the_page(world, client):
    user = world.user("US", "negotiator")
    client.force_login(user)
    made = client.post(PAGE, {"name": "Position sync", "lifetime_days": "90"})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    key = made.context["key"]
    assert key.encode() in made.content and hash_token(key) == token.digest
    assert token.name == "Position sync"
    assert (token.expiry - timezone.now()).days == 89  # 90 days less the moments since
    assert key not in str(dict(client.session.items()))

    again = client.get(PAGE)
    assert again.status_code == 200
    assert key.encode() not in again.content and token.digest.encode() not in again.content
    assert b"Position sync" in again.content and token.token_key[:8].encode() in again.content
    assert not [value for value in every_stored_value() if key in value]


def test_the_page_lists_only_ones_own_tokens(world, client):
    make_token(world.user("US", "lead"), name="US lead script")
    make_token(world.user("EU", "lead"), name="EU lead script")
    client.force_login(world.user("US", "lead"))
    page = client.get(PAGE).content.decode()
    assert "US lead script" in page and "EU lead script" not in page


def test_anonymous_users_are_sent_to_sign_in(world, client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_revoking_stops_the_key_and_is_audited(world, client):
    user = world.user("US", "lead")
    key = make_token(user, name="Old laptop")
    token = ApiToken.objects.get(user=user)
    assert api_as(key).get("/api/v1/agreements/").status_code == 200
    client.force_login(user)
    response = client.post(
        reverse("parties:api-token-revoke", args=[token.token_key]),
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    assert not ApiToken.objects.filter(user=user).exists()
    assert api_as(key).get("/api/v1/agreements/").status_code == 401
    token_kinds = [AuditEntry.Kind.TOKEN_CREATED, AuditEntry.Kind.TOKEN_REVOKED]
    created, revoked = AuditEntry.objects.filter(subject=user, kind__in=token_kinds).order_by(
        "at", "id"
    )
    assert (created.kind, created.actor, created.detail) == (
        AuditEntry.Kind.TOKEN_CREATED,
        user,
        "Token “Old laptop”, valid 90 days",
    )
    assert (revoked.kind, revoked.actor, revoked.detail) == (
        AuditEntry.Kind.TOKEN_REVOKED,
        user,
        "Token “Old laptop”",
    )
    assert revoked.party_code == "US" and revoked.client_address == "198.51.100.7"
    assert b"Old laptop" in client.get(PAGE).content  # the message says which was revoked


def test_nobody_revokes_another_users_token(world, client):
    owner = world.user("US", "lead")
    key = make_token(owner)
    token = ApiToken.objects.get(user=owner)
    for other in [world.user("US", "negotiator"), world.user("EU", "lead")]:
        client.force_login(other)
        url = reverse("parties:api-token-revoke", args=[token.token_key])
        assert client.post(url).status_code == 404
        with pytest.raises(PermissionDenied):
            api_token_revoke(actor=actor_for(other), token=token)
    assert api_as(key).get("/api/v1/agreements/").status_code == 200
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.TOKEN_REVOKED).exists()


def test_a_revoke_is_a_post(world, client):
    user = world.user("US", "lead")
    make_token(user)
    client.force_login(user)
    token = ApiToken.objects.get(user=user)
    assert (
        client.get(reverse("parties:api-token-revoke", args=[token.token_key])).status_code == 405
    )
    assert ApiToken.objects.filter(user=user).exists()


def test_an_expired_token_gets_401(world):
    key = make_token(world.user("US", "lead"), lifetime_days=7)
    ApiToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    response = api_as(key).get("/api/v1/agreements/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_deactivated_accounts_tokens_get_401(world):
    user = world.user("US", "lead")
    key = make_token(user)
    user.is_active = False
    user.save()
    assert api_as(key).get("/api/v1/agreements/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Token nonsense", "Token " + "0" * 64, "Token caf\xe9\xff", "Token a b", "Token"]
)
def test_bad_token_headers_get_401(world, header):
    make_token(world.user("US", "lead"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/agreements/").status_code == 401


def test_last_use_is_recorded(world):
    key = make_token(world.user("US", "lead"))
    assert ApiToken.objects.get().last_used_at is None
    api_as(key).get("/api/v1/agreements/")
    used = ApiToken.objects.get().last_used_at
    assert used is not None and timezone.now() - used < datetime.timedelta(seconds=10)
    api_as(key).get("/api/v1/agreements/")
    assert ApiToken.objects.get().last_used_at == used  # at most one write a minute


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "lifetime_days": "90"}, "name"),
        ({"name": "   ", "lifetime_days": "90"}, "name"),
        ({"name": "x" * 101, "lifetime_days": "90"}, "name"),
        ({"name": "Script", "lifetime_days": "5"}, "lifetime_days"),
        ({"name": "Script", "lifetime_days": "forever"}, "lifetime_days"),
        ({"name": "Script"}, "lifetime_days"),
    ],
)
def test_bad_input_is_400_and_names_the_field(world, client, data, field):
    client.force_login(world.user("US", "lead"))
    response = client.post(PAGE, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_a_name_as_long_as_its_column_is_kept(world, client):
    client.force_login(world.user("US", "lead"))
    assert client.post(PAGE, {"name": "x" * 100, "lifetime_days": "365"}).status_code == 200
    assert ApiToken.objects.get().name == "x" * 100


def test_form_field_lengths_fit_their_columns():
    form = ApiTokenForm()
    assert form.fields["name"].max_length == ApiToken._meta.get_field("name").max_length


def test_a_user_holds_a_bounded_number_of_tokens(world, client):
    user = world.user("US", "lead")
    for index in range(MAX_TOKENS_PER_USER):
        make_token(user, name=f"Script {index}")
    client.force_login(user)
    response = client.post(PAGE, {"name": "One more", "lifetime_days": "30"})
    assert response.status_code == 400
    assert b"revoke one first" in response.content
    assert ApiToken.objects.filter(user=user).count() == MAX_TOKENS_PER_USER


def test_the_service_refuses_an_anonymous_actor(db):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        api_token_create(actor=actor_for(AnonymousUser()), name="x", lifetime_days=30)


def test_no_admin_page_shows_a_token(world, client, secretariat):
    secretariat.is_superuser = True
    secretariat.save()
    key = make_token(world.user("US", "lead"), name="Lead's script")
    digest = hash_token(key)
    client.force_login(secretariat)
    assert not admin.site.is_registered(KnoxAuthToken)  # swapped out: knox's admin stays away
    pages = ["/admin/"] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert key.encode() not in response.content, url
        assert digest.encode() not in response.content, url
    tokens = client.get("/admin/parties/apitoken/").content
    assert b"Lead&#x27;s script" in tokens
    assert key[:15].encode() not in tokens  # not even the part that finds the row
    assert client.get("/admin/parties/apitoken/add/").status_code == 403


def test_the_schema_documents_token_authentication(world, client):
    client.force_login(world.user("US", "lead"))
    schema = client.get("/api/schema/?format=json").json()
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API token made on /accounts/tokens/, sent as `Token <key>`. "
        "An unknown, expired or revoked token gets 401.",
    }
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/provisions/"]["get"]["security"]
    assert not [path for path in schema["paths"] if "auth/token" in path]
