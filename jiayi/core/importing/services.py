"""Writes of the import framework: create a job for a file, run it.

A job is one audit event (who, kind, file name, counts), not one per row: a 100,000-row file
would otherwise bury the audit trail, and the job itself keeps the rejected rows.
Running is many short transactions (one per batch, see runner) plus one for the outcome.
"""

import logging
from collections.abc import Callable
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write
from jiayi.core.errors import BusinessError, ValidationFailed
from jiayi.core.models import ImportJob, ImportKind, ImportRejection, ImportStatus
from jiayi.core.permissions import require_perm

from .kinds import importer_class
from .runner import BATCH_SIZE, Counts, run_import

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")


def _county_of(actor) -> str:
    if actor is None:
        return ""
    return actor.scope.county_code or ""


def import_job_create(*, actor, kind: str, file: File, file_name: str) -> ImportJob:
    """Store an uploaded file as a queued job. `actor` None is the console (system)."""
    if actor is not None:
        require_perm(actor, "core.import")
    if kind not in ImportKind.values:
        raise ValidationFailed(_("未知的导入类型：%(k)s") % {"k": kind}, details={"field": "kind"})
    file_name = Path(file_name or "").name
    if Path(file_name).suffix.lower() not in ALLOWED_SUFFIXES:
        raise ValidationFailed(_("只支持 CSV 和 XLSX 文件"), details={"field": "file"})
    with transaction.atomic():
        job = ImportJob(kind=kind, file_name=file_name[:200], user=actor, county_code=_county_of(actor))
        job.file.save(file_name, file, save=False)
        job.save()
    return job


def import_job_run(
    *, job_id: int, batch_size: int = BATCH_SIZE, on_progress: Callable[[Counts], None] | None = None
) -> ImportJob:
    """Run a queued job to the end. A job already started (a retried task) is left alone."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now
    )
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    if not claimed:
        return job
    counts: Counts | None = None
    try:
        if job.user is not None:
            require_perm(job.user, "core.import")
        importer = importer_class(job.kind)(job.user)
        counts = run_import(
            importer,
            job.file.path,
            name=job.file_name,
            batch_size=batch_size,
            on_progress=lambda c: _save_progress(job.pk, c, on_progress),
            on_rejections=lambda errors: _save_rejections(job.pk, errors),
        )
        job.status, job.error = ImportStatus.DONE, ""
    except BusinessError as exc:
        job.status, job.error = ImportStatus.FAILED, str(exc.message)
    except Exception:
        logger.exception("import job %s failed", job_id)
        job.status, job.error = (
            ImportStatus.FAILED,
            _("导入过程中发生内部错误，已处理的批次已保存；请联系管理员后重新导入。"),
        )
    _finish(job, counts)
    return job


def _save_progress(job_id: int, counts: Counts, also=None) -> None:
    ImportJob.objects.filter(pk=job_id).update(**counts.as_dict())
    if also:
        also(counts)


def _save_rejections(job_id: int, errors) -> None:
    ImportRejection.objects.bulk_create(
        [ImportRejection(job_id=job_id, row=e.row, column=e.column, reason=e.reason[:300]) for e in errors]
    )


def _finish(job: ImportJob, counts: Counts | None) -> None:
    # The uploaded file holds national IDs and phones in clear: it is not kept once read.
    if job.file:
        job.file.delete(save=False)
    # A failed run keeps the counts of the batches that landed, as the progress saved them.
    saved = (
        counts.as_dict() if counts else ImportJob.objects.filter(pk=job.pk).values(*Counts().as_dict()).get()
    )
    for key, value in saved.items():
        setattr(job, key, value)
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        record_write(
            actor=job.user,
            action="import",
            obj=job,
            after={
                "kind": job.kind,
                "file_name": job.file_name,
                "status": job.status,
                "error": job.error,
                **saved,
            },
        )
