"""Household screens: list, record with members, add member by search, change head, create."""

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
from .filters import HouseholdFilter, from_query
from .forms import AddMemberForm, ChangeHeadForm, HouseholdForm
from .models import RegionLevel, Relation, Resident

HOUSEHOLD_COLUMNS = [
    Column(_("户编号"), lambda h: h.code, 16),
    Column(_("户主"), lambda h: h.head.name if h.head_id else _("户主待定")),
    Column(_("在世成员数"), lambda h: h.member_count, 10),
    Column(_("家庭住址"), lambda h: h.address, 30),
    Column(_("村/社区"), lambda h: h.region.name),
    Column(_("管理机构"), lambda h: h.institution.name, 20),
    Column(_("签约团队"), lambda h: h.team.name if h.team_id else "", 18),
]


def household_list(request):
    queries.require_people_access(request.user)
    flt = from_query(HouseholdFilter, request.GET)
    rows = queries.households_search(request.user, flt)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(
            _("家庭户名单"), HOUSEHOLD_COLUMNS, rows.iterator(chunk_size=2000), title=_("家庭户")
        )
    context = {
        "page_obj": paginate(request, rows),
        "flt": flt,
        "querystring": query_without_page(request),
        "villages": queries.region_options(request.user, level=RegionLevel.VILLAGE),
        "institutions": queries.managed_institutions(request.user),
        "can_create": has_perm(request.user, "registry.change_household"),
        "can_export": has_perm(request.user, "core.export"),
    }
    return render(request, "registry/household_list.html", context)


def household_detail(request, pk):
    queries.require_people_access(request.user)
    household = queries.household_get(request.user, pk)
    members = queries.household_members(household)
    member_q = request.GET.get("member_q", "")
    candidates = queries.residents_without_household(request.user, member_q)
    context = {
        "h": household,
        "members": members,
        "member_q": member_q,
        "candidates": candidates,
        "relations": [c for c in Relation.choices if c[0] != Relation.HEAD or not household.head_id],
        "can_edit": has_perm(request.user, "registry.change_household"),
    }
    if request.htmx and request.htmx.target == "candidates":
        return render(request, "registry/_household_candidates.html", context)
    return render(request, "registry/household_detail.html", context)


def household_create(request):
    require_perm(request.user, "registry.change_household")
    form = HouseholdForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        h = call_service(form, services.household_create, actor=request.user, **form.cleaned_data)
        if h is not None:
            messages.success(request, _("已建立家庭户 %(code)s，请添加户主和成员") % {"code": h.code})
            return redirect("registry:household_detail", pk=h.pk)
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": _("新建家庭户"), "cancel_url": reverse("registry:household_list")},
    )


@require_POST
def household_add_member(request, pk):
    household = queries.household_get(request.user, pk)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            resident = Resident.objects.get_visible(request.user, pk=form.cleaned_data["resident"])
            services.household_add_member(
                actor=request.user,
                household=household,
                resident=resident,
                relation=form.cleaned_data["relation"],
            )
            messages.success(request, _("已将 %(name)s 加入本户") % {"name": resident.name})
        except BusinessError as exc:
            messages.error(request, str(exc.message))
    return redirect("registry:household_detail", pk=pk)


@require_POST
def household_remove_member(request, pk, resident_pk):
    household = queries.household_get(request.user, pk)
    try:
        resident = Resident.objects.get_visible(request.user, pk=resident_pk)
        services.household_remove_member(actor=request.user, household=household, resident=resident)
        messages.success(request, _("已将 %(name)s 移出本户") % {"name": resident.name})
    except BusinessError as exc:
        messages.error(request, str(exc.message))
    return redirect("registry:household_detail", pk=pk)


def household_change_head(request, pk):
    """Pick the new head; the form then proposes everyone's new relation for confirmation."""
    require_perm(request.user, "registry.change_household")
    household = queries.household_get(request.user, pk)
    members = queries.household_members(household)
    by_pk = {m.pk: m for m in members}
    raw = request.POST.get("new_head") or request.GET.get("new_head")
    new_head = by_pk.get(int(raw)) if raw and raw.isdigit() else None
    confirm = request.method == "POST" and "confirm" in request.POST
    form = ChangeHeadForm(
        request.POST if confirm else None,
        members=members,
        new_head=new_head,
        initial={"new_head": new_head.pk if new_head else None},
    )
    if confirm and new_head is not None and form.is_valid():
        done = call_service(
            form,
            services.household_change_head,
            actor=request.user,
            household=household,
            new_head=new_head,
            relations=form.relations(new_head.pk),
        )
        if done is not None:
            messages.success(request, _("已将户主更换为 %(name)s") % {"name": new_head.name})
            return redirect("registry:household_detail", pk=pk)
    return render(
        request, "registry/household_change_head.html", {"h": household, "form": form, "new_head": new_head}
    )
