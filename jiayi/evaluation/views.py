import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.errors import NotFound
from jiayi.core.export import Column, xlsx_response
from jiayi.core.permissions import has_perm, require_perm
from jiayi.core.viewkit import call_service, paginate, query_without_page
from jiayi.registry.models import Institution
from jiayi.teams.models import Team

from . import queries, services
from .filters import DashboardFilter, LineFilter, from_querydict, sort_rows
from .forms import AssessmentRunForm, CostForm, PeriodForm, SchemeForm, SettlementRunForm
from .indicators import INDICATORS, Unit, compute


def _pct(v):
    return "" if v is None else float(v)


COVERAGE_COLUMNS = [
    Column(_("单位"), lambda r: r.name, 28),
    Column(_("常住人口数"), lambda r: r.baseline),
    Column(_("目标覆盖率（%）"), lambda r: r.target_rate),
    Column(_("签约任务数"), lambda r: r.task),
    Column(_("签约人数"), lambda r: r.signed),
    Column(_("覆盖率（%）"), lambda r: r.rate),
    Column(_("任务完成率（%）"), lambda r: r.progress),
    Column(_("差距（人）"), lambda r: r.gap),
    Column(_("重点人群签约人数"), lambda r: r.key_signed),
    Column(_("重点人群基数"), lambda r: r.key_baseline),
    Column(_("重点人群覆盖率（%）"), lambda r: r.key_rate),
    Column(_("重点人群目标（%）"), lambda r: r.key_target_rate),
    Column(_("履约中"), lambda r: r.active),
    Column(_("待生效"), lambda r: r.pending),
    Column(_("考核得分"), lambda r: r.score),
]


def dashboard(request):
    require_perm(request.user, "evaluation.view")
    f = from_querydict(DashboardFilter, request.GET)
    data = queries.dashboard(request.user, year=f.year, institution_id=f.institution, team_id=f.team)
    data["rows"] = sort_rows(data["rows"], f.sort)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        title = _("签约覆盖率") + f"{f.year}"
        return xlsx_response(title, COVERAGE_COLUMNS, [*data["rows"], data["total"]], title=title)
    rows = data["rows"]
    chart = {
        "names": [r.name for r in rows],
        "rate": [_pct(r.rate) for r in rows],
        "target": [_pct(r.target_rate) for r in rows],
        "signed": [r.signed for r in rows],
        "task": [r.task for r in rows],
        "level": data["level"],
        "trend": data["trend"],
        "trend_baseline": data["total"].baseline,
        "populations": [
            {"name": p["label"], "signed": p["signed"], "rate": _pct(p["rate"])}
            for p in data["populations"][1:]
        ],
    }
    trajectory = []
    if data["level"] == "institution":
        trajectory = queries.institution_trajectory(
            request.user, institution_id=data["institution"].pk, year=f.year
        )
    return render(
        request,
        "evaluation/dashboard.html",
        {
            **data,
            "filters": f,
            "chart": chart,
            "querystring": query_without_page(request),
            "years": list(range(timezone.localdate().year + 1, 2016, -1)),
            "trajectory": trajectory,
        },
    )


def _unit_from(request, f: DashboardFilter) -> Unit:
    if f.team:
        team = Team.objects.get_visible(request.user, pk=f.team)
        return Unit("team", team_id=team.pk, name=team.name)
    if f.institution:
        inst = Institution.objects.get_visible(request.user, pk=f.institution)
        return Unit("institution", institution_id=inst.pk, name=inst.name)
    scope = request.user.scope
    if scope.kind == "team":
        return Unit("team", team_id=scope.team_id, name=_("本团队"))
    if scope.kind == "institution":
        inst = Institution.objects.get(pk=request.user.institution_id)
        return Unit("institution", institution_id=inst.pk, name=inst.name)
    prefix = scope.region_prefix or scope.county_code
    if not prefix:
        raise NotFound()
    return Unit("region", region_prefix=prefix, name=_("辖区"))


