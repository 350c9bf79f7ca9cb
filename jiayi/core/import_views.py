"""Import screens: upload a file, watch the job's progress, read and download the rejected rows."""

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .errors import BusinessError
from .export import Column, xlsx_response
from .importing.files import template_csv, template_xlsx
from .importing.forms import ImportUploadForm
from .importing.kinds import importer_class
from .importing.queries import import_job_get, import_jobs_visible_to
from .importing.services import import_job_create
from .models import ImportKind
from .permissions import require_perm
from .tasks import enqueue_import_job
from .viewkit import paginate

REJECTIONS_SHOWN = 200


def _kinds():
    return [
        {"value": kind.value, "label": kind.label, "columns": importer_class(kind).columns}
        for kind in ImportKind
    ]


def import_list(request):
    require_perm(request.user, "core.import")
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, initial={"kind": request.GET.get("kind")}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                actor=request.user, kind=form.cleaned_data["kind"], file=upload, file_name=upload.name
            )
        except BusinessError as exc:
            form.add_error(
                exc.details.get("field") if exc.details.get("field") in form.fields else None,
                str(exc.message),
            )
        else:
            try:
                enqueue_import_job(job)
            except Exception:  # a queue that is down must not lose the stored file's job silently
                messages.error(request, _("任务排队失败，请稍后重试或联系管理员"))
            return redirect("core:import_detail", pk=job.pk)
    page = paginate(request, import_jobs_visible_to(request.user))
    return render(request, "core/imports/list.html", {"form": form, "page_obj": page, "kinds": _kinds()})


def import_detail(request, pk: int):
    require_perm(request.user, "core.import")
    job = import_job_get(request.user, pk)
    return render(request, "core/imports/detail.html", _detail_context(job))


def import_progress(request, pk: int):
    """The htmx fragment polled every second; it stops polling once the job has finished."""
    require_perm(request.user, "core.import")
    job = import_job_get(request.user, pk)
    return render(request, "core/imports/_progress.html", _detail_context(job))


def _detail_context(job) -> dict:
    rejections = list(job.rejections.all()[:REJECTIONS_SHOWN]) if job.is_finished else []
    return {"job": job, "rejections": rejections, "rejections_shown": REJECTIONS_SHOWN}


REJECTION_COLUMNS = [
    Column(_("行号"), lambda r: r.row, 8),
    Column(_("列"), lambda r: r.column, 16),
    Column(_("原因"), lambda r: r.reason, 60),
]


def import_rejections(request, pk: int):
    require_perm(request.user, "core.import")
    require_perm(request.user, "core.export")
    job = import_job_get(request.user, pk)
    name = _("导入拒绝行-%(name)s") % {"name": job.file_name.rsplit(".", 1)[0]}
    return xlsx_response(name, REJECTION_COLUMNS, job.rejections.all().iterator(), title=_("拒绝行"))


@require_GET
def import_template(request, kind: str, fmt: str):
    require_perm(request.user, "core.import")
    if kind not in ImportKind.values or fmt not in ("xlsx", "csv"):
        raise Http404
    importer = importer_class(kind)
    label = _("导入模板-%(kind)s") % {"kind": ImportKind(kind).label}
    if fmt == "xlsx":
        data, ctype = (
            template_xlsx(importer),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        data, ctype = template_csv(importer), "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = (
        f"attachment; filename=\"template-{kind}.{fmt}\"; filename*=UTF-8''{quote(label)}.{fmt}"
    )
    return response
