"""The admin shows every model (with history) and never shows delegation-only material."""

import pytest
from django.apps import apps
from django.contrib import admin

from negotiations.services import comment_create, position_record
from parties.access import actor_for

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
