"""archive_agreement / restore_agreement: a round trip through the file loses nothing."""

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from agreement.archive import schema
from agreement.archive.restore import APP_LABELS, SITE_RECORDS
from agreement.models import Agreement, Chapter, ExportJob, Mineral, Participation
from negotiations.models import (
    ActionItem,
    Comment,
    Consent,
    Notification,
    Position,
    Proposal,
    Resolution,
    Round,
    Watch,
)
from negotiations.services import (
    comment_delete,
    comment_update,
    position_record,
    proposal_accept,
    proposal_create,
    proposal_incorporate,
    proposal_reject,
    proposal_table,
    proposal_withdraw,
    resolution_consent,
    resolution_decline,
    resolution_propose,
)
from parties.access import actor_for
from parties.models import ApiToken, AuditEntry, Membership, Party
from parties.tokens import api_token_create
from provisions import services as provision_services
from provisions.models import (
    TEXT_FROZEN_STATUSES,
    HistoricalProvisionMineral,
    Presence,
    Provision,
    Status,
)
from provisions.selectors import agree_consents
from provisions.services import provision_update
from tests.conftest import build_world, provision_maker

User = get_user_model()
DEMO_TITLE = "Plurilateral Agreement on Trade in Critical Minerals"

# Children before parents. Deleting a provision writes a '-' history row, so history goes after.
AGREEMENT_DATA = [
    Notification,
    Watch,
    Presence,
    ExportJob,
    ActionItem,
    Comment,
    Comment.history.model,
    Consent,
    Resolution,
    Proposal,
    Proposal.history.model,
    Position,
    Position.history.model,
    Provision,
    Provision.history.model,
    HistoricalProvisionMineral,
    Round,
    Mineral,
    Chapter,
    Participation,
    Agreement,
    Membership,
    Party,
]


@pytest.fixture
def demo(settings) -> Agreement:
    settings.DEBUG = True
    return load_demo()


def load_demo() -> Agreement:
    call_command("load_demo", stdout=io.StringIO())
    return Agreement.objects.get(title=DEMO_TITLE)


@pytest.fixture
def demo_archive(demo, tmp_path) -> Path:
    path = tmp_path / "demo.json.gz"
    call_command("archive_agreement", str(demo.pk), output=str(path), stdout=io.StringIO())
    return path


# A negotiation under the rules, built through the services in `negotiated`.
US_TABLED = (
    "1. Each Party shall maintain a reference price [US: of 80 percent] for lithium.\n\n"
    "2. The Parties shall review the price."
)
WITH_EU = (
    "1. Each Party shall maintain a reference price [US: of 80 percent][EU: of 60 percent] "
    "for lithium.\n\n2. The Parties shall review the price [EU: every year]."
)
US_PROPOSAL = (
    "1. Each Party shall establish a reference price [US: of 80 percent][EU: of 70 percent] "
    "for lithium and cobalt.\n\n2. The Parties shall review the price."
)
MEETING = "Round 3 plenary, Brussels"


def person(name: str):
    return actor_for(User.objects.get(username=name))


@pytest.fixture
def negotiated(world) -> Agreement:
    return negotiate(world)


def negotiate(world) -> Agreement:
    """Everything the negotiation rules add, made through the services: proposals in every state
    (one for a new provision), resolutions adopted (one consent given in the room), declined and
    pending, and consents to agree that are current (one given in the room) and stale."""
    make_provision = provision_maker(world)
    # 2.1: the US's text with the EU's language added by the EU, tabled: six proposals.
    article = make_provision(US_TABLED, number="2.1")
    article = provision_update(
        actor=person("eu-negotiator"), provision=article, expected_version=1, body=WITH_EU
    )
    article = provision_services.provision_set_status(
        actor=person("secretariat"), provision=article, status=Status.TABLED, reason="Tabled"
    )

    def draft(by: str = "us-negotiator", body: str = US_PROPOSAL, note: str = "Cobalt too."):
        return proposal_create(
            actor=person(by), provision=article, base_version=3, body=body, note=note
        )

    draft(note="Still with capital.")
    proposal_table(actor=person("us-lead"), proposal=draft())
    proposal_reject(
        actor=person("secretariat"),
        proposal=proposal_table(actor=person("us-lead"), proposal=draft()),
        reason="Overtaken by the chair's text",
    )
    proposal_withdraw(
        actor=person("eu-lead"),
        proposal=draft("eu-negotiator", WITH_EU.replace("of 60", "of 65"), "A compromise."),
        reason="Not needed after all",
    )
    proposal_incorporate(
        actor=person("secretariat"),
        proposal=proposal_table(actor=person("us-negotiator"), proposal=draft()),
    )
    new_provision = proposal_create(
        actor=person("eu-lead"),
        agreement=world.agreement,
        chapter=world.chapter,
        number="2.9",
        heading="Recycling targets",
        category="standards",
        body="1. Each Party shall recycle [EU: at least half of] its battery scrap.",
        note="A new article on recycling.",
    )
    proposal_table(actor=person("eu-lead"), proposal=new_provision)
    proposal_incorporate(actor=person("secretariat"), proposal=new_provision)
    position_record(
        actor=person("eu-lead"),
        provision=article,
        party=world.eu,
        stance="reserve",
        note="Needs review in capital.",
        internal_note="The ministries disagree.",
    )

    # 2.2: an EU proposal accepted by consensus, the EU's consent given in the room.
    plain = make_provision("1. The Parties shall cooperate.", number="2.2")
    accepted = proposal_create(
        actor=person("eu-negotiator"),
        provision=plain,
        base_version=1,
        body="1. The Parties shall cooperate closely.",
    )
    proposal_table(actor=person("eu-negotiator"), proposal=accepted)
    adopted = proposal_accept(actor=person("eu-lead"), proposal=accepted)
    resolution_consent(actor=person("us-lead"), resolution=adopted, expected_version=1)
    resolution_consent(
        actor=person("secretariat"),
        resolution=adopted,
        expected_version=1,
        party=world.eu,
        meeting=MEETING,
    )

    # 2.3: removing brackets, declined once and now pending with the US's consent.
    choice = make_provision("1. The Parties [US: shall] cooperate.", number="2.3")
    choice = provision_update(
        actor=person("eu-negotiator"),
        provision=choice,
        expected_version=1,
        body="1. The Parties [US: shall][EU: should] cooperate.",
    )
    for answer in ("decline", "consent"):
        resolution = resolution_propose(
            actor=person("us-negotiator"),
            provision=choice,
            base_version=2,
            body="1. The Parties shall cooperate.",
            note="The room chose shall.",
        )
        if answer == "decline":
            resolution_decline(actor=person("eu-lead"), resolution=resolution, expected_version=2)
        else:
            resolution_consent(actor=person("us-lead"), resolution=resolution, expected_version=2)

    # 2.4: the US agreed version 1, the text changed since; the EU agreed version 2 in the room.
    clean = make_provision("1. The Parties shall exchange information.", number="2.4")
    position_record(
        actor=person("us-lead"), provision=clean, party=world.us, stance="agree", seen_version=1
    )
    clean = provision_update(
        actor=person("us-negotiator"),
        provision=clean,
        expected_version=1,
        body="1. The Parties shall exchange information every year.",
    )
    position_record(
        actor=person("secretariat"),
        provision=clean,
        party=world.eu,
        stance="agree",
        seen_version=2,
        meeting=MEETING,
    )
    return world.agreement


