"""Every write to agreements, their participants, chapters and covered minerals."""

import datetime
import hashlib
import logging
import time
import uuid
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from config.celery import app as celery_app
from negotiations.models import Round
from parties.access import Actor, Capability, require
from parties.audit import audit_record
from parties.models import AuditEntry, Party

from . import documents
from .consolidation import consolidated_text, marking_for
from .heartbeat import Heartbeat
from .models import Agreement, Chapter, ExportJob, Mineral, Participation

logger = logging.getLogger(__name__)


def agreement_require_participant(actor: Actor, agreement: Agreement, *, to_write: bool) -> None:
    """Refuse a party that does not take part in the agreement (or, to write, only observes it)."""
    if actor.is_secretariat:
        return
    participation = (
        Participation.objects.filter(agreement=agreement, party_id=actor.party_id).first()
        if actor.party_id
        else None
    )
    if participation is None:
        raise PermissionDenied("Your party does not take part in this agreement.")
    if to_write and participation.standing != Participation.Standing.PARTICIPANT:
        raise PermissionDenied("Your party observes this agreement and cannot change it.")


@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    title: str,
    short_title: str = "",
    status: str = Agreement.Status.SCOPING,
    description: str = "",
) -> Agreement:
    """The secretariat opens an agreement."""
    require(actor, Capability.ADMINISTER)
    agreement = Agreement(
        title=title, short_title=short_title, status=status, description=description
    )
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def agreement_update(*, actor: Actor, agreement: Agreement, **changes) -> Agreement:
    """The secretariat renames an agreement or moves it between scoping, negotiating and concluded."""
    require(actor, Capability.ADMINISTER)
    if unknown := changes.keys() - {"title", "short_title", "status", "description"}:
        raise TypeError(f"agreement_update cannot change {sorted(unknown)}")
    for field, value in changes.items():
        setattr(agreement, field, value)
    agreement.full_clean()
    agreement.save()
    return agreement


@transaction.atomic
def participation_add(
    *,
    actor: Actor,
    agreement: Agreement,
    party: Party,
    joined_on: datetime.date,
    standing: str = Participation.Standing.PARTICIPANT,
) -> Participation:
    """The secretariat admits a party, as participant or observer, from a date."""
    require(actor, Capability.ADMINISTER)
    participation = Participation(
        agreement=agreement, party=party, joined_on=joined_on, standing=standing
    )
    participation.full_clean()
    participation.save()
    return participation


@transaction.atomic
def chapter_create(*, actor: Actor, agreement: Agreement, number: int, title: str) -> Chapter:
    require(actor, Capability.ADMINISTER)
    chapter = Chapter(agreement=agreement, number=number, title=title)
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def chapter_update(
    *, actor: Actor, chapter: Chapter, number: int | None = None, title: str | None = None
) -> Chapter:
    require(actor, Capability.ADMINISTER)
    if number is not None:
        chapter.number = number
    if title is not None:
        chapter.title = title
    chapter.full_clean()
    chapter.save()
    return chapter


@transaction.atomic
def mineral_create(
    *, actor: Actor, agreement: Agreement, name: str, hs_codes: list[str]
) -> Mineral:
    require(actor, Capability.ADMINISTER)
    mineral = Mineral(agreement=agreement, name=name, hs_codes=list(hs_codes))
    mineral.full_clean()
    mineral.save()
    return mineral


@transaction.atomic
def mineral_update(
    *, actor: Actor, mineral: Mineral, name: str | None = None, hs_codes: list[str] | None = None
) -> Mineral:
    require(actor, Capability.ADMINISTER)
    if name is not None:
        mineral.name = name
    if hs_codes is not None:
        mineral.hs_codes = list(hs_codes)
    mineral.full_clean()
    mineral.save()
    return mineral


class ExportServiceUnavailable(Exception):
    """The broker cannot take the job now; nothing was created."""


def _require_export_service() -> None:
    if celery_app.conf.task_always_eager:
        return

    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # kombu raises several kinds; all mean the same to the user
        raise ExportServiceUnavailable(
            "Export service unavailable; please try again shortly."
        ) from error


def _point(
    *, round_: Round | None, moment: datetime.datetime | None
) -> tuple[datetime.datetime, str]:
    """A point in time and how documents name it: a round's close, a moment, or now."""
    if round_ is not None:
        return round_.closed_at, f"close of Round {round_.number}"
    moment = moment or timezone.now()
    return moment, f"{moment:%Y-%m-%d %H:%M} UTC"


