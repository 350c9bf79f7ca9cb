"""Resident screens: list with search and export, record, create, edit, reveal, death, key populations."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.errors import BusinessError
from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page

from . import queries, services
from .filters import ResidentFilter, from_query
from .forms import DeathForm, EndDateForm, KeyPopulationForm, ResidentForm
from .models import KeyPopulationKind, KeyPopulationRecord, RegionLevel, Sex

RESIDENT_COLUMNS = [
    Column(_("姓名"), lambda r: r.name),
    Column(_("性别"), lambda r: r.get_sex_display(), 6),
    Column(_("出生日期"), lambda r: r.birth_date, 12),
    Column(_("年龄"), lambda r: r.age, 6),
    Column(_("身份证号"), lambda r: r.id_masked, 22),
    Column(_("联系电话"), lambda r: r.phone_masked, 14),
    Column(_("村/社区"), lambda r: r.region.name),
    Column(_("家庭户"), lambda r: r.household.code if r.household_id else ""),
    Column(_("与户主关系"), lambda r: r.get_relation_display(), 10),
    Column(_("管理机构"), lambda r: r.institution.name, 20),
    Column(_("责任团队"), lambda r: r.team.name if r.team_id else "", 18),
    Column(_("状态"), lambda r: _("已故") if r.deceased_on else (_("有效") if r.is_active else _("注销")), 8),
]


def resident_list(request):
    queries.require_people_access(request.user)
    flt = from_query(ResidentFilter, request.GET)
    rows = queries.residents_search(request.user, filter=flt)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("居民名单"), RESIDENT_COLUMNS, rows.iterator(chunk_size=2000), title=_("居民"))
    context = {
        "page_obj": paginate(request, rows),
        "flt": flt,
        "querystring": query_without_page(request),
        "villages": queries.region_options(request.user, level=RegionLevel.VILLAGE),
        "institutions": queries.managed_institutions(request.user),
        "kinds": KeyPopulationKind.choices,
        "sexes": Sex.choices,
        "can_create": has_perm(request.user, "registry.change_resident"),
        "can_export": has_perm(request.user, "core.export"),
    }
    template = "registry/resident_rows.html" if request.htmx and request.htmx.target == "results" else None
    return render(request, template or "registry/resident_list.html", context)


def resident_detail(request, pk):
    queries.require_people_access(request.user)
    resident = queries.resident_get(request.user, pk)
    household = resident.household
    members = queries.household_members(household) if household else []
    living_others = [m for m in members if m.pk != resident.pk and not m.deceased_on and m.is_active]
    context = {
        "r": resident,
        "members": members,
        "kinds": queries.key_population_labels(queries.key_populations_of(resident)),
        "records": queries.resident_key_populations(request.user, resident),
        "memberships": queries.resident_communities(request.user, resident),
        "kp_form": KeyPopulationForm(),
        "death_form": DeathForm(
            candidates=living_others if household and household.head_id == resident.pk else ()
        ),
        "can_edit": has_perm(request.user, "registry.change_resident"),
        "can_edit_kp": has_perm(request.user, "registry.change_keypopulation"),
        "can_reveal": has_perm(request.user, "registry.reveal_national_id"),
        "can_refer": has_perm(request.user, "referrals.refer"),
    }
    return render(request, "registry/resident_detail.html", context)


def resident_create(request):
    require_perm(request.user, "registry.change_resident")
    form = ResidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        r = call_service(form, services.resident_create, actor=request.user, **form.cleaned_data)
        if r is not None:
            messages.success(request, _("已登记居民 %(name)s") % {"name": r.name})
            return redirect("registry:resident_detail", pk=r.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("登记居民"), "cancel_url": reverse("registry:resident_list")},
    )


def resident_edit(request, pk):
    require_perm(request.user, "registry.change_resident")
    resident = queries.resident_get(request.user, pk)
    initial = {
        "name": resident.name,
        "phone": "",
        "address": resident.address,
        "region": resident.region_id,
        "institution": resident.institution_id,
        "residence_status": resident.residence_status,
        "insurance_type": resident.insurance_type,
    }
    form = ResidentForm(request.POST or None, user=request.user, editing=True, initial=initial)
    form.fields["national_id"].widget.attrs["placeholder"] = resident.id_masked
    form.fields["phone"].widget.attrs["placeholder"] = resident.phone_masked
    form.fields["phone"].help_text = _("留空则不修改")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        # Blank secret fields mean "keep": the form never shows the stored values.
        for key in ("national_id", "phone"):
            if not data[key]:
                data.pop(key)
        r = call_service(form, services.resident_update, actor=request.user, resident=resident, **data)
        if r is not None:
            messages.success(request, _("已保存"))
            return redirect("registry:resident_detail", pk=r.pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("修改居民信息：%(name)s") % {"name": resident.name},
            "cancel_url": reverse("registry:resident_detail", args=[resident.pk]),
        },
    )


@require_POST
def resident_reveal_id(request, pk):
    """htmx: swap the masked ID for the whole one; the service logs the access."""
    resident = queries.resident_get(request.user, pk)
    value = services.resident_reveal_national_id(actor=request.user, resident=resident)
    return render(request, "registry/_reveal_id.html", {"value": value})


@require_POST
def resident_death(request, pk):
    resident = queries.resident_get(request.user, pk)
    household = resident.household
    candidates = []
    if household and household.head_id == resident.pk:
        candidates = [m for m in household.members.all() if m.pk != resident.pk and not m.deceased_on]
    form = DeathForm(request.POST, candidates=candidates)
    if form.is_valid():
        new_head = next((m for m in candidates if m.pk == form.cleaned_data["new_head"]), None)
        try:
            services.resident_record_death(
                actor=request.user,
                resident=resident,
                deceased_on=form.cleaned_data["deceased_on"],
                new_head=new_head,
            )
            messages.success(request, _("已登记死亡"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请填写正确的死亡日期"))
    return redirect("registry:resident_detail", pk=pk)


@require_POST
def keypopulation_add(request, pk):
    resident = queries.resident_get(request.user, pk)
    form = KeyPopulationForm(request.POST)
    if form.is_valid():
        try:
            services.keypopulation_add(actor=request.user, resident=resident, **form.cleaned_data)
            messages.success(request, _("已登记重点人群"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("重点人群信息填写有误"))
    return redirect("registry:resident_detail", pk=pk)


@require_POST
def keypopulation_end(request, pk, record_pk):
    record = KeyPopulationRecord.objects.get_visible(request.user, pk=record_pk, resident_id=pk)
    form = EndDateForm(request.POST)
    if form.is_valid():
        try:
            services.keypopulation_end(
                actor=request.user, record=record, valid_to=form.cleaned_data["valid_to"]
            )
            messages.success(request, _("已结束该重点人群登记"))
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("请填写截止日期"))
    return redirect("registry:resident_detail", pk=pk)