@pytest.fixture
def negotiated_archive(negotiated, tmp_path) -> Path:
    path = tmp_path / "negotiated.json.gz"
    call_command("archive_agreement", str(negotiated.pk), output=str(path), stdout=io.StringIO())
    return path


# Archives made once for the module, each in a transaction rolled back after it, for the tests that
# only restore a file into an empty database: each test gets its own copy of the file to change.


@pytest.fixture(scope="module")
def module_archives(django_db_setup, django_db_blocker, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("archives")
    makers = {
        "demo": load_demo,
        "negotiated": lambda: negotiate(build_world()),
    }
    paths = {}
    for name, make in makers.items():
        paths[name] = folder / f"{name}.json.gz"
        with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
            call_command(
                "archive_agreement", str(make().pk), output=str(paths[name]), stdout=io.StringIO()
            )
            transaction.set_rollback(True)
    return paths


@pytest.fixture
def demo_archive_copy(module_archives, tmp_path) -> Path:
    """`demo_archive`'s file, with no demo left in the database."""
    return Path(shutil.copy(module_archives["demo"], tmp_path))


@pytest.fixture
def negotiated_archive_copy(module_archives, tmp_path) -> Path:
    """`negotiated_archive`'s file, with nothing negotiated left in the database."""
    return Path(shutil.copy(module_archives["negotiated"], tmp_path))


def empty_the_database() -> None:
    """What a fresh database holds of agreement data: nothing, and no users."""
    for model in AGREEMENT_DATA:
        model._default_manager.all().delete()
    User.objects.all().delete()


def restore(path: Path) -> str:
    out = io.StringIO()
    call_command("restore_agreement", str(path), stdout=out)
    return out.getvalue()


def read_document(path: Path) -> dict:
    return json.loads(gzip.decompress(path.read_bytes()))


def write_document(path: Path, document: dict) -> Path:
    path.write_bytes(gzip.compress(json.dumps(document).encode()))
    return path


def as_version_3(document: dict) -> dict:
    """The document as a version 3 program wrote it: comments with no history and no removal."""
    for comment in document["comments"]:
        assert comment["deleted_at"] is None  # version 3 could not say so
        del comment["deleted_at"], comment["deleted_by"], comment["history"]
    del document["counts"]["comment_versions"]
    document["version"] = 3
    return document


def as_version_2(document: dict) -> dict:
    """The document as a version 2 program wrote it: before the negotiation rules, no
    `text_version` or `ever_tabled`, no version or meeting on positions, no proposals or
    resolutions."""
    document = as_version_3(document)
    for provision in document["provisions"]:
        for record in (provision, *provision["history"]):
            del record["text_version"], record["ever_tabled"]
    for position in document["positions"]:
        for record in (position, *position["history"]):
            del record["provision_version"], record["meeting"]
    del document["proposals"], document["resolutions"]
    for kind in ("proposals", "resolutions", "proposal_versions", "consents"):
        del document["counts"][kind]
    document["version"] = 2
    return document


def username(user) -> str | None:
    return user.username if user else None


def recorded_minerals(record) -> list[str] | None:
    """The minerals a provision version covered, by name; None when it did not record them."""
    if not record.minerals_recorded:
        return None
    return sorted(record.minerals.values_list("mineral__name", flat=True))


def vary_minerals(agreement: Agreement) -> None:
    """Give one provision versions covering other minerals and none, and make its first version
    one written before versions recorded their minerals (the demo never changes minerals)."""
    secretariat = actor_for(User.objects.get(username="secretariat"))
    provision = (
        agreement.provisions.exclude(status__in=TEXT_FROZEN_STATUSES).order_by("number").first()
    )
    minerals = list(agreement.minerals.order_by("name"))
    for chosen in (minerals[:2], [], minerals[-1:]):
        provision = provision_update(
            actor=secretariat,
            provision=provision,
            expected_version=provision.version,
            minerals=chosen,
            reason="The minerals covered, as the room revised them",
        )
    first = provision.history.order_by("history_id").first()
    first.minerals.all().delete()
    Provision.history.filter(pk=first.pk).update(minerals_recorded=False)


def snapshot() -> dict:
    """Everything the round trip must keep, read straight from the tables (not through agreement.archive)."""
    provisions = Provision.objects.order_by("number")
    positions = Position.objects.select_related("provision", "party").order_by(
        "provision__number", "party__code"
    )
    return {
        "provisions": [
            (
                p.number,
                p.version,
                p.status,
                p.body,
                p.bracket_count,
                p.chapter.number,
                p.proposed_by.code if p.proposed_by else None,
                sorted(m.name for m in p.minerals.all()),
                p.created_at,
                p.updated_at,
            )
            for p in provisions
        ],
        "provision history": {
            p.number: [
                (
                    h.version,
                    h.history_date,
                    h.history_type,
                    username(h.history_user),
                    h.history_change_reason,
                    h.history_party,
                    h.body,
                    h.status,
                    h.heading,
                    h.bracket_count,
                    recorded_minerals(h),
                )
                for h in p.history.order_by("history_id")
            ]
            for p in provisions
        },
        # The order in which versions were written, across all provisions.
        "provision history order": [
            (h.number, h.version) for h in Provision.history.order_by("history_id")
        ],
        "positions": [
            (p.provision.number, p.party.code, p.stance, p.note, p.internal_note, p.updated_at)
            for p in positions
        ],
        # What the negotiation rules added: when each text last changed, which version each
        # stance was given on, proposals, resolutions and consents, and so each consent's state.
        "text versions": {
            p.number: (p.text_version, [h.text_version for h in p.history.order_by("history_id")])
            for p in provisions
        },
        "position versions": {
            (p.provision.number, p.party.code): [
                (h.provision_version, h.meeting) for h in p.history.order_by("history_id")
            ]
            + [(p.provision_version, p.meeting)]
            for p in positions
        },
        "agree consents": {
            p.number: [
                (c.party.code, str(c.state), c.version, c.meeting) for c in agree_consents(p)
            ]
            for p in provisions
        },
        "proposals": proposals_snapshot(),
        "resolutions": resolutions_snapshot(),
        "position history": {
            (p.provision.number, p.party.code): [
                (
                    h.history_date,
                    h.history_type,
                    username(h.history_user),
                    h.history_change_reason,
                    h.history_party,
                    h.stance,
                    h.note,
                    h.internal_note,
                )
                for h in p.history.order_by("history_id")
            ]
            for p in positions
        },
        "comments": [
            (
                c.provision.number,
                c.body,
                c.visibility,
                c.author.username,
                c.party.code if c.party else None,
                c.provision_version,
                c.created_at,
                c.updated_at,
                c.deleted_at,
                username(c.deleted_by),
            )
            for c in Comment.objects.order_by("created_at", "body")
        ],
        "comment history": [
            (
                h.body,
                h.visibility,
                h.deleted_at,
                h.history_date,
                h.history_type,
                username(h.history_user),
                h.history_change_reason,
                h.history_party,
            )
            for h in Comment.history.order_by("history_id")
        ],
        "rounds": [
            (r.number, r.venue, r.starts_on, r.ends_on, r.closed_at)
            for r in Round.objects.order_by("number")
        ],
        "memberships": sorted(
            Membership.objects.values_list("user__username", "party__code", "role")
        ),
        "parties": list(
            Party.objects.order_by("code").values_list(
                "code", "name", "lead_agency", "kind", "colour"
            )
        ),
        "participations": sorted(
            Participation.objects.values_list("party__code", "joined_on", "standing")
        ),
        "action items": sorted(
            ActionItem.objects.values_list(
                "title",
                "owner_party__code",
                "assignee__username",
                "due_on",
                "provision__number",
                "round__number",
                "done",
                "created_by__username",
                "created_at",
            )
        ),
        "agreement": list(
            Agreement.objects.values_list("title", "short_title", "status", "created_at")
        ),
        "minerals": list(Mineral.objects.order_by("name").values_list("name", "hs_codes")),
        "users": list(
            User.objects.order_by("username").values_list(
                "username", "first_name", "last_name", "email", "is_staff", "is_active"
            )
        ),
    }


def proposals_snapshot() -> list:
    """Each proposal under its number, with every historical row."""
    return [
        (
            p.pk,
            p.agreement.title,
            p.provision.number if p.provision else None,
            p.base_version,
            p.party.code,
            p.author.username,
            p.body,
            p.note,
            p.chapter.number if p.chapter else None,
            p.number,
            p.heading,
            p.category,
            p.state,
            p.resulting_version,
            p.created_at,
            p.tabled_at,
            p.decided_at,
            [
                (
                    h.history_date,
                    h.history_type,
                    username(h.history_user),
                    h.history_change_reason,
                    h.history_party,
                    h.provision.number if h.provision else None,
                    h.base_version,
                    h.body,
                    h.note,
                    h.chapter.number if h.chapter else None,
                    (h.number, h.heading, h.category),
                    h.state,
                    h.resulting_version,
                    (h.created_at, h.tabled_at, h.decided_at),
                )
                for h in p.history.order_by("history_id")
            ],
        )
        for p in Proposal.objects.order_by("pk")
    ]


def resolutions_snapshot() -> list:
    """Each resolution under its number, the parties it concerns and every answer."""
    return [
        (
            r.pk,
            r.provision.number,
            r.base_version,
            r.body,
            r.note,
            r.party.code if r.party else None,
            r.author.username,
            sorted(r.concerned.values_list("code", flat=True)),
            r.proposal_id,
            r.state,
            r.resulting_version,
            r.created_at,
            r.decided_at,
            [
                (
                    c.party.code,
                    c.answer,
                    c.recorded_by.username,
                    c.meeting,
                    c.provision_version,
                    c.created_at,
                )
                for c in r.consents.order_by("party__code")
            ],
        )
        for r in Resolution.objects.order_by("pk")
    ]


def agreement_rows() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in AGREEMENT_DATA}


