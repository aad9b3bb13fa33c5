"""The admin shows every model (with history) and never shows delegation-only material."""

import html
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model

from negotiations.services import comment_create, position_record
from parties.access import actor_for
from provisions.services import provision_update
from tests.factories import MineralFactory

OUR_APPS = {"parties", "agreement", "provisions", "negotiations"}


def test_every_model_is_registered():
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
    ]
    assert models
    assert [m.__name__ for m in models if m not in admin.site._registry] == []


@pytest.fixture
def staff_client(client, secretariat):
    secretariat.is_superuser = True
    secretariat.save()
    client.force_login(secretariat)
    return client


def test_provision_history_is_visible_and_records_are_view_only(
    world, staff_client, make_provision
):
    provision = make_provision()
    history = staff_client.get(f"/admin/provisions/provision/{provision.pk}/history/")
    assert history.status_code == 200
    assert b"Created" in history.content
    change = staff_client.get(f"/admin/provisions/provision/{provision.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content


def test_admin_hides_delegation_only_material(world, staff_client, make_provision):
    provision = make_provision()
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body="EU internal only",
        visibility="delegation",
    )
    position = position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=provision,
        party=world.eu,
        stance="reserve",
        internal_note="EU secret reasoning",
    )
    assert b"EU internal only" not in staff_client.get("/admin/negotiations/comment/").content
    page = staff_client.get(f"/admin/negotiations/position/{position.pk}/change/").content
    assert b"EU secret reasoning" not in page
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=provision,
        party=world.eu,
        stance="reserve",
        internal_note="EU second secret",
    )
    history = staff_client.get(f"/admin/negotiations/position/{position.pk}/history/").content
    assert b"EU secret reasoning" not in history and b"EU second secret" not in history

    record = position.history.order_by("history_id").first()
    version_page = staff_client.get(
        f"/admin/negotiations/position/{position.pk}/history/{record.history_id}/"
    )
    assert version_page.status_code == 200
    assert b"EU secret reasoning" not in version_page.content


def test_provision_history_lists_mineral_changes_only_between_versions_that_recorded_them(
    world, staff_client, make_provision
):
    provision = make_provision(minerals=[world.mineral])
    for version, minerals in (
        (1, [MineralFactory(agreement=world.agreement, name="Cobalt")]),
        (2, []),
    ):
        provision = provision_update(
            actor=actor_for(world.user("US", "negotiator")),
            provision=provision,
            expected_version=version,
            minerals=minerals,
        )
    url = f"/admin/provisions/provision/{provision.pk}/history/"
    page = staff_client.get(url).content.decode()
    assert "[Lithium]" in page and "[Cobalt]" in page

    # Version 1 as if written before minerals were recorded: what it covered is unknown.
    provision.history.filter(version=1).update(minerals_recorded=False)
    page = staff_client.get(url).content.decode()
    assert "[Lithium]" not in page and "[Cobalt]" in page


def test_a_version_page_cannot_be_posted_to_make_it_current(world, staff_client, make_provision):
    """simple-history would save the old version over the provision, bypassing the services."""
    provision = make_provision("Old text.")
    provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="New text.",
    )
    first = provision.history.get(version=1)
    url = f"/admin/provisions/provision/{provision.pk}/history/{first.history_id}/"
    assert staff_client.get(url).status_code == 200
    form = {
        "agreement": provision.agreement_id,
        "chapter": provision.chapter_id,
        "number": provision.number,
        "order": 1,
        "heading": "Reference prices",
        "category": "trade_measures",
        "status": "draft",
        "body": "Old text.",
        "_save": "Save",
    }

    assert staff_client.post(url, form).status_code == 403
    provision.refresh_from_db()
    assert (provision.version, provision.body, provision.history.count()) == (2, "New text.", 2)