INDICATOR_COLUMNS = [
    Column(_("指标"), lambda r: r["indicator"].name, 20),
    Column(_("数值"), lambda r: r["result"].value),
    Column(_("单位"), lambda r: r["indicator"].unit, 8),
    Column(_("分子"), lambda r: r["result"].numerator),
    Column(_("分母"), lambda r: r["result"].denominator),
    Column(_("分子定义"), lambda r: r["indicator"].numerator, 30),
    Column(_("分母定义"), lambda r: r["indicator"].denominator, 30),
    Column(_("数据来源"), lambda r: r["indicator"].source, 20),
    Column(_("统计口径"), lambda r: r["indicator"].period, 20),
]


def indicator_report(request):
    """Every indicator for one unit and period (a report over indexed queries, not a dashboard)."""
    require_perm(request.user, "evaluation.view")
    f = from_querydict(DashboardFilter, request.GET)
    unit = _unit_from(request, f)
    form = PeriodForm(request.GET or None, year=f.year)
    start, end = dt.date(f.year, 1, 1), min(dt.date(f.year, 12, 31), timezone.localdate())
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    rows = [{"indicator": ind, "result": compute(code, unit, start, end)} for code, ind in INDICATORS.items()]
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("考核指标") + f"-{unit.name}", INDICATOR_COLUMNS, rows, title=_("考核指标"))
    return render(
        request,
        "evaluation/indicators.html",
        {"rows": rows, "unit": unit, "form": form, "start": start, "end": end, "filters": f,
         "querystring": query_without_page(request)},
    )  # fmt: skip


# --- schemes -----------------------------------------------------------------------------------


def scheme_list(request):
    require_perm(request.user, "evaluation.view")
    if request.method == "POST" and request.POST.get("preset"):
        scheme = services.scheme_create_preset(actor=request.user)
        messages.success(request, _("已创建预置考核方案"))
        return redirect("evaluation:scheme_edit", pk=scheme.pk)
    return render(
        request,
        "evaluation/scheme_list.html",
        {"schemes": queries.scheme_list(request.user), "can_change": has_perm(request.user, "evaluation.change_scheme"),
         "indicators": INDICATORS},
    )  # fmt: skip


def scheme_edit(request, pk=None):
    require_perm(request.user, "evaluation.change_scheme")
    scheme = queries.scheme_get(request.user, pk) if pk else None
    form = SchemeForm(request.POST or None, scheme=scheme)
    if request.method == "POST" and form.is_valid():
        if scheme:
            saved = call_service(
                form, services.scheme_update, actor=request.user, scheme=scheme,
                name=form.cleaned_data["name"], items=form.items(),
            )  # fmt: skip
        else:
            saved = call_service(
                form,
                services.scheme_create,
                actor=request.user,
                name=form.cleaned_data["name"],
                items=form.items(),
            )
        if saved:
            messages.success(request, _("考核方案已保存"))
            return redirect("evaluation:scheme_list")
    return render(request, "evaluation/scheme_form.html", {"form": form, "scheme": scheme})


# --- assessment runs ---------------------------------------------------------------------------


def assessment_list(request):
    require_perm(request.user, "evaluation.view")
    form = AssessmentRunForm(
        request.POST or None, schemes=queries.scheme_list(request.user).filter(is_active=True)
    )
    if request.method == "POST" and form.is_valid():
        run = call_service(
            form, services.assessment_run, actor=request.user, scheme=form.cleaned_data["scheme"],
            period_start=form.cleaned_data["period_start"], period_end=form.cleaned_data["period_end"],
        )  # fmt: skip
        if run:
            messages.success(request, _("考核结果已计算并保存"))
            return redirect("evaluation:assessment_detail", pk=run.pk)
    return render(
        request,
        "evaluation/assessment_list.html",
        {"page_obj": paginate(request, queries.assessment_run_list(request.user)), "form": form,
         "can_run": has_perm(request.user, "evaluation.run_assessment")},
    )  # fmt: skip


