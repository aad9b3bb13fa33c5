"""archive_agreement / restore_agreement: a round trip through the file loses nothing."""

import gzip
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from agreement.archive import schema
from agreement.models import Agreement, Chapter, ExportJob, Mineral, Participation
from negotiations.models import ActionItem, Comment, Notification, Position, Round, Watch
from parties.access import actor_for
from parties.models import Membership, Party
from provisions.models import (
    TEXT_FROZEN_STATUSES,
    HistoricalProvisionMineral,
    Presence,
    Provision,
)
from provisions.services import provision_update

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
    call_command("load_demo", stdout=io.StringIO())
    return Agreement.objects.get(title=DEMO_TITLE)


@pytest.fixture
def demo_archive(demo, tmp_path) -> Path:
    path = tmp_path / "demo.json.gz"
    call_command("archive_agreement", str(demo.pk), output=str(path), stdout=io.StringIO())
    return path


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
            )
            for c in Comment.objects.order_by("created_at", "body")
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
    assert (document["format"], document["version"]) == ("critical-minerals-archive", 2)
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
    document = read_document(demo_archive)
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
    return write_document(path, {**read_document(path), "version": 1})


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
def test_a_bad_file_is_refused_and_leaves_nothing_behind(demo_archive, corrupt, message):
    corrupt(demo_archive)
    empty_the_database()
    with pytest.raises(CommandError, match=message) as refused:
        restore(demo_archive)
    assert str(refused.value).startswith(f"{demo_archive}: ")
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


# Model fields an archive leaves out: database ids and the agreement (one per file).
NOT_ARCHIVED = {"id", "agreement", "history_id"}


@pytest.mark.parametrize(
    ("model", "fields", "nested"),
    [
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
        (Comment, schema.COMMENT_FIELDS, set()),
        (ActionItem, schema.ACTION_ITEM_FIELDS, set()),
    ],
)
def test_every_field_of_an_archived_model_is_in_the_archive(model, fields, nested):
    """A field added to a model later must be added to the archive too (or named here)."""
    model_fields = {f.name for f in model._meta.get_fields() if f.concrete}
    assert model_fields - NOT_ARCHIVED == {f.key for f in fields} | nested