@pytest.mark.django_db
def test_round_trip_keeps_every_version_author_reason_and_minerals(demo, tmp_path):
    vary_minerals(demo)
    path = tmp_path / "demo.json.gz"
    call_command("archive_agreement", str(demo.pk), output=str(path), stdout=io.StringIO())
    before = snapshot()
    versions = Provision.history.count()
    # The demo is a fair test: revised provisions, stamped parties, both kinds of comment, a closed round.
    assert any(len(rows) > 3 for rows in before["provision history"].values())
    assert {row[5] for rows in before["provision history"].values() for row in rows} >= {"US", "EU"}
    assert {"shared", "delegation"} <= {c[2] for c in before["comments"]}
    assert any(r[4] is not None for r in before["rounds"])
    assert before["position history"] and before["action items"]
    # Versions covering one, several and no minerals, and one that did not record them.
    recorded = [row[-1] for rows in before["provision history"].values() for row in rows]
    assert None in recorded and [] in recorded
    assert {len(names) for names in recorded if names} >= {1, 2}

    empty_the_database()
    assert not any(agreement_rows().values())
    output = restore(path)

    after = snapshot()
    for part in before:
        assert after[part] == before[part], part
    assert Provision.history.count() == versions
    assert f"{versions} provision versions" in output
    assert not any(user.has_usable_password() for user in User.objects.all())