def assessment_detail(request, pk):
    require_perm(request.user, "evaluation.view")
    run = queries.assessment_run_get(request.user, pk)
    scores = list(queries.visible_scores(request.user, run))
    codes = [i["indicator"] for i in run.scheme.items]
    columns = [
        Column(_("机构"), lambda s: s.institution.name, 24),
        Column(_("团队"), lambda s: s.team.name if s.team else _("（机构）"), 20),
        Column(_("得分"), lambda s: s.score),
        *[
            Column(str(INDICATORS[c].name), lambda s, c=c: (s.values.get(c) or {}).get("value"))
            for c in codes
        ],
    ]
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("考核结果") + f"-{run.pk}", columns, scores, title=_("考核结果"))
    table = [(s, [(s.values.get(c) or {}).get("value") for c in codes]) for s in scores]
    return render(
        request,
        "evaluation/assessment_detail.html",
        {"run": run, "table": table, "headers": [INDICATORS[c].name for c in codes]},
    )


# --- settlement --------------------------------------------------------------------------------

LINE_COLUMNS = [
    Column(_("机构"), lambda x: x.institution.name, 24),
    Column(_("团队"), lambda x: x.team.name, 20),
    Column(_("计费签约数"), lambda x: x.contracts),
    Column(_("基本公卫经费（元）"), lambda x: x.fee_public_health),
    Column(_("医保基金（元）"), lambda x: x.fee_insurance),
    Column(_("居民个人（元）"), lambda x: x.fee_resident),
    Column(_("应收合计（元）"), lambda x: x.fee_total),
    Column(_("考核得分"), lambda x: x.score),
    Column(_("考核后拨付（元）"), lambda x: x.disbursed),
    Column(_("成本（元）"), lambda x: x.costs),
    Column(_("人员分配比例（%）"), lambda x: x.staff_share_percent),
    Column(_("团队绩效池（元，不低于）"), lambda x: x.pay_pool),
]


def settlement_list(request):
    require_perm(request.user, "evaluation.view")
    form = SettlementRunForm(request.POST or None, runs=queries.assessment_run_list(request.user))
    if request.method == "POST" and form.is_valid():
        run = call_service(
            form, services.settlement_run, actor=request.user, assessment=form.cleaned_data["assessment"],
            period_start=form.cleaned_data["period_start"], period_end=form.cleaned_data["period_end"],
        )  # fmt: skip
        if run:
            messages.success(request, _("结算已完成"))
            return redirect("evaluation:settlement_detail", pk=run.pk)
    return render(
        request,
        "evaluation/settlement_list.html",
        {"page_obj": paginate(request, queries.settlement_list(request.user)), "form": form,
         "can_run": has_perm(request.user, "evaluation.run_settlement")},
    )  # fmt: skip


def settlement_detail(request, pk):
    require_perm(request.user, "evaluation.view")
    run = queries.settlement_get(request.user, pk)
    f = from_querydict(LineFilter, request.GET)
    lines = f.filter(queries.visible_lines(request.user, run))
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("签约服务费结算") + f"-{run.pk}", LINE_COLUMNS, lines, title=_("结算"))
    totals = {k: sum(getattr(x, k) for x in lines) for k in
              ("contracts", "fee_public_health", "fee_insurance", "fee_resident", "fee_total", "disbursed", "costs",
               "pay_pool")}  # fmt: skip
    return render(
        request,
        "evaluation/settlement_detail.html",
        {
            "run": run,
            "lines": lines,
            "totals": totals,
            "filters": f,
            "querystring": query_without_page(request),
        },
    )


def cost_entry(request):
    require_perm(request.user, "evaluation.enter_costs")
    teams = Team.objects.visible_to(request.user).filter(is_active=True).select_related("institution")
    form = CostForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        row = call_service(
            form, services.cost_set, actor=request.user, team=d["team"], period_start=d["period_start"],
            period_end=d["period_end"], amount=d["amount"], note=d["note"],
        )  # fmt: skip
        if row:
            messages.success(request, _("成本已保存"))
            return redirect("evaluation:settlement_list")
    return render(request, "evaluation/cost_form.html", {"form": form})
