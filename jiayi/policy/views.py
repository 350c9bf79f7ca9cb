"""Policy screens: list, detail, effective policy, create, edit, copy. Thin: parse, call, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page

from . import queries, services
from .display import display_value, grouped_rows
from .filters import PolicyFilter, from_querydict
from .forms import PolicyTargetForm, PolicyValuesForm, region_choices

EXPORT_COLUMNS = [
    Column(_("区域"), lambda s: s.region_label),
    Column(_("年度"), lambda s: s.year, 8),
    Column(_("名称"), lambda s: s.title, 24),
    Column(_("来源预设"), lambda s: s.preset),
    Column(
        _("签约窗口"),
        lambda s: (
            f"{s.signing_window_start}～{s.signing_window_end}（{s.get_signing_window_mode_display()}）"
        ),
        24,
    ),
    Column(_("可选年限"), lambda s: display_value(s, "allowed_terms")),
    Column(_("签约上限"), lambda s: s.capacity_per_doctor),
    Column(_("基础包费用（元）"), lambda s: s.basic_fee),
    Column(_("薪酬比例（%）"), lambda s: s.staff_share_min_percent),
]


def policy_list(request):
    filters = from_querydict(PolicyFilter, request.GET)
    qs = queries.policy_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("政策设置"), EXPORT_COLUMNS, qs.iterator(), title=_("政策设置"))
    return render(
        request,
        "policy/policy_list.html",
        {
            "page_obj": paginate(request, qs),
            "filters": filters,
            "querystring": query_without_page(request),
            "can_change": has_perm(request.user, services.PERM),
            "years": sorted(
                set(queries.policy_list(request.user).values_list("year", flat=True)), reverse=True
            ),
        },
    )


def policy_detail(request, pk):
    setting = queries.policy_get(request.user, pk)
    return render(
        request,
        "policy/policy_detail.html",
        {
            "setting": setting,
            "groups": grouped_rows(setting),
            "can_change": has_perm(request.user, services.PERM),
        },
    )


def policy_effective(request):
    """Which rules apply to a region in a year, and where they come from."""
    regions = region_choices(request.user)
    region_id, year = request.GET.get("region"), request.GET.get("year")
    effective = None
    if year and year.isdigit():
        region = regions.filter(pk=region_id).first() if region_id and region_id.isdigit() else None
        effective = queries.policy_for(region, int(year))
    return render(
        request,
        "policy/policy_effective.html",
        {
            "regions": regions,
            "region_id": region_id or "",
            "year": year or "",
            "effective": effective,
            "groups": grouped_rows(effective.setting) if effective else None,
        },
    )


def policy_create(request):
    require_perm(request.user, services.PERM)
    target = PolicyTargetForm(request.POST or None, user=request.user)
    form = PolicyValuesForm(request.POST or None, setting=None if request.POST else _defaults())
    if request.method == "POST" and target.is_valid() and form.is_valid():
        setting = call_service(
            form,
            services.policy_setting_create,
            actor=request.user,
            region=target.cleaned_data["region"],
            year=target.cleaned_data["year"],
            values=form.values(),
        )
        if setting:
            messages.success(request, _("政策设置已创建"))
            return redirect("policy:policy_detail", pk=setting.pk)
    return render(request, "policy/policy_form.html", {"form": form, "target": target, "setting": None})


def _defaults():
    from .models import PolicySetting

    return PolicySetting(**services.default_values())


def policy_edit(request, pk):
    setting = queries.policy_get(request.user, pk)
    require_perm(request.user, services.PERM)
    form = PolicyValuesForm(request.POST or None, setting=setting)
    if request.method == "POST" and form.is_valid():
        updated = call_service(
            form, services.policy_setting_update, actor=request.user, setting=setting, changes=form.values()
        )
        if updated:
            messages.success(request, _("政策设置已保存"))
            return redirect("policy:policy_detail", pk=setting.pk)
    return render(request, "policy/policy_form.html", {"form": form, "target": None, "setting": setting})


def policy_copy(request, pk):
    setting = queries.policy_get(request.user, pk)
    require_perm(request.user, services.PERM)
    initial = {"region": setting.region_id, "year": setting.year + 1}
    form = PolicyTargetForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        copy = call_service(
            form,
            services.policy_setting_copy,
            actor=request.user,
            setting=setting,
            region=form.cleaned_data["region"],
            year=form.cleaned_data["year"],
        )
        if copy:
            messages.success(request, _("已复制为新的政策设置"))
            return redirect("policy:policy_detail", pk=copy.pk)
    return render(request, "policy/policy_copy.html", {"form": form, "setting": setting})