def _check_round(agreement: Agreement, round_: Round | None, name: str, errors: dict) -> None:
    if round_ is None:
        return
    if round_.agreement_id != agreement.pk:
        errors[name] = f"Round {round_.number} belongs to another agreement."
    elif not round_.is_closed:
        errors[name] = f"Round {round_.number} is not closed yet; its text is not fixed."


@transaction.atomic
def export_request(
    *,
    actor: Actor,
    agreement: Agreement,
    format: str,
    variant: str,
    as_of: datetime.datetime | None = None,
    round: Round | None = None,
    base_round: Round | None = None,
    base_as_of: datetime.datetime | None = None,
) -> ExportJob:
    """Queue the consolidated text of an agreement in one format, variant and point in time.

    Anyone who reads the agreement may export it; the file is marked with their name and party.
    """
    agreement_require_participant(actor, agreement, to_write=False)
    errors: dict[str, str] = {}
    if format not in ExportJob.Format.values:
        errors["format"] = (
            f"Unknown format '{format}'; valid: {', '.join(ExportJob.Format.values)}."
        )
    if variant not in ExportJob.Variant.values:
        errors["variant"] = (
            f"Unknown variant '{variant}'; valid: {', '.join(ExportJob.Variant.values)}."
        )
    if as_of is not None and round is not None:
        errors["as_of"] = "Give a point in time either as as_of or as round, not both."
    if as_of is not None and as_of > timezone.now():
        errors["as_of"] = "That moment is in the future."
    _check_round(agreement, round, "round", errors)
    _check_round(agreement, base_round, "base_round", errors)
    is_redline = variant == ExportJob.Variant.REDLINE
    if is_redline and base_round is None and base_as_of is None:
        errors["base_round"] = (
            "A redline shows changes since a base: give base_round (or base_as_of)."
        )
    if not is_redline and (base_round is not None or base_as_of is not None):
        errors["base_round"] = "Only the redline variant takes a base."
    if errors:
        raise ValidationError(errors)
    at, at_label = _point(round_=round, moment=as_of)
    base_at, base_label = (None, "")
    if is_redline:
        base_at, base_label = _point(round_=base_round, moment=base_as_of)
        if base_at >= at:
            raise ValidationError(
                {"base_round": f"The base ({base_label}) must be before {at_label}."}
            )
    _require_export_service()
    job = ExportJob.objects.create(
        agreement=agreement,
        requested_by=actor.user,
        format=format,
        variant=variant,
        as_of=at,
        as_of_label=at_label,
        base_at=base_at,
        base_label=base_label,
        queued_at=timezone.now(),
    )
    job.marking = marking_for(job)
    job.save(update_fields=["marking"])
    transaction.on_commit(lambda: _queue_export(job.pk))
    return job


def _queue_export(job_id: int) -> None:
    from .tasks import build_export

    try:
        build_export.delay(job_id)
    except Exception:  # the broker went away between the check and the commit
        logger.exception("could not queue export %s", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.FAILED,
            error="Export service unavailable: the job could not be queued. Please request it again.",
            finished_at=timezone.now(),
        )


def _export_file_name(job: ExportJob, extension: str) -> str:
    title = slugify(job.agreement.short_title or job.agreement.title)[:60]
    return f"{title}-{job.variant}-{job.as_of:%Y%m%d-%H%M}-export-{job.pk}.{extension}"


