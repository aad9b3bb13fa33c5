"""Export jobs: requesting, building (eager here; tests/integration runs a real worker),
downloading, bad input and old files (jobs whose worker was lost: test_export_recovery.py)."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from agreement import services
from agreement.models import ExportJob
from negotiations.services import comment_create, position_record, round_close, round_create
from parties.access import actor_for
from parties.models import AuditEntry
from provisions import services as provision_services
from tests.conftest import forget_minerals

SECRET = "ZX-DELEGATION-ONLY-7731"


@pytest.fixture
def closed_round(world, secretariat, make_provision):
    """Two provisions tabled, Round 1 closed, then one of them revised."""
    staff = actor_for(secretariat)
    today = timezone.localdate()
    round_1 = round_create(
        actor=staff,
        agreement=world.agreement,
        number=1,
        venue="Washington",
        starts_on=today,
        ends_on=today,
    )
    first = make_provision(
        "1. The Parties [US: shall][EU: should] set reference prices.",
        number="2.1",
        heading="Reference prices",
    )
    make_provision("Offtake agreements are encouraged.", number="2.2", heading="Offtake")
    round_1 = round_close(actor=staff, round_=round_1)
    provision_services.provision_update(
        actor=actor_for(world.user("US", "negotiator")),
        provision=first,
        expected_version=1,
        body="1. The Parties [EU: should] set reference prices [US: transparently].",
    )
    return round_1


@pytest.fixture(autouse=True)
def _build_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Tests run inside a transaction that never commits: run each export's on-commit build as
    soon as the request (or service call) that queued it returns, as a real commit would."""
    from agreement import services as export_services

    original = export_services.export_request

    def request_and_commit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            job = original(**kwargs)
        return job

    monkeypatch.setattr(export_services, "export_request", request_and_commit)


def request(api, user, **payload):
    return api(user).post("/api/v1/exports/", payload)


def test_export_is_accepted_built_and_downloaded_by_its_recipient(world, api, closed_round):
    user = world.user("EU", "reviewer")
    response = request(api, user, agreement=world.agreement.pk, format="md", variant="negotiating")
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["status"] == "done" and job["progress"] == 100
    assert job["marking"].startswith("Prepared for eu-reviewer (EU) on ")
    assert job["marking"].endswith(f"export {job['id']}")

    download = api(user).get(job["download_url"])
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode()
    assert job["marking"] in text
    assert "Reference prices" in text
    assert job["sha256"] and job["size"] == len(text.encode())
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.EXPORT_DOWNLOADED)
    assert (entry.actor, entry.party_code, entry.client_address) == (user, "EU", "127.0.0.1")
    assert entry.detail == f"Export {job['id']}: {download.filename}"

    stranger = api(world.user("US", "lead"))
    assert stranger.get(f"/api/v1/exports/{job['id']}/").status_code == 404
    assert stranger.get(f"/api/v1/exports/{job['id']}/download/").status_code == 404
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"format": "rtf", "variant": "negotiating"}, "format", "docx"),
        ({"format": "pdf", "variant": "final"}, "variant", "redline"),
        ({"format": "pdf", "variant": "redline"}, "base_round", "base"),
        (
            {"format": "pdf", "variant": "negotiating", "as_of": "2999-01-01T00:00:00Z"},
            "as_of",
            "future",
        ),
    ],
)
def test_bad_export_requests_are_400_naming_the_field(world, api, payload, field, words):
    response = request(api, world.user("US", "lead"), agreement=world.agreement.pk, **payload)
    assert response.status_code == 400
    assert field in response.json()
    assert words in str(response.json()[field])
    assert not ExportJob.objects.exists()


