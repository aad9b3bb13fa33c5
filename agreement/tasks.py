"""Celery tasks for exports: build one file, recover jobs whose worker was lost, remove old files."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def build_export(job_id: int) -> str:
    return services.export_build(job_id).status


@shared_task(acks_late=True)
def sweep_exports() -> int:
    return services.export_sweep()


@shared_task(acks_late=True)
def remove_old_export_files() -> int:
    return services.export_remove_old_files()
