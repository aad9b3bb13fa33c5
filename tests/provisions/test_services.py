import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from parties.access import actor_for
from provisions import services
from provisions.history import MineralsChangedOutsideAVersion
from provisions.models import HistoricalProvisionMineral, Provision
from tests.conftest import agree_all, forget_minerals


def test_create_records_version_one_with_author_party_and_reason(world, make_provision):
    provision = make_provision("The Parties [US: shall][may] cooperate.")

    assert provision.version == 1
    assert provision.bracket_count == 2
    assert provision.proposed_by == world.us
    record = provision.history.get()
    assert record.version == 1
    assert record.history_user.username == "us-negotiator"
    assert record.history_party == "US"
    assert record.history_change_reason == "Created"


def test_update_with_current_version_writes_next_version_and_history(world, make_provision):
    provision = make_provision()
    eu = actor_for(world.user("EU", "negotiator"))

    updated = services.provision_update(
        actor=eu,
        provision=provision,
        expected_version=1,
        body="The Parties shall cooperate [EU: closely].",
        reason="EU proposal",
    )

    assert updated.version == 2
    assert updated.bracket_count == 1
    latest = updated.history.order_by("-version").first()
    assert (latest.version, latest.history_change_reason, latest.history_party) == (
        2,
        "EU proposal",
        "EU",
    )
    assert latest.history_user.username == "eu-negotiator"


def test_update_with_stale_version_raises_conflict_and_changes_nothing(world, make_provision):
    provision = make_provision()
    actor = actor_for(world.user("US", "negotiator"))
    services.provision_update(actor=actor, provision=provision, expected_version=1, body="First.")

    with pytest.raises(services.VersionConflict) as caught:
        services.provision_update(
            actor=actor, provision=provision, expected_version=1, body="Second."
        )

    assert caught.value.current.version == 2
    assert caught.value.current.body == "First."
    assert Provision.objects.get(pk=provision.pk).body == "First."
    assert provision.history.count() == 2


def test_update_defaults_a_reason_naming_the_changed_fields(world, make_provision):
    provision = make_provision()
    services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        heading="Price floors",
        body="New text.",
    )
    assert (
        provision.history.order_by("-version").first().history_change_reason
        == "Edited body, heading"
    )


def test_invalid_bracket_text_is_refused_with_line_and_column(world, make_provision):
    provision = make_provision()
    with pytest.raises(services.InvalidBracketText) as caught:
        services.provision_update(
            actor=actor_for(world.user("US", "negotiator")),
            provision=provision,
            expected_version=1,
            body="Fine line.\n[XX: unknown party",
        )
    errors = {(e.line, e.column, e.code) for e in caught.value.bracket_errors}
    assert (2, 1, "unclosed-bracket") in errors
    assert any(code == "unknown-party" for _, _, code in errors)
    assert Provision.objects.get(pk=provision.pk).version == 1


def test_party_codes_outside_the_agreement_are_unknown(world, make_provision):
    with pytest.raises(services.InvalidBracketText, match="AU"):
        make_provision("The Parties [AU: shall] cooperate.")


def test_oversized_text_is_refused_naming_the_limit(world, make_provision, settings):
    settings.PROVISION_BODY_MAX_CHARS = 100
    with pytest.raises(ValidationError, match="limit is 100"):
        make_provision("x" * 101)


def test_agreed_needs_a_text_without_brackets(world, make_provision, secretariat):
    provision = make_provision("The Parties [shall] cooperate.")
    lead = actor_for(world.user("US", "lead"))
    for status in ("tabled", "under_negotiation"):
        provision = services.provision_set_status(actor=lead, provision=provision, status=status)

    with pytest.raises(ValidationError, match="still holds 1 bracketed"):
        services.provision_set_status(actor=lead, provision=provision, status="agreed")

    # The brackets go by a resolution every participant consented to; then every one agrees.
    provision = services.provision_write_outcome(
        actor=actor_for(secretariat),
        provision=provision,
        expected_version=provision.version,
        body="The Parties shall cooperate.",
        reason="Resolution adopted: brackets cleared",
    )
    provision = agree_all(provision)
    agreed = services.provision_set_status(actor=lead, provision=provision, status="agreed")
    assert agreed.status == "agreed"
    assert (
        agreed.history.order_by("-version").first().history_change_reason
        == "Status changed to agreed"
    )


