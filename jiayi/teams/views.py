"""Team screens and the workforce report. Thin: parse, call a query or a service, render."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jiayi.core.errors import NotFound
from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution, Region

from . import queries, services
from .filters import TeamFilter, from_get
from .forms import ChangeLeaderForm, MemberAddForm, MemberEndForm, TeamEditForm, TeamForm
from .workforce import default_root, report_year_choices, workforce_report

YES, NO = gettext_lazy("是"), gettext_lazy("否")


def _can_manage_team(user, team) -> bool:
    return has_perm(user, services.TEAM_PERM) and services.can_manage(user, team.institution)


def team_list(request):
    user = request.user
    queries.require_staff(user)
    filters, bad = from_get(TeamFilter, request.GET)
    teams = filters.filter(queries.teams_for(user))
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _team_export(teams)
    page = paginate(request, teams)
    caps = queries.team_capacity_summary(page.object_list)
    return render(
        request,
        "teams/team_list.html",
        {
            "page_obj": page,
            "rows": [(t, caps[t.pk]) for t in page],
            "filters": filters,
            "bad_filters": bad,
            "institutions": Institution.objects.visible_to(user).primary().order_by("code"),
            "querystring": query_without_page(request),
            "can_create": has_perm(user, services.TEAM_PERM),
            "can_export": has_perm(user, "core.export"),
        },
    )


def _team_export(teams):
    teams = list(teams)
    caps = queries.team_capacity_summary(teams)
    columns = [
        Column(_("团队名称"), lambda t: t.name, 24),
        Column(_("所属机构"), lambda t: t.institution.name, 24),
        Column(_("团队长"), lambda t: t.leader.name if t.leader_id else ""),
        Column(_("成员数"), lambda t: t.members_count, 8),
        Column(_("签约居民数"), lambda t: caps[t.pk].used),
        Column(_("签约上限"), lambda t: caps[t.pk].limit),
        Column(_("缺中医"), lambda t: NO if t.has_tcm else YES, 8),
        Column(_("状态"), lambda t: _("在用") if t.is_active else _("停用"), 8),
    ]
    return xlsx_response(_("家庭医生团队"), columns, teams, title=_("家庭医生团队"))


def team_detail(request, pk):
    user = request.user
    queries.require_staff(user)
    team = queries.team_get(user, pk)
    can_manage = _can_manage_team(user, team)
    forms = {}
    if can_manage and team.is_active:
        forms = {"add_form": MemberAddForm(team=team), "leader_form": ChangeLeaderForm(team=team)}
    if request.method == "POST":
        if not can_manage:
            require_perm(user, services.TEAM_PERM)
            services.require_manage(user, team.institution)
        done = _team_action(request, team, forms)
        if done:
            return redirect("teams:team_detail", pk=team.pk)
    return render(
        request,
        "teams/team_detail.html",
        {
            "team": team,
            "memberships": queries.team_memberships(team),
            "villages": queries.team_villages(team),
            "doctors": queries.team_doctor_capacities(team),
            "can_manage": can_manage,
            "end_form": MemberEndForm(),
            **forms,
        },
    )


def _team_action(request, team, forms) -> bool:
    """One POST on the detail page; True when it succeeded. A failed form is left in `forms`."""
    user, action = request.user, request.POST.get("action")
    if action == "add_member":
        form = forms["add_form"] = MemberAddForm(request.POST, team=team)
        if form.is_valid() and call_service(
            form, services.team_add_member, actor=user, team=team, **form.cleaned_data
        ):
            messages.success(
                request, _("已添加成员 %(name)s") % {"name": form.cleaned_data["practitioner"].name}
            )
            return True
    elif action == "change_leader":
        form = forms["leader_form"] = ChangeLeaderForm(request.POST, team=team)
        if form.is_valid() and call_service(
            form, services.team_change_leader, actor=user, team=team, **form.cleaned_data
        ):
            messages.success(
                request, _("团队长已更换为 %(name)s") % {"name": form.cleaned_data["leader"].name}
            )
            return True
    elif action == "end_member":
        membership = team.memberships.filter(pk=request.POST.get("membership")).first()
        if membership is None:
            raise NotFound()
        form = MemberEndForm(request.POST)
        if form.is_valid():
            services.team_end_membership(actor=user, membership=membership, until=form.cleaned_data["until"])
            messages.success(
                request, _("已结束 %(name)s 的成员关系") % {"name": membership.practitioner.name}
            )
            return True
        messages.error(request, _("退出日期格式不正确"))
        return True
    return False


def team_create(request):
    user = request.user
    require_perm(user, services.TEAM_PERM)
    form = TeamForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        team = call_service(form, services.team_create, actor=user, **form.cleaned_data)
        if team is not None:
            messages.success(request, _("团队已创建"))
            return redirect("teams:team_detail", pk=team.pk)
    return render(request, "teams/team_form.html", {"form": form, "creating": True})


def team_edit(request, pk):
    user = request.user
    team = queries.team_get(user, pk)
    require_perm(user, services.TEAM_PERM)
    services.require_manage(user, team.institution)
    form = TeamEditForm(request.POST or None, instance=team, user=user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        villages = data.pop("villages")
        if call_service(form, services.team_update, actor=user, team=team, **data) and call_service(
            form, services.team_set_villages, actor=user, team=team, villages=villages
        ):
            messages.success(request, _("团队信息已保存"))
            return redirect("teams:team_detail", pk=team.pk)
    return render(request, "teams/team_form.html", {"form": form, "team": team, "creating": False})


@require_POST
def team_deactivate(request, pk):
    team = queries.team_get(request.user, pk)
    services.team_deactivate(actor=request.user, team=team)
    messages.success(request, _("团队已停用"))
    return redirect("teams:team_detail", pk=team.pk)


# --- workforce (R-TEAM-5) ----------------------------------------------------------------------


def workforce(request):
    user = request.user
    queries.require_staff(user)
    code = request.GET.get("region")
    root = Region.objects.get_visible(user, code=code) if code else default_root(user)
    try:
        year = int(request.GET.get("year", "")) or None
    except ValueError:
        year = None
    report = workforce_report(user, root=root, year=year)
    if request.GET.get("export") == "xlsx":
        require_perm(user, "core.export")
        return _workforce_export(report)
    crumbs = (root.ancestors() + [root]) if root is not None else []
    return render(
        request,
        "teams/workforce.html",
        {
            "report": report,
            "crumbs": crumbs,
            "years": report_year_choices(),
            "querystring": query_without_page(request),
            "can_export": has_perm(user, "core.export"),
            "base_url": reverse("teams:workforce"),
        },
    )


def _workforce_export(report):
    columns = [
        Column(_("区域/机构"), lambda r: r.name, 24),
        Column(_("代码"), lambda r: r.code, 16),
        Column(_("全科医生数"), lambda r: r.gps),
        Column(_("常住人口"), lambda r: r.population),
        Column(_("每万人全科医生数"), lambda r: r.ratio, 18),
        Column(_("2030年目标"), lambda r: report.target),
        Column(_("达标"), lambda r: "" if r.meets_target is None else (YES if r.meets_target else NO), 8),
    ]
    rows = [*report.rows, report.total]
    return xlsx_response(_("全科医生配备"), columns, rows, title=_("全科医生配备"))