def test_rounds_must_be_closed_and_of_this_agreement(world, api, secretariat, closed_round):
    from tests.factories import AgreementFactory

    other = AgreementFactory()
    from tests.factories import ParticipationFactory

    ParticipationFactory(agreement=other, party=world.us)
    foreign = round_create(
        actor=actor_for(secretariat),
        agreement=other,
        number=1,
        venue="x",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    open_round = round_create(
        actor=actor_for(secretariat),
        agreement=world.agreement,
        number=2,
        venue="Brussels",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    lead = world.user("US", "lead")
    wrong = request(
        api,
        lead,
        agreement=world.agreement.pk,
        format="txt",
        variant="negotiating",
        round=foreign.pk,
    )
    still_open = request(
        api,
        lead,
        agreement=world.agreement.pk,
        format="txt",
        variant="negotiating",
        round=open_round.pk,
    )
    assert wrong.status_code == 400 and "another agreement" in wrong.json()["round"][0]
    assert still_open.status_code == 400 and "not closed" in still_open.json()["round"][0]


def test_as_of_round_export_equals_the_text_in_history(world, api, closed_round):
    response = request(
        api,
        world.user("US", "lead"),
        agreement=world.agreement.pk,
        format="json",
        variant="negotiating",
        round=closed_round.pk,
    )
    job = ExportJob.objects.get(pk=response.json()["id"])
    document = json.loads(job.file.read())
    bodies = {
        a["number"]: a["body"] for chapter in document["chapters"] for a in chapter["articles"]
    }
    provision = world.agreement.provisions.get(number="2.1")
    at_close = (
        provision.history.filter(history_date__lte=closed_round.closed_at)
        .order_by("-history_id")
        .first()
    )
    assert (
        bodies["2.1"]
        == at_close.body
        == "1. The Parties [US: shall][EU: should] set reference prices."
    )
    assert job.as_of_label == "close of Round 1"


def test_redline_since_a_round(world, api, closed_round):
    response = request(
        api,
        world.user("US", "lead"),
        agreement=world.agreement.pk,
        format="json",
        variant="redline",
        base_round=closed_round.pk,
    )
    assert response.status_code == 202, response.json()
    document = json.loads(ExportJob.objects.get(pk=response.json()["id"]).file.read())
    assert "Round 1" in json.dumps(document)


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_redline_shows_mineral_changes_where_both_sides_recorded_them(
    world, api, closed_round, fmt, secretariat
):
    from tests.factories import MineralFactory

    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    negotiator = actor_for(world.user("US", "negotiator"))
    offtake = world.agreement.provisions.get(number="2.2")
    provision_services.provision_update(
        actor=negotiator, provision=offtake, expected_version=1, minerals=[cobalt]
    )
    # 2.1's version at the close predates recording minerals: its new ones are no change.
    forget_minerals(world.agreement.provisions.get(number="2.1"), 1)
    provision_services.provision_update(
        actor=actor_for(secretariat),  # a text the parties sent in: its coverage is the chair's
        provision=world.agreement.provisions.get(number="2.1"),
        expected_version=2,
        minerals=[world.mineral],
        reason="Coverage as agreed in the room",
    )

    response = request(
        api,
        world.user("US", "lead"),
        agreement=world.agreement.pk,
        format=fmt,
        variant="redline",
        base_round=closed_round.pk,
    )
    content = _text_of(ExportJob.objects.get(pk=response.json()["id"]))
    if fmt == "md":
        assert content.count("Minerals covered:") == 1
        assert "*Minerals covered: Cobalt added.*" in content
        return
    articles = {
        a["number"]: a for chapter in json.loads(content)["chapters"] for a in chapter["articles"]
    }
    assert articles["2.2"]["change"] == "changed"  # its minerals alone changed
    assert (articles["2.2"]["base_minerals"], articles["2.2"]["minerals"]) == ([], ["Cobalt"])
    assert (articles["2.1"]["base_minerals"], articles["2.1"]["minerals"]) == (None, ["Lithium"])


def test_redline_text_is_read_in_queries_that_do_not_grow_with_provisions(
    world, secretariat, make_provision, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from agreement.consolidation import consolidated_text

    def redline_since(moment) -> ExportJob:
        return ExportJob(
            agreement=world.agreement,
            requested_by=secretariat,
            format="json",
            variant="redline",
            as_of=timezone.now(),
            base_at=moment,
        )

    def table_and_edit(count: int):
        made = [make_provision(minerals=[world.mineral]) for _ in range(count)]
        moment = timezone.now()
        for provision in made:
            provision_services.provision_update(
                actor=actor_for(world.user("US", "negotiator")),
                provision=provision,
                expected_version=1,
                minerals=[],
            )
        return moment

    job = redline_since(table_and_edit(2))
    with CaptureQueriesContext(connection) as few:
        consolidated_text(job)
    job = redline_since(table_and_edit(20))
    with django_assert_num_queries(len(few)):
        text = consolidated_text(job)
    assert sum(article.change == "changed" for article in text.articles()) == 20


def _text_of(job: ExportJob) -> str:
    content = job.file.read()
    if job.format == "docx":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode() for name in archive.namelist() if name.endswith(".xml")
            )
    if job.format == "pdf":
        from pypdf import PdfReader

        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode()


@pytest.mark.parametrize("fmt", [f for f, _ in ExportJob.Format.choices])
def test_delegation_only_material_never_appears_in_an_export(world, closed_round, fmt):
    provision = world.agreement.provisions.get(number="2.1")
    comment_create(
        actor=actor_for(world.user("EU", "reviewer")),
        provision=provision,
        body=f"{SECRET} comment",
        visibility="delegation",
    )
    position_record(
        actor=actor_for(world.user("EU", "lead")),
        provision=provision,
        party=world.eu,
        stance="reserve",
        internal_note=f"{SECRET} note",
    )
    # Even an export prepared for a member of that delegation carries only the shared text.
    job = services.export_request(
        actor=actor_for(world.user("EU", "lead")),
        agreement=world.agreement,
        format=fmt,
        variant="negotiating",
    )
    job.refresh_from_db()
    assert job.status == "done", job.error
    text = _text_of(job)
    assert "Reference prices" in text
    assert SECRET not in text


def test_a_failing_render_ends_failed_with_its_reason(world, closed_round, monkeypatch):
    from agreement import documents

    def broken(*args, **kwargs):
        raise RuntimeError("font cache is unreadable")

    monkeypatch.setattr(documents, "build", broken)
    job = services.export_request(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        format="pdf",
        variant="negotiating",
    )
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == "Building the PDF file failed: font cache is unreadable"


def test_old_files_are_removed_and_the_record_kept(world, api, closed_round):
    job = services.export_request(
        actor=actor_for(world.user("US", "lead")),
        agreement=world.agreement,
        format="txt",
        variant="negotiating",
    )
    job.refresh_from_db()
    storage_name = job.file.name
    later = timezone.now() + datetime.timedelta(days=30)
    assert services.export_remove_old_files(now=later) == 1
    job.refresh_from_db()
    assert not job.file and job.file_removed_at and job.sha256
    assert not job.file.storage.exists(storage_name)
    response = api(world.user("US", "lead")).get(f"/api/v1/exports/{job.pk}/download/")
    assert response.status_code == 404
    assert "removed after the retention period" in response.json()["detail"]


def test_beat_runs_the_sweeper_and_the_cleanup(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "agreement.tasks.sweep_exports",
        "agreement.tasks.remove_old_export_files",
    } <= scheduled


def test_every_format_offered_has_a_builder():
    from agreement import documents

    assert list(ExportJob.Format.values) == list(documents.FORMATS)
