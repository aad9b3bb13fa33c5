"""Every write to agreements, their participants, chapters and covered minerals."""

import datetime
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
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
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            error="Export service unavailable: the job could not be queued. Please request it again.",
            finished_at=timezone.now(),
        )


def _export_file_name(job: ExportJob, extension: str) -> str:
    title = slugify(job.agreement.short_title or job.agreement.title)[:60]
    return f"{title}-{job.variant}-{job.as_of:%Y%m%d-%H%M}-export-{job.pk}.{extension}"


def export_build(job_id: int) -> ExportJob:
    """Build the job's file into storage, reporting progress; a failure is recorded, not raised.

    Safe to run again: a finished job is left alone, a job interrupted mid-way starts afresh.
    """
    job = ExportJob.objects.select_related("agreement", "requested_by").get(pk=job_id)
    if job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        return job
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0, error=""
    )
    last = {"percent": -1}

    def report(percent: int) -> None:
        if percent != last["percent"]:
            last["percent"] = percent
            ExportJob.objects.filter(pk=job.pk).update(
                progress=min(percent, 99), heartbeat_at=timezone.now()
            )

    try:
        built = documents.build(job.format, consolidated_text(job), progress=report)
        job.file.save(
            _export_file_name(job, built.extension), ContentFile(built.content), save=False
        )
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"Building the {job.get_format_display()} file failed: {error}",
            finished_at=timezone.now(),
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.DONE,
            progress=100,
            file=job.file.name,
            file_name=job.file.name.rsplit("/", 1)[-1],
            sha256=hashlib.sha256(built.content).hexdigest(),
            size=len(built.content),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_fail_stale(now: datetime.datetime | None = None) -> int:
    """Fail jobs whose worker died (no heartbeat) or that no worker ever picked up."""
    now = now or timezone.now()
    stopped = ExportJob.objects.filter(
        status=ExportJob.Status.RUNNING, heartbeat_at__lt=now - settings.EXPORT_STALE_AFTER
    ).update(
        status=ExportJob.Status.FAILED,
        finished_at=now,
        error="The worker building this export stopped before finishing. Please request it again.",
    )
    never_started = ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, created_at__lt=now - settings.EXPORT_QUEUED_LIMIT
    ).update(
        status=ExportJob.Status.FAILED,
        finished_at=now,
        error="No export worker picked this job up in time. Please request it again.",
    )
    return stopped + never_started


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