def test_status_moves_only_along_allowed_steps(world, make_provision):
    provision = make_provision()
    with pytest.raises(ValidationError, match="can move to tabled, withdrawn, not agreed"):
        services.provision_set_status(
            actor=actor_for(world.user("US", "lead")), provision=provision, status="agreed"
        )


def test_agreed_text_is_frozen_until_reopened(world, make_provision):
    provision = make_provision()
    for status in ("tabled", "under_negotiation"):
        provision = services.provision_set_status(
            actor=actor_for(world.user("US", "lead")), provision=provision, status=status
        )
    lead = actor_for(world.user("EU", "lead"))
    provision = services.provision_set_status(
        actor=lead, provision=agree_all(provision), status="agreed"
    )
    with pytest.raises(ValidationError, match="reopen it"):
        services.provision_update(
            actor=lead, provision=provision, expected_version=provision.version, body="Changed."
        )


@pytest.mark.parametrize("role", ["observer", "reviewer"])
def test_roles_below_negotiator_cannot_edit_text(world, make_provision, role):
    provision = make_provision()
    with pytest.raises(PermissionDenied):
        services.provision_update(
            actor=actor_for(world.user("US", role)),
            provision=provision,
            expected_version=1,
            body="x",
        )


def test_negotiator_cannot_change_status(world, make_provision):
    with pytest.raises(PermissionDenied):
        services.provision_set_status(
            actor=actor_for(world.user("US", "negotiator")),
            provision=make_provision(),
            status="tabled",
        )


def test_negotiator_cannot_propose_on_another_partys_behalf(world, make_provision):
    with pytest.raises(PermissionDenied, match="on behalf of EU"):
        make_provision(proposed_by=world.eu)


def test_observer_standing_party_cannot_edit(world, make_provision):
    provision = make_provision()
    with pytest.raises(PermissionDenied, match="observes this agreement"):
        services.provision_update(
            actor=actor_for(world.user("JP", "lead")),
            provision=provision,
            expected_version=1,
            body="x",
        )


def test_chapter_of_another_agreement_is_refused(world, make_provision):
    from tests.factories import ChapterFactory

    with pytest.raises(ValidationError, match="another agreement"):
        make_provision(chapter=ChapterFactory())


# Minerals in history ------------------------------------------------------------------------------


def recorded_minerals(record) -> list[str] | None:
    """The minerals a history row records, by name; None when it predates recording them."""
    if not record.minerals_recorded:
        return None
    return sorted(record.minerals.values_list("mineral__name", flat=True))


def minerals_by_version(provision) -> dict[int, list[str] | None]:
    return {row.version: recorded_minerals(row) for row in provision.history.order_by("history_id")}


@pytest.fixture
def cobalt(world):
    from tests.factories import MineralFactory

    return MineralFactory(agreement=world.agreement, name="Cobalt")


def test_create_records_its_minerals_in_its_one_history_row(world, make_provision, cobalt):
    provision = make_provision(minerals=[world.mineral, cobalt])

    record = provision.history.get()
    assert (record.history_type, record.history_change_reason) == ("+", "Created")
    assert (record.history_user.username, record.history_party) == ("us-negotiator", "US")
    assert recorded_minerals(record) == ["Cobalt", "Lithium"]
    assert recorded_minerals(make_provision().history.get()) == []


def test_each_write_is_one_version_recording_the_minerals_it_left(
    world, make_provision, cobalt, secretariat
):
    provision = make_provision(minerals=[world.mineral])
    chair = actor_for(secretariat)  # a tabled provision's particulars are the chair's
    negotiator, lead = (
        actor_for(world.user("US", "negotiator")),
        actor_for(world.user("US", "lead")),
    )

    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=1, minerals=[cobalt]
    )
    provision = services.provision_update(
        actor=negotiator, provision=provision, expected_version=2, body="New text."
    )
    provision = services.provision_set_status(actor=lead, provision=provision, status="tabled")
    provision = services.provision_update(
        actor=chair,
        provision=provision,
        expected_version=4,
        minerals=[cobalt, world.mineral],
        heading="Both",
        reason="Coverage as agreed in the room",
    )
    provision = services.provision_update(
        actor=chair, provision=provision, expected_version=5, minerals=[], reason="No minerals"
    )

    assert provision.version == 6
    assert minerals_by_version(provision) == {
        1: ["Lithium"],
        2: ["Cobalt"],
        3: ["Cobalt"],
        4: ["Cobalt"],
        5: ["Cobalt", "Lithium"],
        6: [],
    }
    reasons = list(provision.history.order_by("history_id").values_list("history_change_reason"))
    assert [reason for (reason,) in reasons][1:] == [
        "Edited minerals",
        "Edited body",
        "Status changed to tabled",
        "Coverage as agreed in the room",
        "No minerals",
    ]


