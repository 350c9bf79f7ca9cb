"""Practitioner screens."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution

from . import queries, services
from .filters import PractitionerFilter, from_get
from .forms import PractitionerForm
from .models import Profession, Title
from .views import NO, YES


def _can_manage(user, p) -> bool:
    return has_perm(user, services.PRACTITIONER_PERM) and services.can_manage(user, p.institution)


def practitioner_list(request):
    user = request.user
    queries.require_staff(user)
    filters, bad = from_get(PractitionerFilter, request.GET)
    practitioners = filters.filter(queries.practitioners_for(user))
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _export(practitioners)
    page = paginate(request, practitioners)
    caps = queries.capacities(p for p in page if p.can_be_family_doctor)
    return render(
        request,
        "teams/practitioner_list.html",
        {
            "page_obj": page,
            "rows": [(p, caps.get(p.pk)) for p in page],
            "filters": filters,
            "bad_filters": bad,
            "institutions": Institution.objects.visible_to(user).order_by("code"),
            "professions": Profession.choices,
            "titles": [c for c in Title.choices if c[0]],
            "querystring": query_without_page(request),
            "can_create": has_perm(user, services.PRACTITIONER_PERM),
            "can_export": has_perm(user, "core.export"),
        },
    )


def _export(practitioners):
    columns = [
        Column(_("姓名"), lambda p: p.name, 12),
        Column(_("执业证书编码"), lambda p: p.licence_no or "", 20),
        Column(_("专业类别"), lambda p: p.get_profession_display()),
        Column(_("职称"), lambda p: p.get_title_display()),
        Column(_("科室"), lambda p: p.department),
        Column(_("执业机构"), lambda p: p.institution.name, 24),
        Column(_("派出医院"), lambda p: p.home_institution.name if p.home_institution_id else "", 24),
        Column(_("退休返聘"), lambda p: YES if p.is_retired else NO, 8),
        Column(_("能提供中医药服务"), lambda p: YES if p.tcm_capable else NO, 10),
        Column(_("在岗"), lambda p: YES if p.is_active else NO, 8),
    ]
    return xlsx_response(_("医务人员"), columns, practitioners.iterator(), title=_("医务人员"))


def practitioner_detail(request, pk):
    user = request.user
    queries.require_staff(user)
    p = queries.practitioner_get(user, pk)
    return render(
        request,
        "teams/practitioner_detail.html",
        {
            "p": p,
            "memberships": queries.practitioner_memberships(p),
            "capacity": queries.doctor_capacity(p) if p.can_be_family_doctor else None,
            "can_manage": _can_manage(user, p),
        },
    )


def practitioner_create(request):
    user = request.user
    require_perm(user, services.PRACTITIONER_PERM)
    form = PractitionerForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        p = call_service(form, services.practitioner_create, actor=user, **form.cleaned_data)
        if p is not None:
            messages.success(request, _("医务人员已登记"))
            return redirect("teams:practitioner_detail", pk=p.pk)
    return render(request, "teams/practitioner_form.html", {"form": form, "creating": True})


def practitioner_edit(request, pk):
    user = request.user
    p = queries.practitioner_get(user, pk)
    require_perm(user, services.PRACTITIONER_PERM)
    services.require_manage(user, p.institution)
    form = PractitionerForm(request.POST or None, instance=p, user=user)
    if (
        request.method == "POST"
        and form.is_valid()
        and call_service(form, services.practitioner_update, actor=user, practitioner=p, **form.cleaned_data)
    ):
        messages.success(request, _("医务人员信息已保存"))
        return redirect("teams:practitioner_detail", pk=p.pk)
    return render(request, "teams/practitioner_form.html", {"form": form, "p": p, "creating": False})


@require_POST
def practitioner_deactivate(request, pk):
    p = queries.practitioner_get(request.user, pk)
    services.practitioner_deactivate(actor=request.user, practitioner=p)
    messages.success(request, _("%(name)s 已停用") % {"name": p.name})
    return redirect("teams:practitioner_detail", pk=p.pk)
