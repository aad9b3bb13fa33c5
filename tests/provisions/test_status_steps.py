"""Who may take which status step: every cell of the table in docs/api.md ("Negotiation rules:
status steps"), read from the document itself so that the two cannot drift apart."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parties.access import actor_for
from provisions import services
from provisions.models import STATUS_TRANSITIONS, Provision, Status
from provisions.steps import steps_open_to
from tests.conftest import agree_all

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Negotiation rules: status steps"
# The table's actor columns, each with the user who plays it for a US-proposed provision.
COLUMNS = {
    "Proposing party's lead": "us-lead",
    "Other participant's lead": "eu-lead",
    "Negotiator": "us-negotiator",
    "Reviewer": "us-reviewer",
    "Observer": "us-observer",
    "Observing party's lead": "jp-lead",
    "Secretariat": "secretariat",
}
LABELS = {label.lower(): value for value, label in Status.choices}
ROOM = "Consensus reached in the Round 2 plenary, Brussels"


def _table() -> tuple[list[str], list[list[str]]]:
    text = DOC.read_text()
    section = text[text.index(SECTION) :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    rows = [line for line in section.splitlines() if line.startswith("|")]
    split = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    header, body = split[0], split[2:]
    return header, body


def _step(cell: str) -> tuple[str, str]:
    before, after = (part.strip() for part in cell.split("→"))
    return LABELS[before], LABELS[after]


HEADER, ROWS = _table()
CELLS = [
    pytest.param(
        *_step(row[0]),
        COLUMNS[column],
        row[index].startswith("yes"),
        row[-1] == "consensus",
        id=f"{row[0]} | {column}",
    )
    for row in ROWS
    for index, column in enumerate(HEADER)
    if column in COLUMNS
]


def test_the_table_covers_every_step_and_actor():
    assert set(HEADER[1:-1]) == set(COLUMNS)
    documented = {_step(row[0]) for row in ROWS}
    allowed = {(start, end) for start, ends in STATUS_TRANSITIONS.items() for end in ends}
    assert documented == allowed
    assert len(CELLS) == len(allowed) * len(COLUMNS)


def _user(world, secretariat, name: str):
    if name == "secretariat":
        return secretariat
    code, role = name.split("-")
    return world.user(code.upper(), role)


def _walk_to(provision: Provision, status: str, secretariat) -> Provision:
    """Take the provision to `status` as the chair, with every participant's consent on record."""
    chair = actor_for(secretariat)
    path = {
        Status.DRAFT: [],
        Status.TABLED: [Status.TABLED],
        Status.UNDER_NEGOTIATION: [Status.TABLED, Status.UNDER_NEGOTIATION],
        Status.AGREED_AD_REFERENDUM: [
            Status.TABLED,
            Status.UNDER_NEGOTIATION,
            Status.AGREED_AD_REFERENDUM,
        ],
        Status.AGREED: [Status.TABLED, Status.UNDER_NEGOTIATION, Status.AGREED],
        Status.WITHDRAWN: [Status.WITHDRAWN],
    }[status]
    provision = agree_all(provision)
    for step in path:
        provision = services.provision_set_status(
            actor=chair, provision=provision, status=step, reason=ROOM
        )
    if status != Status.WITHDRAWN:
        provision = agree_all(provision)
    return provision


@pytest.mark.parametrize(("start", "end", "actor", "allowed", "needs_consensus"), CELLS)
def test_every_cell_of_the_status_table(
    world, make_provision, secretariat, start, end, actor, allowed, needs_consensus
):
    provision = _walk_to(make_provision(), start, secretariat)
    who = actor_for(_user(world, secretariat, actor))
    take = lambda: services.provision_set_status(  # noqa: E731
        actor=who, provision=provision, status=end, expected_version=provision.version, reason=ROOM
    )
    if not allowed:
        with pytest.raises(PermissionDenied):
            take()
        assert Provision.objects.get(pk=provision.pk).status == start
        assert end not in steps_open_to(who, provision)
        return
    assert end in steps_open_to(who, provision)
    moved = take()
    assert moved.status == end
    assert moved.history.latest().history_change_reason == ROOM


CONSENSUS_CELLS = [
    pytest.param(start, end, actor, id=f"{start}->{end} | {actor}")
    for start, end, actor, allowed, needs_consensus in (param.values for param in CELLS)
    if allowed and needs_consensus
]


@pytest.mark.parametrize(("start", "end", "actor"), CONSENSUS_CELLS)
def test_agreeing_without_every_participants_consent_is_refused(
    world, make_provision, secretariat, start, end, actor
):
    """The precondition column: the same actors, with the EU's consent missing, then stale."""
    from negotiations.models import Position

    provision = _walk_to(make_provision(), start, secretariat)
    Position.objects.filter(provision=provision, party=world.eu).delete()
    who = actor_for(_user(world, secretariat, actor))
    with pytest.raises(ValidationError, match="no agreement from EU") as refused:
        services.provision_set_status(actor=who, provision=provision, status=end)
    assert refused.value.extra_detail == {
        "consents": [{"party": "EU", "state": "missing", "version": None}]
    }
    assert end not in steps_open_to(who, provision)
    assert Provision.objects.get(pk=provision.pk).status == start


def test_a_provision_without_a_proposing_party_is_the_secretariats_to_table(
    world, make_provision, secretariat
):
    provision = make_provision(by=secretariat)
    assert provision.proposed_by is None
    for name in ("us-lead", "eu-lead"):
        with pytest.raises(PermissionDenied, match="only the secretariat"):
            services.provision_set_status(
                actor=actor_for(_user(world, secretariat, name)),
                provision=provision,
                status="tabled",
            )
    tabled = services.provision_set_status(
        actor=actor_for(secretariat), provision=provision, status="tabled"
    )
    assert tabled.status == "tabled"


def test_the_secretariat_withdraws_only_with_a_reason_naming_the_meeting(
    world, make_provision, secretariat
):
    provision = make_provision()
    with pytest.raises(ValidationError, match="naming the meeting") as refused:
        services.provision_set_status(
            actor=actor_for(secretariat), provision=provision, status="withdrawn"
        )
    assert "reason" in refused.value.message_dict
    assert Provision.objects.get(pk=provision.pk).status == "draft"


API_SAMPLE = [
    # (start, step, actor, expected answer)
    ("draft", "tabled", "eu-lead", 403),
    ("draft", "tabled", "us-lead", 200),
    ("under_negotiation", "agreed", "eu-lead", 200),
    ("under_negotiation", "withdrawn", "eu-lead", 403),
    ("agreed", "under_negotiation", "eu-lead", 200),
    ("withdrawn", "draft", "us-negotiator", 403),
    ("tabled", "withdrawn", "secretariat", 200),
]


@pytest.mark.parametrize(("start", "end", "actor", "expected"), API_SAMPLE)
def test_the_api_answers_as_the_table_says(
    world, api, make_provision, secretariat, start, end, actor, expected
):
    provision = _walk_to(make_provision(), start, secretariat)
    response = api(_user(world, secretariat, actor)).post(
        f"/api/v1/provisions/{provision.pk}/status/",
        {"status": end, "version": provision.version, "reason": ROOM},
    )
    assert response.status_code == expected, response.content
    stored = Provision.objects.get(pk=provision.pk)
    assert stored.status == (end if expected == 200 else start)
    if expected == 403 and actor == "eu-lead":  # the refusal says who may take the step
        assert "Only US" in response.json()["detail"]
