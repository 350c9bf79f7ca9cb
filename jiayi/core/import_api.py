"""Imports over the REST API: upload a file as a job, poll its progress, read its rejected rows.

The same services as the import page: a queued job run by the worker, scoped to the caller.
"""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from .importing.queries import import_job_get, import_jobs_visible_to
from .importing.services import import_job_create
from .permissions import require_perm
from .tasks import enqueue_import_job

router = Router(tags=["imports"])


class ImportJobOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str
    total: int | None = None
    processed: int
    percent: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class RejectionOut(Schema):
    row: int
    column: str
    reason: str


class ErrorOut(Schema):
    code: str
    message: str
    details: dict


@router.get("/imports", response=list[ImportJobOut], summary="导入任务列表")
@paginate
def import_jobs(request):
    require_perm(request.user, "core.import")
    return import_jobs_visible_to(request.user)


@router.post(
    "/imports",
    response={202: ImportJobOut, 422: ErrorOut, 503: ErrorOut},
    summary="上传文件并排队导入（CSV 或 XLSX，中文表头）",
)
def import_upload(request, kind: Form[str], file: File[UploadedFile]):
    job = import_job_create(actor=request.user, kind=kind, file=file, file_name=file.name)
    try:
        enqueue_import_job(job)
    except Exception:  # the queue is down: the job stays queued and can be retried, never lost
        return Status(
            503,
            {
                "code": "queue_unavailable",
                "message": _("任务排队失败，请稍后重试"),
                "details": {"job": job.pk},
            },
        )
    job.refresh_from_db()
    return Status(202, job)


@router.get("/imports/{job_id}", response=ImportJobOut, summary="导入任务进度与结果")
def import_job(request, job_id: int):
    require_perm(request.user, "core.import")
    return import_job_get(request.user, job_id)


@router.get(
    "/imports/{job_id}/rejections", response=list[RejectionOut], summary="被拒绝的行（行号、列、原因）"
)
@paginate
def import_rejections(request, job_id: int):
    require_perm(request.user, "core.import")
    return import_job_get(request.user, job_id).rejections.order_by("row", "pk")
