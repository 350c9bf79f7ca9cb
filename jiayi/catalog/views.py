"""Catalogue screens: items (list, create, edit), packages (list, detail with versions, create, edit, activate/retire)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page

from . import queries, services
from .filters import ItemFilter, PackageFilter, from_querydict
from .forms import ItemForm, PackageForm
from .models import ItemCategory, PackageStatus, Tier, population_choices

PACKAGE_COLUMNS = [
    Column(_("编码"), lambda p: p.code),
    Column(_("版本"), lambda p: p.version, 6),
    Column(_("名称"), lambda p: p.name, 20),
    Column(_("类型"), lambda p: p.get_tier_display()),
    Column(_("适宜人群"), lambda p: "、".join(p.population_labels()), 30),
    Column(_("适用区域"), lambda p: p.region_label),
    Column(_("年收费（元）"), lambda p: p.price),
    Column(_("公卫（元）"), lambda p: p.fee_public_health),
    Column(_("医保（元）"), lambda p: p.fee_insurance),
    Column(_("个人（元）"), lambda p: p.fee_resident),
    Column(_("状态"), lambda p: p.get_status_display()),
]
ITEM_COLUMNS = [
    Column(_("编码"), lambda i: i.code, 20),
    Column(_("名称"), lambda i: i.name, 24),
    Column(_("类别"), lambda i: i.get_category_display()),
    Column(_("单价（元）"), lambda i: i.unit_price),
    Column(_("单位"), lambda i: i.unit, 8),
]


def item_list(request):
    filters = from_querydict(ItemFilter, request.GET)
    qs = queries.item_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("服务项目"), ITEM_COLUMNS, qs.iterator(), title=_("服务项目"))
    return render(
        request,
        "catalog/item_list.html",
        {
            "page_obj": paginate(request, qs, per_page=50),
            "filters": filters,
            "querystring": query_without_page(request),
            "categories": ItemCategory.choices,
            "can_change": has_perm(request.user, services.ITEM_PERM),
        },
    )


def item_create(request):
    require_perm(request.user, services.ITEM_PERM)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = call_service(form, services.item_create, actor=request.user, **form.item_values())
        if item:
            messages.success(request, _("服务项目“%(name)s”已创建") % {"name": item.name})
            return redirect("catalog:item_list")
    return render(request, "catalog/item_form.html", {"form": form, "item": None})


def item_edit(request, pk):
    item = queries.item_get(request.user, pk)
    require_perm(request.user, services.ITEM_PERM)
    form = ItemForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form, services.item_update, actor=request.user, item=item, changes=form.item_values()
        )
        if result:
            messages.success(request, _("服务项目“%(name)s”已保存") % {"name": result.name})
            return redirect("catalog:item_list")
    return render(request, "catalog/item_form.html", {"form": form, "item": item})


def package_list(request):
    filters = from_querydict(PackageFilter, request.GET)
    qs = queries.package_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("服务包"), PACKAGE_COLUMNS, qs.iterator(), title=_("服务包"))
    return render(
        request,
        "catalog/package_list.html",
        {
            "page_obj": paginate(request, qs),
            "filters": filters,
            "querystring": query_without_page(request),
            "tiers": Tier.choices,
            "statuses": PackageStatus.choices,
            "populations": population_choices(),
            "can_change": has_perm(request.user, services.PACKAGE_PERM),
        },
    )


def package_detail(request, pk):
    package = queries.package_get(request.user, pk)
    lines = list(package.items.all())
    return render(
        request,
        "catalog/package_detail.html",
        {
            "package": package,
            "lines": lines,
            "items_total": services.package_price_from_items(lines),
            "versions": queries.package_versions(package),
            "is_signed": services.package_is_signed(package),
            "signed_total": services.package_signed_total(package),
            "can_change": has_perm(request.user, services.PACKAGE_PERM),
        },
    )


def package_create(request):
    require_perm(request.user, services.PACKAGE_PERM)
    form = PackageForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        package = call_service(
            form,
            services.package_create,
            actor=request.user,
            code=form.cleaned_data["code"],
            items=form.cleaned_data["items"],
            **form.package_values(),
        )
        if package:
            messages.success(request, _("服务包已创建（草稿）"))
            return redirect("catalog:package_detail", pk=package.pk)
    return render(request, "catalog/package_form.html", {"form": form, "package": None})


def package_edit(request, pk):
    package = queries.package_get(request.user, pk)
    require_perm(request.user, services.PACKAGE_PERM)
    form = PackageForm(request.POST or None, user=request.user, package=package)
    if request.method == "POST" and form.is_valid():
        result = call_service(
            form,
            services.package_update,
            actor=request.user,
            package=package,
            changes=form.package_values(),
            items=form.cleaned_data["items"],
        )
        if result:
            if result.pk != package.pk:
                messages.success(
                    request, _("该服务包已有签约，已生成新版本 v%(v)s，旧版本停用") % {"v": result.version}
                )
            else:
                messages.success(request, _("服务包已保存"))
            return redirect("catalog:package_detail", pk=result.pk)
    return render(
        request,
        "catalog/package_form.html",
        {
            "form": form,
            "package": package,
            "is_signed": services.package_is_signed(package),
        },
    )


@require_POST
def package_status(request, pk):
    package = queries.package_get(request.user, pk)
    action = request.POST.get("action")
    fn = {"activate": services.package_activate, "retire": services.package_retire}.get(action)
    if fn is None:
        messages.error(request, _("未知的操作"))
    else:
        fn(actor=request.user, package=package)
        messages.success(request, _("状态已更新"))
    return redirect("catalog:package_detail", pk=package.pk)