@pytest.mark.django_db
def test_restored_agreement_archives_to_the_same_file(demo_archive, tmp_path):
    empty_the_database()
    restore(demo_archive)
    again = tmp_path / "again.json.gz"
    call_command("archive_agreement", DEMO_TITLE, output=str(again), stdout=io.StringIO())
    first, second = read_document(demo_archive), read_document(again)
    first.pop("created_at"), second.pop("created_at")
    assert first == second


@pytest.mark.django_db
def test_archive_is_versioned_gzip_json_without_passwords(demo, demo_archive):
    document = read_document(demo_archive)
    assert (document["format"], document["version"]) == ("critical-minerals-archive", 4)
    assert document["agreement"]["title"] == DEMO_TITLE
    assert document["counts"]["provision_versions"] == Provision.history.count()
    assert document["counts"]["comments"] == Comment.objects.count()
    assert {u["username"] for u in document["users"]} >= {"secretariat", "us-lead", "eu-negotiator"}
    text = gzip.decompress(demo_archive.read_bytes()).decode()
    assert "password" not in text
    assert User.objects.get(username="us-lead").password not in text
    history = document["provisions"][0]["history"]
    assert set(history[0]) >= {"seq", "history_date", "history_user", "history_party", "body"}
    assert history[0]["minerals"] == document["provisions"][0]["minerals"]


@pytest.mark.django_db
def test_a_version_1_archive_restores_with_version_minerals_not_recorded(demo_archive):
    """Version 1 files have no `minerals` in history rows: those versions did not record them."""
    document = as_version_2(read_document(demo_archive))
    links = sum(len(provision["minerals"]) for provision in document["provisions"])
    assert links
    for provision in document["provisions"]:
        for row in provision["history"]:
            del row["minerals"]
    write_document(demo_archive, {**document, "version": 1})
    empty_the_database()

    restore(demo_archive)

    assert Provision.minerals.through.objects.count() == links
    assert Provision.history.count() == document["counts"]["provision_versions"]
    assert not Provision.history.filter(minerals_recorded=True).exists()
    assert not HistoricalProvisionMineral.objects.exists()