def test_a_mineral_any_version_covered_cannot_be_deleted(world, staff_client, make_provision):
    provision = make_provision(minerals=[world.mineral])
    provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        minerals=[],
    )  # no provision covers it now; version 1 still does
    url = f"/admin/agreement/mineral/{world.mineral.pk}/delete/"
    assert staff_client.get(url).status_code == 403
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert (
        b"deletelink"
        not in staff_client.get(f"/admin/agreement/mineral/{world.mineral.pk}/change/").content
    )

    unused = MineralFactory(agreement=world.agreement, name="Gallium")
    deleted = staff_client.post(f"/admin/agreement/mineral/{unused.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not type(unused).objects.filter(pk=unused.pk).exists()


def test_admin_never_shows_a_draft_proposal_to_the_secretariat(world, staff_client, make_provision):
    from negotiations.services import proposal_create

    provision = make_provision("Prices [US: 60] days.")
    draft = proposal_create(
        actor=actor_for(world.user("EU", "negotiator")),
        provision=provision,
        base_version=provision.version,
        body="Prices [US: 60][EU: EU-only draft wording] days.",
    )
    listing = staff_client.get("/admin/negotiations/proposal/")
    assert listing.status_code == 200
    assert b"EU-only draft wording" not in listing.content
    assert staff_client.get(f"/admin/negotiations/proposal/{draft.pk}/change/").status_code in (
        302,
        404,
    )


def test_a_refused_admin_change_is_a_message_and_nothing_is_saved(world, staff_client, secretariat):
    """The admin saves through the services: their refusals show as messages, never as a 500."""
    from negotiations.models import Round
    from negotiations.services import round_close, round_create
    from parties.models import AuditEntry, Membership
    from parties.services import membership_set

    staff = actor_for(secretariat)
    round_ = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Geneva",
        starts_on="2026-11-02",
        ends_on="2026-11-04",
    )
    round_close(actor=staff, round_=round_)
    url = f"/admin/negotiations/round/{round_.pk}/change/"
    form = {"number": 1, "venue": "Bern", "starts_on": "2026-11-02", "ends_on": "2026-11-04"}
    response = staff_client.post(url, form, follow=True)
    assert response.status_code == 200
    assert b"is closed" in response.content
    assert Round.objects.get(pk=round_.pk).venue == "Geneva"

    # Placed in the EU by a colleague, the secretariat member cannot change its own role there.
    colleague = get_user_model().objects.create(username="colleague", is_staff=True)
    membership = membership_set(
        actor=actor_for(colleague),
        user=secretariat,
        party=world.eu,
        role="reviewer",
    )
    url = f"/admin/parties/membership/{membership.pk}/change/"
    response = staff_client.post(url, {"party": world.eu.pk, "role": "lead"}, follow=True)
    assert b"cannot place yourself" in response.content
    assert Membership.objects.get(user=secretariat).role == "reviewer"
    response = staff_client.post(
        f"/admin/parties/membership/{membership.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert b"cannot place yourself" in response.content
    assert Membership.objects.filter(user=secretariat).exists()
    assert AuditEntry.objects.filter(subject=secretariat, kind="membership_changed").count() == 1


def test_parties_and_minerals_are_added_through_the_services(world, staff_client):
    from agreement.models import Mineral
    from parties.models import Party

    bad = staff_client.post(
        "/admin/parties/party/add/",
        {
            "code": "nz",
            "name": "New Zealand",
            "lead_agency": "MFAT",
            "kind": "state",
            "colour": "#000000",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert bad.status_code == 200 and not Party.objects.filter(name="New Zealand").exists()
    good = staff_client.post(
        "/admin/parties/party/add/",
        {
            "code": "NZ",
            "name": "New Zealand",
            "lead_agency": "MFAT",
            "kind": "state",
            "colour": "#000000",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert good.status_code == 302 and Party.objects.get(code="NZ").lead_agency == "MFAT"
    added = staff_client.post(
        "/admin/agreement/mineral/add/",
        {"agreement": world.agreement.pk, "name": "Gallium", "hs_codes": '["8112.92"]'},
    )
    assert added.status_code == 302
    assert Mineral.objects.get(name="Gallium").hs_codes == ["8112.92"]


SECRETS = {
    "client secret": "db-client-secret-5c1e",
    "settings client secret": "settings-client-secret-93ab",
    "access token": "idp-access-token-77f0",
    "refresh token": "idp-refresh-token-0d4e",
}


def _admin_pages_from(client, start: str = "/admin/") -> dict[str, bytes]:
    """Every admin page a superuser reaches by following links from the index (query strings
    left off, so each list's filters count once), each answered with its content."""
    seen, queue = {}, [start]
    while queue:
        url = queue.pop()
        if url in seen or url.startswith(("/admin/logout/", "/admin/jsi18n/")):
            continue
        response = client.get(url)
        assert response.status_code in (200, 302, 403), f"{url}: {response.status_code}"
        seen[url] = response.content
        links = re.findall(r'href="(/admin/[^"?#]*)', response.content.decode())
        queue += [html.unescape(link) for link in links if link not in seen]
    return seen


def test_no_admin_page_shows_a_two_factor_secret_an_idp_token_or_a_client_secret(
    world, staff_client, settings
):
    """Made first, each kind of secret, then every admin page is searched for it as a superuser:
    the models holding them are not in the admin at all."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    lead = world.user("US", "lead")
    totp_secret = generate_totp_secret()
    TOTP.activate(lead, totp_secret)
    codes = RecoveryCodes.activate(lead)
    seed = codes.instance.data["seed"]
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "agency",
                    "name": "Agency",
                    "client_id": "agency-client",
                    "secret": SECRETS["settings client secret"],
                    "settings": {"server_url": "https://login.agency.example"},
                }
            ]
        }
    }
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="other",
        name="Other",
        client_id="other-client",
        secret=SECRETS["client secret"],
    )
    account = SocialAccount.objects.create(user=lead, provider="agency", uid="agency-subject-7")
    SocialToken.objects.create(
        app=app,
        account=account,
        token=SECRETS["access token"],
        token_secret=SECRETS["refresh token"],
    )

    for model in (Authenticator, SocialApp, SocialToken):
        assert not admin.site.is_registered(model), model
        changelist = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert staff_client.get(changelist).status_code == 404, changelist

    pages = _admin_pages_from(staff_client)
    assert "/admin/socialaccount/socialaccount/" in pages  # who signs in through an agency stays
    assert f"/admin/socialaccount/socialaccount/{account.pk}/change/" in pages
    assert f"/admin/auth/user/{lead.pk}/change/" in pages
    secrets = {
        **SECRETS,
        "TOTP secret": totp_secret,
        "recovery code seed": seed,
        **{f"recovery code {code}": code for code in codes.get_unused_codes()},
    }
    for url, content in pages.items():
        for what, secret in secrets.items():
            assert secret.encode() not in content, f"{url} shows the {what}"