def export_build(job_id: int) -> ExportJob:
    """Build the job's file into storage, reporting progress; a failure is recorded, not raised.

    Safe to deliver twice: a run first claims the queued job with a lease of its own (one
    conditional UPDATE, so two workers never build it at once) and writes only while it holds
    the lease. A job already running, finished or failed is left alone; a thread keeps the job's
    heartbeat fresh for as long as the run lives, however long one step takes.
    """
    lease = uuid.uuid4().hex
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING,
        lease=lease,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    job = ExportJob.objects.select_related("agreement", "requested_by").get(pk=job_id)
    if not claimed:
        logger.info("export %s is %s: nothing to build", job.pk, job.status)
        return job
    held = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.RUNNING, lease=lease)
    last = {"percent": -1}

    def beat() -> bool:
        return held.update(heartbeat_at=timezone.now()) == 1

    def report(percent: int) -> None:
        if percent != last["percent"]:
            last["percent"] = percent
            held.update(progress=min(percent, 99), heartbeat_at=timezone.now())

    # Another connection cannot see, and must not wait for, a row this transaction holds
    # (tests build inside one): there the heartbeat thread is left out.
    heartbeat = (
        nullcontext()
        if connection.in_atomic_block
        else Heartbeat(beat, settings.EXPORT_HEARTBEAT_INTERVAL.total_seconds())
    )
    try:
        with heartbeat:
            if settings.EXPORT_BUILD_PAUSE_SECONDS:
                time.sleep(settings.EXPORT_BUILD_PAUSE_SECONDS)
            built = documents.build(job.format, consolidated_text(job), progress=report)
            job.file.save(
                _export_file_name(job, built.extension), ContentFile(built.content), save=False
            )
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        held.update(
            status=ExportJob.Status.FAILED,
            lease="",
            error=f"Building the {job.get_format_display()} file failed: {error}",
            finished_at=timezone.now(),
        )
    else:
        finished = held.update(
            status=ExportJob.Status.DONE,
            lease="",
            progress=100,
            file=job.file.name,
            file_name=job.file.name.rsplit("/", 1)[-1],
            sha256=hashlib.sha256(built.content).hexdigest(),
            size=len(built.content),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        if not finished:  # the sweeper gave the job to another run meanwhile: that one delivers
            logger.warning("export %s lost its lease while building; file discarded", job.pk)
            job.file.delete(save=False)
    job.refresh_from_db()
    return job


def _stopped_error(attempts: int) -> str:
    restarts = attempts - 1
    again = f"; it was restarted {restarts} time{'s' if restarts != 1 else ''}" if restarts else ""
    return (
        f"The worker building this export stopped before finishing{again}. Please request it again."
    )


def export_sweep(now: datetime.datetime | None = None) -> int:
    """Recover jobs whose worker was lost; answers how many jobs it changed or sent again.

    A running job whose heartbeat is older than EXPORT_STALE_AFTER lost its worker: it is queued
    again and sent to the workers, or failed with the reason once EXPORT_MAX_ATTEMPTS runs have
    started. A queued job whose message went out longer ago than that may have lost it (a worker
    that took it died before starting it, or the broker lost it): the message is sent again (a
    duplicate finds the job claimed and does nothing). A job queued for EXPORT_QUEUED_LIMIT fails.
    Every change is a conditional UPDATE, so sweeps running at once cannot both act on a job.
    """
    now = now or timezone.now()
    stale = now - settings.EXPORT_STALE_AFTER
    changed = 0
    stopped = ExportJob.objects.filter(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
    for job_id, lease, attempts in stopped.values_list("pk", "lease", "attempts"):
        held = stopped.filter(pk=job_id, lease=lease)  # still silent, still that run's
        if attempts >= settings.EXPORT_MAX_ATTEMPTS:
            changed += held.update(
                status=ExportJob.Status.FAILED,
                lease="",
                finished_at=now,
                error=_stopped_error(attempts),
            )
        elif held.update(status=ExportJob.Status.QUEUED, lease="", progress=0, queued_at=now):
            logger.warning("export %s lost its worker; queued again", job_id)
            _queue_export(job_id)
            changed += 1
    queued = ExportJob.objects.filter(status=ExportJob.Status.QUEUED)
    changed += queued.filter(created_at__lt=now - settings.EXPORT_QUEUED_LIMIT).update(
        status=ExportJob.Status.FAILED,
        finished_at=now,
        error="No export worker picked this job up in time. Please request it again.",
    )
    unsent = queued.filter(Q(queued_at__lt=stale) | Q(queued_at=None, created_at__lt=stale))
    for job_id, queued_at in unsent.values_list("pk", "queued_at"):
        if queued.filter(pk=job_id, queued_at=queued_at).update(queued_at=now):
            _queue_export(job_id)
            changed += 1
    return changed


def export_remove_old_files(now: datetime.datetime | None = None) -> int:
    """Delete export files past their retention; the job row (who received what) is kept."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(
        finished_at__lt=now - settings.EXPORT_RETENTION, file_removed_at__isnull=True
    ).exclude(file="")
    removed = 0
    for job in old:
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="", file_removed_at=now)
        removed += 1
    return removed


def export_download(*, actor: Actor, job: ExportJob, request=None):
    """The built file of an export, opened for the person it was prepared for; the download is
    recorded in the audit log. `job` comes from `export_list_for(actor)`: only its requester's."""
    if job.status != ExportJob.Status.DONE:
        raise Http404(f"Export {job.pk} has no file: it is {job.get_status_display().lower()}.")
    if not job.file:
        raise Http404(f"The file of export {job.pk} was removed after the retention period.")
    handle = job.file.open("rb")
    audit_record(
        AuditEntry.Kind.EXPORT_DOWNLOADED,
        actor=actor.user,
        request=request,
        detail=f"Export {job.pk}: {job.file_name}",
    )
    return handle