@pytest.mark.django_db
def test_round_trip_keeps_proposals_resolutions_consents_and_consent_to_agree(
    negotiated, negotiated_archive, tmp_path
):
    before = snapshot()
    # A fair test: every proposal state, a new-provision proposal, every kind of answer.
    assert {p[12] for p in before["proposals"]} == {
        "draft",
        "tabled",
        "incorporated",
        "accepted",
        "rejected",
        "withdrawn",
    }
    [new_provision] = [p for p in before["proposals"] if p[9]]
    assert (
        new_provision[2] == "2.9" and new_provision[8] == 2 and new_provision[12] == "incorporated"
    )
    assert {r[9] for r in before["resolutions"]} == {"adopted", "declined", "pending"}
    [adopted] = [r for r in before["resolutions"] if r[9] == "adopted"]
    assert adopted[8] is not None and adopted[10] == 2
    assert [(c[0], c[2], c[3]) for c in adopted[13]] == [
        ("EU", "secretariat", MEETING),
        ("US", "us-lead", ""),
    ]
    [pending] = [r for r in before["resolutions"] if r[9] == "pending"]
    assert [c[:2] for c in pending[13]] == [("US", "consent")]
    assert before["agree consents"]["2.4"] == [
        ("EU", "current", 2, MEETING),
        ("US", "stale", 1, ""),
    ]
    assert before["text versions"]["2.2"] == (2, [1, 2])
    incorporated = Proposal.objects.get(provision__number="2.1", state="incorporated")
    document = read_document(negotiated_archive)
    assert (
        document["counts"] | {"proposals": 6 + 1, "resolutions": 3, "consents": 4}
        == document["counts"]
    )

    empty_the_database()
    restore(negotiated_archive)

    after = snapshot()
    for part in before:
        assert after[part] == before[part], part
    # Proposals and resolutions keep their numbers, so the history still names the right ones.
    reason = Provision.objects.get(number="2.1").history.get(version=4).history_change_reason
    assert reason.startswith(f"Incorporated US proposal #{incorporated.pk}")
    assert Proposal.objects.get(pk=incorporated.pk).state == "incorporated"
    # The restored agreement archives to the same file.
    again = tmp_path / "again.json.gz"
    call_command("archive_agreement", negotiated.title, output=str(again), stdout=io.StringIO())
    first, second = read_document(negotiated_archive), read_document(again)
    first.pop("created_at"), second.pop("created_at")
    assert first == second
    # New proposals are numbered after the restored ones.
    later = proposal_create(
        actor=person("eu-negotiator"),
        provision=Provision.objects.get(number="2.4"),
        base_version=2,
        body="1. The Parties shall exchange information every month.",
    )
    assert later.pk > max(p[0] for p in before["proposals"])


# What the negotiation rules added to the snapshot: not in version 2 files.
NEGOTIATION_RULES_PARTS = {
    "text versions",
    "position versions",
    "agree consents",
    "proposals",
    "resolutions",
}


@pytest.mark.django_db
def test_a_version_2_archive_restores_with_the_text_changed_at_each_version(demo_archive):
    """Version 2 came before the negotiation rules: each version is taken as the one at which the
    text last changed, positions are bound to no version, and there are no proposals."""
    before = snapshot()
    write_document(demo_archive, as_version_2(read_document(demo_archive)))
    empty_the_database()

    restore(demo_archive)

    after = snapshot()
    for part in before.keys() - NEGOTIATION_RULES_PARTS - {"comment history"}:
        assert after[part] == before[part], part
    for number, (text_version, history) in after["text versions"].items():
        assert text_version == Provision.objects.get(number=number).version
        versions = Provision.history.filter(number=number).order_by("history_id")
        assert history == [row.version for row in versions]
    for versions in after["position versions"].values():
        assert set(versions) == {(None, "")}
    assert after["proposals"] == after["resolutions"] == []


