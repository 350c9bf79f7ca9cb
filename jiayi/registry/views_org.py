"""Screens for functional communities, institutions, the region tree and population baselines."""

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
from .filters import BaselineFilter, CommunityFilter, InstitutionFilter, from_query
from .forms import BaselineForm, CommunityForm, CommunityMemberForm, InstitutionForm, RegionForm
from .models import POPULATION_CHOICES, CommunityKind, InstitutionKind, InstitutionLevel, Resident

_POPULATION_LABELS = dict(POPULATION_CHOICES)


def _export_or(request, name, columns, rows):
    require_perm(request.user, "core.export")
    return xlsx_response(name, columns, rows.iterator(chunk_size=2000), title=name)


# --- functional communities ---------------------------------------------------------------

COMMUNITY_COLUMNS = [
    Column(_("名称"), lambda c: c.name, 24),
    Column(_("类型"), lambda c: c.get_kind_display()),
    Column(_("服务机构"), lambda c: c.institution.name, 20),
    Column(_("联系人"), lambda c: c.contact_name),
    Column(_("联系电话"), lambda c: c.contact_phone),
    Column(_("成员数"), lambda c: c.member_count, 8),
    Column(_("在用"), lambda c: _("是") if c.is_active else _("否"), 6),
]


def community_list(request):
    queries.require_people_access(request.user)
    flt = from_query(CommunityFilter, request.GET)
    rows = queries.communities_search(request.user, flt)
    if request.GET.get("export") == "xlsx":
        return _export_or(request, _("功能社区"), COMMUNITY_COLUMNS, rows)
    return render(
        request,
        "registry/community_list.html",
        {
            "page_obj": paginate(request, rows),
            "flt": flt,
            "querystring": query_without_page(request),
            "kinds": CommunityKind.choices,
            "can_create": has_perm(request.user, "registry.change_community"),
            "can_export": has_perm(request.user, "core.export"),
        },
    )


def community_detail(request, pk):
    queries.require_people_access(request.user)
    community = queries.community_get(request.user, pk)
    member_q = request.GET.get("member_q", "")
    candidates = (
        queries.residents_search(request.user, q=member_q, status="active")[:20] if member_q.strip() else []
    )
    context = {
        "c": community,
        "members": queries.community_members(request.user, community),
        "member_q": member_q,
        "candidates": candidates,
        "can_edit": has_perm(request.user, "registry.change_community"),
        "can_sign": has_perm(request.user, "contracts.sign"),
    }
    if request.htmx and request.htmx.target == "candidates":
        return render(request, "registry/_community_candidates.html", context)
    return render(request, "registry/community_detail.html", context)


def community_create(request):
    require_perm(request.user, "registry.change_community")
    form = CommunityForm(request.POST or None, user=request.user)
    form.fields.pop("is_active")
    if request.method == "POST" and form.is_valid():
        c = call_service(form, services.community_create, actor=request.user, **form.cleaned_data)
        if c is not None:
            messages.success(request, _("已建立功能社区"))
            return redirect("registry:community_detail", pk=c.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("新建功能社区"), "cancel_url": reverse("registry:community_list")},
    )


def community_edit(request, pk):
    require_perm(request.user, "registry.change_community")
    c = queries.community_get(request.user, pk)
    initial = {
        f: getattr(c, f) for f in ("name", "kind", "address", "contact_name", "contact_phone", "is_active")
    }
    initial.update(region=c.region_id, institution=c.institution_id)
    form = CommunityForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form, services.community_update, actor=request.user, community=c, **form.cleaned_data
        )
        if done is not None:
            messages.success(request, _("已保存"))
            return redirect("registry:community_detail", pk=pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("修改功能社区：%(n)s") % {"n": c.name},
            "cancel_url": reverse("registry:community_detail", args=[c.pk]),
        },
    )


@require_POST
def community_add_member(request, pk):
    c = queries.community_get(request.user, pk)
    form = CommunityMemberForm(request.POST)
    if form.is_valid():
        try:
            resident = Resident.objects.get_visible(request.user, pk=form.cleaned_data["resident"])
            services.community_add_member(
                actor=request.user, community=c, resident=resident, role=form.cleaned_data["role"]
            )
            messages.success(request, _("已添加成员 %(name)s") % {"name": resident.name})
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    return redirect("registry:community_detail", pk=pk)


@require_POST
def community_remove_member(request, pk, resident_pk):
    c = queries.community_get(request.user, pk)
    try:
        resident = Resident.objects.get_visible(request.user, pk=resident_pk)
        services.community_remove_member(actor=request.user, community=c, resident=resident)
        messages.success(request, _("已移出成员 %(name)s") % {"name": resident.name})
    except BusinessError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:community_detail", pk=pk)


# --- institutions -------------------------------------------------------------------------

INSTITUTION_COLUMNS = [
    Column(_("机构编码"), lambda i: i.code, 14),
    Column(_("机构名称"), lambda i: i.name, 24),
    Column(_("机构类型"), lambda i: i.get_kind_display(), 16),
    Column(_("转诊层级"), lambda i: i.get_level_display(), 10),
    Column(_("所在区划"), lambda i: i.region.name),
    Column(_("上级机构"), lambda i: i.parent.name if i.parent_id else "", 20),
    Column(_("联系电话"), lambda i: i.phone),
    Column(_("在用"), lambda i: _("是") if i.is_active else _("否"), 6),
]


