"""Long-term prescriptions and home hospital beds (R-SVC-6, R-SVC-7)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.errors import BusinessError
from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import paginate, query_without_page
from jiayi.registry import queries as rq

from . import homecare, prescriptions
from .filters import HomeBedFilter, from_query
from .forms import (
    DischargeForm,
    HomeBedAdmitForm,
    HomeBedVisitForm,
    PrescriptionForm,
    ReasonForm,
    parse_medicines,
    practitioner_for,
)
from .models import BedStatus, HomeBed, LongTermPrescription
from .workbench import workbench_teams


@require_POST
def prescription_issue(request, pk):
    resident = rq.resident_get(request.user, pk)
    form = PrescriptionForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            prescriptions.prescription_issue(
                actor=request.user,
                resident=resident,
                practitioner=d["practitioner"],
                condition=d["condition"],
                medicines=parse_medicines(d["medicines"]),
                weeks=d["weeks"],
                start=d["start"],
            )
            messages.success(request, _("已开具长期处方"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(
            request,
            _("长期处方填写有误：%(e)s")
            % {
                "e": "；".join(
                    f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}"
                    for k, v in form.errors.items()
                )
            },
        )
    return redirect("care:resident_care", pk=pk)


@require_POST
def prescription_stop(request, rx_pk):
    rx = LongTermPrescription.objects.get_visible(request.user, pk=rx_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            prescriptions.prescription_stop(
                actor=request.user, prescription=rx, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已停用长期处方"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请填写停用原因"))
    return redirect("care:resident_care", pk=rx.resident_id)


BED_COLUMNS = [
    Column(_("居民"), lambda b: b.resident.name),
    Column(_("建床诊断"), lambda b: b.diagnosis, 24),
    Column(_("责任医生"), lambda b: b.practitioner.name),
    Column(_("建床日期"), lambda b: b.admitted_on, 12),
    Column(_("撤床日期"), lambda b: b.discharged_on, 12),
    Column(_("状态"), lambda b: b.get_status_display(), 8),
    Column(_("查床次数"), lambda b: b.visit_count, 8),
]


def homebed_list(request):
    rq.require_people_access(request.user)
    flt = from_query(HomeBedFilter, request.GET)
    from django.db.models import Count

    rows = flt.filter(HomeBed.objects.visible_to(request.user)).select_related(
        "resident", "practitioner", "team"
    )
    rows = rows.annotate(visit_count=Count("visits")).order_by("status", "-admitted_on", "-pk")
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("家庭病床"), BED_COLUMNS, rows.iterator(chunk_size=2000), title=_("家庭病床"))
    return render(
        request,
        "care/homebed_list.html",
        {
            "page_obj": paginate(request, rows),
            "flt": flt,
            "querystring": query_without_page(request),
            "teams": workbench_teams(request.user),
            "statuses": BedStatus.choices,
            "can_export": has_perm(request.user, "core.export"),
        },
    )


def homebed_detail(request, bed_pk):
    rq.require_people_access(request.user)
    bed = HomeBed.objects.select_related("resident", "practitioner", "institution").get_visible(
        request.user, pk=bed_pk
    )
    visits = (
        bed.visits.select_related("record", "record__item", "record__practitioner")
        .prefetch_related("record__measurements")
        .order_by("-record__performed_on", "-pk")
    )
    return render(
        request,
        "care/homebed_detail.html",
        {
            "bed": bed,
            "visits": visits,
            "visit_form": HomeBedVisitForm(),
            "discharge_form": DischargeForm(),
            "can_record": has_perm(request.user, "care.record") and bed.status == BedStatus.ADMITTED,
        },
    )


@require_POST
def homebed_admit(request, pk):
    resident = rq.resident_get(request.user, pk)
    form = HomeBedAdmitForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            bed = homecare.homebed_admit(actor=request.user, resident=resident, **form.cleaned_data)
            messages.success(request, _("已建立家庭病床"))
            return redirect("care:homebed_detail", bed_pk=bed.pk)
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请填写建床诊断和责任医生"))
    return redirect("care:resident_care", pk=pk)


@require_POST
def homebed_visit(request, bed_pk):
    bed = HomeBed.objects.get_visible(request.user, pk=bed_pk)
    form = HomeBedVisitForm(request.POST)
    practitioner = practitioner_for(request.user)
    if practitioner is None:
        messages.error(request, _("当前账号未关联医务人员，不能记录查床"))
    elif form.is_valid():
        d = form.cleaned_data
        try:
            result = homecare.homebed_visit(
                actor=request.user,
                bed=bed,
                item=d["item"],
                practitioner=practitioner,
                performed_on=d["performed_on"],
                notes=d["notes"],
                measurements={k: d[k] for k in ("sbp", "dbp") if d.get(k) is not None},
            )
            messages.success(request, _("已记录查床"))
            for w in result.warnings:
                messages.warning(request, w)
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("查床记录填写有误"))
    return redirect("care:homebed_detail", bed_pk=bed_pk)


@require_POST
def homebed_discharge(request, bed_pk):
    bed = HomeBed.objects.get_visible(request.user, pk=bed_pk)
    form = DischargeForm(request.POST)
    if form.is_valid():
        try:
            homecare.homebed_discharge(actor=request.user, bed=bed, **form.cleaned_data)
            messages.success(request, _("已撤床"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请填写撤床小结"))
    return redirect("care:homebed_detail", bed_pk=bed_pk)