@pytest.mark.django_db
def test_archive_command_names_the_file_and_reports_counts_and_size(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    call_command("archive_agreement", DEMO_TITLE, stdout=out)
    [written] = list(tmp_path.iterdir())
    assert re.fullmatch(
        r"plurilateral-agreement-on-trade-in-critical-minerals-\d{8}T\d{6}Z\.json\.gz", written.name
    )
    report = out.getvalue()
    assert f"{Provision.objects.count()} provisions" in report
    assert f"{Provision.history.count()} provision versions" in report
    assert f"{written.stat().st_size:,} bytes" in report


@pytest.mark.django_db
def test_archive_refuses_to_overwrite_a_file(demo, demo_archive):
    before = demo_archive.read_bytes()
    with pytest.raises(CommandError, match="already exists"):
        call_command("archive_agreement", str(demo.pk), output=str(demo_archive))
    assert demo_archive.read_bytes() == before


@pytest.mark.django_db
def test_archive_of_an_unknown_agreement_is_an_error(demo, tmp_path):
    with pytest.raises(CommandError, match="No agreement has the id or exact title 'Nope'"):
        call_command("archive_agreement", "Nope", output=str(tmp_path / "x.json.gz"))
    with pytest.raises(CommandError, match="No agreement"):
        call_command("archive_agreement", "99999", output=str(tmp_path / "x.json.gz"))
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_agreement_data(demo_archive):
    before, rows = snapshot(), agreement_rows()
    with pytest.raises(
        CommandError, match=r"already holds agreement data \(4 parties, .*1 agreement"
    ):
        restore(demo_archive)
    assert snapshot() == before and agreement_rows() == rows


def corrupt_not_gzip(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 this is a zip, not a gzip")
    return path


def corrupt_not_json(path: Path) -> Path:
    path.write_bytes(gzip.compress(b"<archive>not json</archive>"))
    return path


def corrupt_format_name(path: Path) -> Path:
    return write_document(path, {**read_document(path), "format": "something-else"})


def corrupt_history_row(path: Path) -> Path:
    document = read_document(path)
    del document["provisions"][3]["history"][2]["history_date"]
    return write_document(path, document)


def corrupt_late_history_type(path: Path) -> Path:
    """Well-formed until the last position's history: parties, users, provisions are written first."""
    document = read_document(path)
    document["positions"][-1]["history"][-1]["history_type"] = "?"
    return write_document(path, document)


def corrupt_delegation_comment(path: Path) -> Path:
    """Passes every field check; only the database's constraint catches it, after most writes."""
    document = read_document(path)
    comment = next(c for c in document["comments"] if c["visibility"] == "delegation")
    comment["party"] = None
    return write_document(path, document)


def corrupt_version_type(path: Path) -> Path:
    document = read_document(path)
    document["provisions"][1]["version"] = "3"
    return write_document(path, document)


def corrupt_huge_order(path: Path) -> Path:
    document = read_document(path)
    document["provisions"][-1]["order"] = 10**30
    return write_document(path, document)


def corrupt_version_mineral(path: Path) -> Path:
    document = read_document(path)
    document["provisions"][0]["history"][0]["minerals"] = ["Unobtainium"]
    return write_document(path, document)


def corrupt_missing_version_minerals(path: Path) -> Path:
    document = read_document(path)
    del document["provisions"][0]["history"][1]["minerals"]
    return write_document(path, document)


def corrupt_version_1_listing_minerals(path: Path) -> Path:
    """Version 1 never listed a version's minerals: a file that does is not what it says."""
    return write_document(path, {**as_version_2(read_document(path)), "version": 1})


def corrupt_count(path: Path) -> Path:
    document = read_document(path)
    document["comments"].pop()
    return write_document(path, document)


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (corrupt_not_gzip, "not a gzip-compressed archive"),
        (corrupt_not_json, "not JSON"),
        (corrupt_format_name, "not a critical-minerals-archive file: format is 'something-else'"),
        (corrupt_history_row, r"provisions\[3\]\.history\[2\]: missing history_date"),
        (
            corrupt_late_history_type,
            r"positions\[\d+\]\.history\[\d+\]: history_type: Value '\?' is not a valid choice",
        ),
        (corrupt_delegation_comment, "the database refused the file's records"),
        (corrupt_count, "counts.comments: the file says"),
        (
            corrupt_version_mineral,
            r"provisions\[0\]\.history\[0\]\.minerals: no mineral 'Unobtainium' in minerals",
        ),
        (corrupt_missing_version_minerals, r"provisions\[0\]\.history\[1\]: missing minerals"),
        (
            corrupt_version_1_listing_minerals,
            r"provisions\[0\]\.history\[0\]: unknown key minerals \(version 1 archives",
        ),
        (corrupt_version_type, r"provisions\[1\]\.version: expected a number, found text"),
        (corrupt_huge_order, r"provisions\[\d+\]: order: Ensure this value is less than"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_a_bad_file_is_refused_and_leaves_nothing_behind(demo_archive_copy, corrupt, message):
    corrupt(demo_archive_copy)
    empty_the_database()
    with pytest.raises(CommandError, match=message) as refused:
        restore(demo_archive_copy)
    assert str(refused.value).startswith(f"{demo_archive_copy}: ")
    assert not any(agreement_rows().values())
    assert not User.objects.exists()


def corrupt_consent_party(path: Path) -> Path:
    document = read_document(path)
    document["resolutions"][0]["consents"][0]["party"] = "XX"
    return write_document(path, document)


def corrupt_concerned_party(path: Path) -> Path:
    document = read_document(path)
    document["resolutions"][0]["concerned"].append("XX")
    return write_document(path, document)


def corrupt_consent_twice(path: Path) -> Path:
    document = read_document(path)
    consents = document["resolutions"][0]["consents"]
    consents.append(dict(consents[0]))
    document["counts"]["consents"] += 1
    return write_document(path, document)


def corrupt_consent_answer(path: Path) -> Path:
    document = read_document(path)
    document["resolutions"][-1]["consents"][-1]["answer"] = "maybe"
    return write_document(path, document)


def corrupt_resolution_proposal(path: Path) -> Path:
    document = read_document(path)
    document["resolutions"][0]["proposal"] = 99999
    return write_document(path, document)


def corrupt_proposal_number_twice(path: Path) -> Path:
    document = read_document(path)
    document["proposals"][1]["id"] = document["proposals"][0]["id"]
    return write_document(path, document)


def corrupt_proposal_number_zero(path: Path) -> Path:
    document = read_document(path)
    document["proposals"][2]["id"] = 0
    return write_document(path, document)


def corrupt_proposal_history_state(path: Path) -> Path:
    document = read_document(path)
    document["proposals"][-1]["history"][-1]["state"] = "lost"
    return write_document(path, document)


def corrupt_missing_text_version(path: Path) -> Path:
    document = read_document(path)
    del document["provisions"][0]["history"][1]["text_version"]
    return write_document(path, document)


def corrupt_position_version(path: Path) -> Path:
    document = read_document(path)
    document["positions"][0]["provision_version"] = "2"
    return write_document(path, document)


def corrupt_proposal_versions_count(path: Path) -> Path:
    document = read_document(path)
    document["proposals"][0]["history"].pop()
    return write_document(path, document)


def corrupt_version_2_with_text_version(path: Path) -> Path:
    """Version 2 never said when the text last changed: a file that does is not what it says."""
    document = as_version_2(read_document(path))
    document["provisions"][1]["text_version"] = 1
    return write_document(path, document)


def corrupt_version_2_with_proposals(path: Path) -> Path:
    document = read_document(path)
    proposals = document["proposals"]
    return write_document(path, {**as_version_2(document), "proposals": proposals})


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (
            corrupt_consent_party,
            r"resolutions\[0\]\.consents\[0\]\.party: no party 'XX' in the file",
        ),
        (corrupt_concerned_party, r"resolutions\[0\]\.concerned: no party 'XX' in parties"),
        (corrupt_consent_twice, r"resolutions\[0\]\.consents\[\d\]: party='\w+' appears twice"),
        (
            corrupt_consent_answer,
            r"resolutions\[\d+\]\.consents\[\d+\]: answer: Value 'maybe' is not a valid choice",
        ),
        (corrupt_resolution_proposal, r"resolutions\[0\]\.proposal: no proposal 99999 in the file"),
        (corrupt_proposal_number_twice, r"proposals\[1\]: id=\d+ appears twice"),
        (corrupt_proposal_number_zero, r"proposals\[2\]\.id: a number from 1 up, found 0"),
        (
            corrupt_proposal_history_state,
            r"proposals\[\d+\]\.history\[\d+\]: state: Value 'lost' is not a valid choice",
        ),
        (corrupt_missing_text_version, r"provisions\[0\]\.history\[1\]: missing text_version"),
        (
            corrupt_position_version,
            r"positions\[0\]\.provision_version: expected a number, found text",
        ),
        (corrupt_proposal_versions_count, "counts.proposal_versions: the file says"),
        (
            corrupt_version_2_with_text_version,
            r"provisions\[1\]: unknown key text_version \(version 2 archives",
        ),
        (corrupt_version_2_with_proposals, r"\(top level\): unknown key proposals"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_a_bad_negotiation_record_is_refused_and_leaves_nothing_behind(
    negotiated_archive_copy, corrupt, message
):
    corrupt(negotiated_archive_copy)
    empty_the_database()
    with pytest.raises(CommandError, match=message):
        restore(negotiated_archive_copy)
    assert not any(agreement_rows().values())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_archive_refuses_history_of_deleted_provisions(demo, tmp_path):
    """Such history could not be restored under an id of its own; refusing beats dropping it."""
    Provision.objects.filter(number="1.1").delete()
    with pytest.raises(CommandError, match="history holds provisions that were deleted"):
        call_command("archive_agreement", str(demo.pk), output=str(tmp_path / "x.json.gz"))
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_archive_refuses_a_version_covering_a_mineral_deleted_since(demo, tmp_path):
    """The file names minerals, and a deleted one has no name left: refusing beats dropping it."""
    Mineral.objects.filter(provisions__isnull=False).first().delete()
    with pytest.raises(CommandError, match=r"refers to mineral id \d+, which is not a mineral"):
        call_command("archive_agreement", str(demo.pk), output=str(tmp_path / "x.json.gz"))
    assert not list(tmp_path.iterdir())


@pytest.mark.django_db
def test_restore_of_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        restore(tmp_path / "missing.json.gz")


@pytest.mark.django_db
def test_users_already_present_are_kept_as_they_are(demo_archive):
    empty_the_database()
    User.objects.create_user("us-lead", password="kept", email="lead@example.org")
    User.objects.create_superuser("admin", password="admin-pw")
    restore(demo_archive)
    assert User.objects.get(username="admin").check_password("admin-pw")
    kept = User.objects.get(username="us-lead")
    assert kept.check_password("kept") and kept.email == "lead@example.org"
    assert kept.membership.party.code == "US"
    assert Provision.history.filter(history_user=kept).exists()
    assert not User.objects.get(username="us-negotiator").has_usable_password()


@pytest.mark.django_db
def test_a_restore_leaves_the_sites_audit_log_and_api_tokens_as_they_are(demo_archive, client):
    """The audit log and API tokens are the site's, not the agreement's: the demo's entries outlive
    its accounts and parties, and the restoring secretariat's own sign-in and token do not stand in
    the way of a restore."""
    placed = {
        (e.kind, e.username, e.actor_username, e.party_code) for e in AuditEntry.objects.all()
    }
    assert ("membership_changed", "eu-lead", "secretariat", "EU") in placed
    empty_the_database()
    assert not Party.objects.exists() and not User.objects.exists()
    admin = User.objects.create_superuser("admin", password="admin-pw")
    response = client.post("/accounts/login/", {"login": "admin", "password": "admin-pw"})
    assert response.status_code == 302
    signed_in = AuditEntry.objects.get(kind=AuditEntry.Kind.SIGN_IN)
    token, _ = api_token_create(actor=actor_for(admin), name="restore script", lifetime_days=30)
    before = list(AuditEntry.objects.values())

    restore(demo_archive)

    assert list(AuditEntry.objects.values()) == before  # nothing rewritten, nothing added
    assert (signed_in.subject, signed_in.username) == (admin, "admin")
    assert ApiToken.objects.get(pk=token.pk).user == admin
    assert Party.objects.filter(code="EU").exists()
    page = client.get("/audit/", {"username": "eu-lead"})
    assert page.status_code == 200 and "eu-lead" in page.content.decode()
    with pytest.raises(CommandError, match="already holds agreement data") as refused:
        restore(demo_archive)  # a second time: the agreement's tables are what stands in the way
    assert "audit" not in str(refused.value) and "token" not in str(refused.value)


# Model fields an archive leaves out: database ids and the agreement (one per file).
NOT_ARCHIVED = {"id", "agreement", "history_id"}


# Each archived model, the fields the archive lists for it, and the model fields it archives
# another way (as `nested` there says).
ARCHIVED_MODELS = [
    (Party, schema.PARTY_FIELDS, set()),
    (Membership, schema.MEMBERSHIP_FIELDS, set()),
    (Agreement, schema.AGREEMENT_FIELDS, {"parties"}),  # as participations
    (Participation, schema.PARTICIPATION_FIELDS, set()),
    (Chapter, schema.CHAPTER_FIELDS, set()),
    (Mineral, schema.MINERAL_FIELDS, set()),
    (Round, schema.ROUND_FIELDS, set()),
    (Provision, schema.PROVISION_FIELDS, {"minerals"}),
    # minerals_recorded as `minerals`: a list of names, or null when not recorded.
    (Provision.history.model, schema.PROVISION_HISTORY_FIELDS, {"minerals_recorded"}),
    (Position, schema.POSITION_FIELDS, set()),
    (Position.history.model, schema.POSITION_HISTORY_FIELDS, set()),
    # Proposals and resolutions keep their ids as their numbers: `id` (ID_FIELDS).
    (Proposal, schema.PROPOSAL_FIELDS, set()),
    (Proposal.history.model, schema.PROPOSAL_HISTORY_FIELDS, set()),
    (Resolution, schema.RESOLUTION_FIELDS, {"concerned"}),  # party codes
    (Consent, schema.CONSENT_FIELDS, {"resolution"}),  # nested under their resolution
    (Comment, schema.COMMENT_FIELDS, set()),
    (Comment.history.model, schema.COMMENT_HISTORY_FIELDS, set()),
    (ActionItem, schema.ACTION_ITEM_FIELDS, set()),
]
# Models of the agreement apps an archive leaves out on purpose (docs/archive.md says why), or
# holds as part of another's record.
NOT_ARCHIVED_MODELS = {
    ExportJob,
    Watch,
    Notification,
    Presence,
    HistoricalProvisionMineral,  # as each provision version's `minerals`
    # The site's security records, not the negotiation's: they stay with the site, and a restore
    # neither needs their tables empty nor touches them (restore.SITE_RECORDS).
    AuditEntry,
    ApiToken,
}
# Other apps' records of accounts: sign-in and security matters of the site, none part of a
# negotiation, none archived. A restored account starts without them (docs/archive.md).
ACCOUNT_RECORDS = {
    "account.EmailAddress",  # allauth: the address and whether it was verified
    "socialaccount.SocialAccount",  # the agency identity an account signs in with
    "mfa.Authenticator",  # two-factor: authenticator apps and recovery codes
    "admin.LogEntry",  # the admin's own list of changes made there
}


@pytest.mark.parametrize(("model", "fields", "nested"), ARCHIVED_MODELS)
def test_every_field_of_an_archived_model_is_in_the_archive(model, fields, nested):
    """A field added to a model later must be added to the archive too (or named here)."""
    model_fields = {f.name for f in model._meta.get_fields() if f.concrete}
    assert model_fields - NOT_ARCHIVED == {f.key for f in fields} | nested


def test_every_model_of_the_agreement_apps_is_archived_or_left_out_on_purpose():
    """A model added later must be archived too (or named as left out): a restore starts from
    tables that are all empty, so anything not archived is lost."""
    models = {model for label in APP_LABELS for model in apps.get_app_config(label).get_models()}
    archived = {model for model, _, _ in ARCHIVED_MODELS}
    assert not archived & NOT_ARCHIVED_MODELS
    assert models == archived | NOT_ARCHIVED_MODELS
    assert SITE_RECORDS <= NOT_ARCHIVED_MODELS


def test_every_other_record_of_an_account_is_left_out_on_purpose():
    """A package added later that keeps records of accounts must be named here (and in
    docs/archive.md): an archive carries accounts, so what else they hold is a decision."""
    refer_to_accounts = {
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label not in APP_LABELS
        and any(field.related_model is User for field in model._meta.concrete_fields)
    }
    assert refer_to_accounts == ACCOUNT_RECORDS


@pytest.mark.django_db
def test_a_removed_comment_is_archived_and_restored_removed_with_its_history(demo, tmp_path):
    shared = Comment.objects.filter(visibility="shared").order_by("id").first()
    author = person(shared.author.username)
    comment_update(actor=author, comment=shared, body="Reworded before removal.")
    comment_delete(actor=author, comment=shared)
    path = tmp_path / "removed.json.gz"
    call_command("archive_agreement", str(demo.pk), output=str(path), stdout=io.StringIO())
    before = snapshot()
    document = read_document(path)
    [archived] = [c for c in document["comments"] if c["body"] == "Reworded before removal."]
    assert archived["deleted_by"] == shared.author.username
    assert [row["history_change_reason"] for row in archived["history"]] == [
        "Comment posted",
        "Comment edited",
        "Comment removed by its author",
    ]
    assert document["counts"]["comment_versions"] == Comment.history.count()

    empty_the_database()
    restore(path)

    after = snapshot()
    for part in before:
        assert after[part] == before[part], part
    restored = Comment.objects.get(body="Reworded before removal.")
    assert restored.deleted_at is not None
    assert not Comment.objects.present().filter(pk=restored.pk).exists()


@pytest.mark.django_db
def test_a_version_3_archive_restores_each_comment_with_one_history_row(demo_archive):
    """Version 3 came before comment history: no comment was removed, and each gets one row, the
    comment as it stands, as the migration that added comment history wrote."""
    before = snapshot()
    write_document(demo_archive, as_version_3(read_document(demo_archive)))
    empty_the_database()

    restore(demo_archive)

    after = snapshot()
    for part in before.keys() - {"comment history"}:
        assert after[part] == before[part], part
    for comment in Comment.objects.all():
        [row] = comment.history.all()
        assert (row.body, row.history_type, row.history_user) == (comment.body, "+", comment.author)
        assert row.history_date == comment.updated_at and row.deleted_at is None