def test_a_refused_write_changes_no_minerals_and_writes_no_history(world, make_provision, cobalt):
    provision = make_provision(minerals=[world.mineral])
    actor = actor_for(world.user("US", "negotiator"))
    services.provision_update(actor=actor, provision=provision, expected_version=1, body="First.")

    with pytest.raises(services.VersionConflict):
        services.provision_update(
            actor=actor, provision=provision, expected_version=1, minerals=[cobalt]
        )
    with pytest.raises(ValidationError, match="Line 1"):
        services.provision_update(
            actor=actor, provision=provision, expected_version=2, body="[", minerals=[cobalt]
        )

    assert list(provision.minerals.values_list("name", flat=True)) == ["Lithium"]
    assert minerals_by_version(provision) == {1: ["Lithium"], 2: ["Lithium"]}


def test_minerals_changed_outside_a_version_are_refused_from_either_side(
    world, make_provision, cobalt
):
    provision = make_provision(minerals=[world.mineral])

    for change in (
        lambda: provision.minerals.add(cobalt),
        lambda: cobalt.provisions.add(provision),
        lambda: provision.minerals.clear(),
    ):
        with pytest.raises(MineralsChangedOutsideAVersion), transaction.atomic():
            change()

    assert list(provision.minerals.values_list("name", flat=True)) == ["Lithium"]
    assert minerals_by_version(provision) == {1: ["Lithium"]}


def revert(world, provision, to_version: int):
    # The US drafts its own provision freely: a revert is an edit like any other.
    return services.provision_revert(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        record=provision.history.get(version=to_version),
        expected_version=provision.version,
    )


def test_revert_restores_the_minerals_of_the_chosen_version(world, make_provision, cobalt):
    provision = make_provision("Old text.", minerals=[world.mineral])
    provision = services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="New text.",
        minerals=[cobalt],
    )

    reverted = revert(world, provision, 1)

    assert (reverted.version, reverted.body) == (3, "Old text.")
    assert list(reverted.minerals.values_list("name", flat=True)) == ["Lithium"]
    latest = reverted.history.get(version=3)
    assert latest.history_change_reason == "Reverted to version 1"
    assert recorded_minerals(latest) == ["Lithium"]
    assert reverted.history.count() == 3


def test_revert_to_a_version_without_minerals_removes_them(world, make_provision, cobalt):
    provision = make_provision()
    provision = services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        minerals=[cobalt, world.mineral],
    )

    reverted = revert(world, provision, 1)

    assert not reverted.minerals.exists()
    assert recorded_minerals(reverted.history.get(version=3)) == []


def test_revert_to_a_version_from_before_minerals_were_recorded_keeps_the_current_ones(
    world, make_provision, cobalt
):
    """Such a version does not say which minerals it covered; its text still comes back."""
    provision = make_provision("Old text.", minerals=[world.mineral])
    provision = services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=provision,
        expected_version=1,
        body="New text.",
        minerals=[cobalt],
    )
    forget_minerals(provision, 1)

    reverted = revert(world, provision, 1)

    assert reverted.body == "Old text."
    assert list(reverted.minerals.values_list("name", flat=True)) == ["Cobalt"]
    assert recorded_minerals(reverted.history.get(version=3)) == ["Cobalt"]


def test_migration_records_the_latest_versions_minerals_and_marks_older_rows_unknown(
    world, make_provision, cobalt
):
    """What 0003 does to history written before minerals were recorded."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("provisions.migrations.0003_history_records_minerals")
    edited = make_provision(minerals=[world.mineral])
    edited = services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=edited,
        expected_version=1,
        minerals=[cobalt, world.mineral],
    )
    untouched = make_provision()
    # As the tables stood before the migration: no mineral rows in history.
    HistoricalProvisionMineral.objects.all().delete()

    migration.record_what_is_known(apps, None)

    assert minerals_by_version(edited) == {1: None, 2: ["Cobalt", "Lithium"]}
    assert minerals_by_version(untouched) == {1: []}
