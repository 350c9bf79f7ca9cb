"""The resident's care page and its forms: service records, voiding, risk colours, assessments."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.errors import BusinessError
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service
from jiayi.registry import queries as rq

from . import queries as q
from . import services
from .forms import (
    AssessmentForm,
    HomeBedAdmitForm,
    PrescriptionForm,
    ReasonForm,
    RiskForm,
    ServiceRecordForm,
    practitioner_for,
)
from .models import ServiceRecord
from .summary import brief_summary, care_summary


def resident_care(request, pk):
    ctx = care_summary(request.user, pk)
    ctx.update(
        {
            "can_record": has_perm(request.user, "care.record"),
            "risk_form": RiskForm(),
            "assessment_form": AssessmentForm(),
            "void_form": ReasonForm(),
            "rx_form": PrescriptionForm(user=request.user),
            "bed_form": HomeBedAdmitForm(user=request.user),
        }
    )
    return render(request, "care/resident_care.html", ctx)


def resident_summary(request, pk):
    """htmx fragment for the registry's resident page."""
    return render(request, "care/_resident_summary.html", brief_summary(request.user, pk))


def contract_entitlement(request, pk):
    """htmx fragment for the contract page: the entitlement table of the current contract year."""
    rq.require_people_access(request.user)
    ent = q.contract_entitlement(request.user, pk)
    return render(request, "care/_entitlement.html", {"ent": ent})


def record_create(request, pk):
    require_perm(request.user, "care.record")
    resident = rq.resident_get(request.user, pk)
    form = ServiceRecordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            services.service_record_create,
            actor=request.user,
            resident=resident,
            **form.service_kwargs(),
        )
        if result is not None:
            messages.success(request, _("已记录服务：%(item)s") % {"item": result.record.item.name})
            for w in result.warnings:
                messages.warning(request, w)
            return redirect("care:resident_care", pk=resident.pk)
    return render(
        request,
        "care/record_form.html",
        {"form": form, "r": resident, "cancel_url": reverse("care:resident_care", args=[resident.pk])},
    )


def _flash(request, fn, ok_message, **kwargs):
    try:
        fn(actor=request.user, **kwargs)
        messages.success(request, ok_message)
    except BusinessError as exc:
        messages.error(request, str(exc.message))


@require_POST
def record_void(request, record_pk):
    record = ServiceRecord.objects.get_visible(request.user, pk=record_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        _flash(
            request,
            services.service_record_void,
            _("已作废该服务记录"),
            record=record,
            reason=form.cleaned_data["reason"],
        )
    else:
        messages.error(request, _("请填写作废原因"))
    return redirect("care:resident_care", pk=record.resident_id)


@require_POST
def risk_set(request, pk):
    resident = rq.resident_get(request.user, pk)
    form = RiskForm(request.POST)
    practitioner = practitioner_for(request.user)
    if practitioner is None:
        messages.error(request, _("当前账号未关联医务人员，不能评估色标"))
    elif form.is_valid():
        d = form.cleaned_data
        _flash(
            request,
            services.risk_assess,
            _("已更新色标"),
            resident=resident,
            condition=d["condition"],
            colour=d["colour"],
            reason=d["reason"],
            practitioner=practitioner,
            assessed_on=d["assessed_on"],
        )
    else:
        messages.error(request, _("请填写疾病、色标和依据"))
    return redirect("care:resident_care", pk=pk)


@require_POST
def assessment_create(request, pk):
    resident = rq.resident_get(request.user, pk)
    form = AssessmentForm(request.POST)
    practitioner = practitioner_for(request.user)
    if practitioner is None:
        messages.error(request, _("当前账号未关联医务人员，不能记录评估"))
    elif form.is_valid():
        d = form.cleaned_data
        _flash(
            request,
            services.health_assessment_create,
            _("已保存年度健康评估"),
            resident=resident,
            practitioner=practitioner,
            findings=d["findings"],
            plan=d["plan"],
            lifestyle=d["lifestyle"],
            assessed_on=d["assessed_on"],
        )
    else:
        messages.error(request, _("请填写评估发现和健康管理计划"))
    return redirect("care:resident_care", pk=pk)