def institution_list(request):
    queries.require_staff(request.user)
    flt = from_query(InstitutionFilter, request.GET)
    rows = queries.institutions_search(request.user, flt)
    if request.GET.get("export") == "xlsx":
        return _export_or(request, _("医疗机构"), INSTITUTION_COLUMNS, rows)
    return render(
        request,
        "registry/institution_list.html",
        {
            "page_obj": paginate(request, rows),
            "flt": flt,
            "querystring": query_without_page(request),
            "kinds": InstitutionKind.choices,
            "levels": InstitutionLevel.choices,
            "can_create": has_perm(request.user, "registry.change_institution"),
            "can_export": has_perm(request.user, "core.export"),
        },
    )


def institution_detail(request, pk):
    queries.require_staff(request.user)
    inst = queries.institution_get(request.user, pk)
    baselines = queries.baselines_search(request.user, BaselineFilter(institution=inst.pk)).order_by(
        "-year", "population"
    )
    return render(
        request,
        "registry/institution_detail.html",
        {
            "i": inst,
            "children": queries.institution_children(request.user, inst),
            "team_count": queries.institution_team_count(inst),
            "baselines": [(b, _POPULATION_LABELS.get(b.population, b.population)) for b in baselines],
            "can_edit": has_perm(request.user, "registry.change_institution"),
        },
    )


def institution_create(request):
    require_perm(request.user, "registry.change_institution")
    form = InstitutionForm(request.POST or None, user=request.user)
    form.fields.pop("is_active")
    if request.method == "POST" and form.is_valid():
        inst = call_service(form, services.institution_create, actor=request.user, **form.cleaned_data)
        if inst is not None:
            messages.success(request, _("已添加机构"))
            return redirect("registry:institution_detail", pk=inst.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("新增医疗机构"), "cancel_url": reverse("registry:institution_list")},
    )


def institution_edit(request, pk):
    require_perm(request.user, "registry.change_institution")
    inst = queries.institution_get(request.user, pk)
    initial = {
        f: getattr(inst, f) for f in ("code", "name", "kind", "level", "address", "phone", "is_active")
    }
    initial.update(region=inst.region_id, parent=inst.parent_id)
    form = InstitutionForm(request.POST or None, user=request.user, editing=True, initial=initial)
    form.fields["parent"].queryset = form.fields["parent"].queryset.exclude(pk=inst.pk)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("code")
        done = call_service(form, services.institution_update, actor=request.user, institution=inst, **data)
        if done is not None:
            messages.success(request, _("已保存"))
            return redirect("registry:institution_detail", pk=pk)
    return render(
        request,
        "registry/form.html",
        {
            "form": form,
            "title": _("修改机构：%(n)s") % {"n": inst.name},
            "cancel_url": reverse("registry:institution_detail", args=[inst.pk]),
        },
    )


# --- regions ------------------------------------------------------------------------------


def region_list(request):
    """The tree's top level the user sees; each row drills down to region_detail."""
    queries.require_staff(request.user)
    q = request.GET.get("q", "").strip()
    if q:
        from .filters import RegionFilter

        regions = queries.regions_search(request.user, RegionFilter(q=q))[:200]
    else:
        regions = queries.region_roots(request.user)
    return render(request, "registry/region_list.html", {"regions": regions, "q": q})


def region_detail(request, pk):
    queries.require_staff(request.user)
    region = queries.region_get(request.user, pk)
    form = None
    if has_perm(request.user, "registry.change_region") and region.level != "village":
        form = RegionForm(request.POST or None, initial={"code": region.prefix})
        if request.method == "POST" and form.is_valid():
            child = call_service(
                form, services.region_create, actor=request.user, parent=region, **form.cleaned_data
            )
            if child is not None:
                messages.success(request, _("已添加下级区划 %(n)s") % {"n": child.name})
                return redirect("registry:region_detail", pk=pk)
    return render(
        request,
        "registry/region_detail.html",
        {
            "region": region,
            "ancestors": region.ancestors(),
            "children": queries.region_children(request.user, region),
            "stats": queries.region_stats(request.user, region),
            "form": form,
        },
    )


# --- population baselines -----------------------------------------------------------------

BASELINE_COLUMNS = [
    Column(_("机构编码"), lambda b: b.institution.code, 14),
    Column(_("机构"), lambda b: b.institution.name, 24),
    Column(_("年度"), lambda b: b.year, 8),
    Column(_("人群"), lambda b: str(_POPULATION_LABELS.get(b.population, b.population)), 20),
    Column(_("人数"), lambda b: b.count, 10),
    Column(_("数据来源"), lambda b: b.source, 20),
]


def baseline_list(request):
    queries.require_staff(request.user)
    flt = from_query(BaselineFilter, request.GET)
    rows = queries.baselines_search(request.user, flt).order_by("institution__code", "-year", "population")
    if request.GET.get("export") == "xlsx":
        return _export_or(request, _("人口基数"), BASELINE_COLUMNS, rows)
    can_edit = has_perm(request.user, "registry.change_baseline")
    form = BaselineForm(request.POST or None, user=request.user) if can_edit else None
    if request.method == "POST":
        require_perm(request.user, "registry.change_baseline")
        if form.is_valid():
            done = call_service(form, services.baseline_set, actor=request.user, **form.cleaned_data)
            if done is not None:
                messages.success(request, _("已保存人口基数"))
                return redirect(request.get_full_path())
    page = paginate(request, rows)
    return render(
        request,
        "registry/baseline_list.html",
        {
            "page_obj": page,
            "rows": [(b, _POPULATION_LABELS.get(b.population, b.population)) for b in page],
            "flt": flt,
            "querystring": query_without_page(request),
            "institutions": queries.institution_options(request.user),
            "years": queries.baseline_years(request.user),
            "populations": POPULATION_CHOICES,
            "form": form,
            "can_export": has_perm(request.user, "core.export"),
        },
    )
