"""Writes of the evaluation app: assessment schemes, assessment runs, costs, settlement runs."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract, ContractPackage
from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import NotFound
from jiayi.core.permissions import require_perm
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Institution, Region
from jiayi.teams.models import Team

from . import settlement as money
from .errors import InvalidPeriod, InvalidScheme
from .indicators import INDICATORS, Unit, compute
from .models import (
    AssessmentRun,
    AssessmentScheme,
    AssessmentScore,
    SettlementCost,
    SettlementLine,
    SettlementRun,
)

# The preset: Qianjiang's emphasis (coverage, fulfilment, management effect, satisfaction).
PRESET_ITEMS = [
    {"indicator": "coverage", "weight": 20, "target": 39},
    {"indicator": "key_share", "weight": 10, "target": 60},
    {"indicator": "renewal", "weight": 10, "target": 90},
    {"indicator": "fulfilment", "weight": 20, "target": 90},
    {"indicator": "contact", "weight": 10, "target": 90},
    {"indicator": "bp_control", "weight": 10, "target": 60},
    {"indicator": "glucose_control", "weight": 10, "target": 60},
    {"indicator": "satisfaction", "weight": 10, "target": 85},
]
HUNDRED = Decimal(100)


def _check_period(start: dt.date, end: dt.date) -> None:
    if start is None or end is None or end < start or (end - start).days > 3 * 366:
        raise InvalidPeriod(details={"field": "period_end"})


def clean_items(items) -> list[dict]:
    """Validate scheme items: known indicators, once each, positive weights, positive targets."""
    if not isinstance(items, list) or not items:
        raise InvalidScheme(_("请至少选择一项考核指标"), details={"field": "items"})
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        code = (item or {}).get("indicator")
        if code not in INDICATORS:
            raise InvalidScheme(_("第%(n)s项：未知的指标") % {"n": n}, details={"field": "items"})
        if code in seen:
            raise InvalidScheme(_("第%(n)s项：指标重复") % {"n": n}, details={"field": "items"})
        seen.add(code)
        try:
            weight, target = Decimal(str(item.get("weight"))), Decimal(str(item.get("target")))
        except (InvalidOperation, TypeError):
            raise InvalidScheme(
                _("第%(n)s项：权重和目标值须为数字") % {"n": n}, details={"field": "items"}
            ) from None
        if weight <= 0 or target <= 0:
            raise InvalidScheme(_("第%(n)s项：权重和目标值须大于0") % {"n": n}, details={"field": "items"})
        out.append({"indicator": code, "weight": str(weight), "target": str(target)})
    return out


def scheme_create(*, actor, name: str, items: list[dict], county_code: str = "") -> AssessmentScheme:
    require_perm(actor, "evaluation.change_scheme")
    name = (name or "").strip()
    if not name:
        raise InvalidScheme(_("方案名称不能为空"), details={"field": "name"})
    items = clean_items(items)
    county_code = county_code or actor.scope.county_code or ""
    with transaction.atomic():
        scheme = AssessmentScheme.objects.create(name=name[:100], items=items, county_code=county_code)
        record_write(actor=actor, action="create", obj=scheme, after=snapshot(scheme))
    return scheme


def scheme_update(
    *, actor, scheme: AssessmentScheme, name: str | None = None, items=None, is_active: bool | None = None
) -> AssessmentScheme:
    require_perm(actor, "evaluation.change_scheme")
    with transaction.atomic():
        scheme = AssessmentScheme.objects.select_for_update().get_visible(actor, pk=scheme.pk)
        before = snapshot(scheme)
        if name is not None:
            if not name.strip():
                raise InvalidScheme(_("方案名称不能为空"), details={"field": "name"})
            scheme.name = name.strip()[:100]
        if items is not None:
            scheme.items = clean_items(items)
        if is_active is not None:
            scheme.is_active = is_active
        scheme.save()
        record_write(actor=actor, action="update", obj=scheme, before=before, after=snapshot(scheme))
    return scheme


def scheme_create_preset(*, actor) -> AssessmentScheme:
    return scheme_create(actor=actor, name=_("预置考核方案（黔江）"), items=PRESET_ITEMS)


def score_of(items: list[dict], values: dict[str, Decimal | None]) -> tuple[Decimal, dict]:
    """Linear to target, capped at full marks; indicators without a value drop out and the other
    weights are scaled up to 100. Lower-is-better indicators score target ÷ value."""
    detail, earned, weights = {}, Decimal(0), Decimal(0)
    for item in items:
        code, weight, target = item["indicator"], Decimal(item["weight"]), Decimal(item["target"])
        value = values.get(code)
        if value is None:
            detail[code] = {"value": None, "points": None}
            continue
        if INDICATORS[code].higher_is_better:
            ratio = value / target
        else:
            ratio = Decimal(1) if value <= 0 else target / value
        points = weight * min(max(ratio, Decimal(0)), Decimal(1))
        earned += points
        weights += weight
        detail[code] = {"value": str(value), "points": str(points.quantize(Decimal("0.01"), ROUND_HALF_UP))}
    score = (earned * HUNDRED / weights).quantize(Decimal("0.01"), ROUND_HALF_UP) if weights else Decimal(0)
    return score, detail


def _region_for(actor, region: Region | None) -> Region:
    if region is None:
        scope = actor.scope
        code = (scope.county_code or "").ljust(12, "0")
        region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound()
    return Region.objects.get_visible(actor, pk=region.pk)


def assessment_run(
    *,
    actor,
    scheme: AssessmentScheme,
    period_start: dt.date,
    period_end: dt.date,
    region: Region | None = None,
) -> AssessmentRun:
    """Score every institution and team of the region for the period, and store the scores."""
    require_perm(actor, "evaluation.run_assessment")
    _check_period(period_start, period_end)
    scheme = AssessmentScheme.objects.get_visible(actor, pk=scheme.pk)
    region = _region_for(actor, region)
    items = clean_items(scheme.items)
    codes = [i["indicator"] for i in items]
    insts = list(Institution.objects.filter(region_code__startswith=region.prefix, is_active=True))
    teams = list(Team.objects.filter(institution__in=insts, is_active=True).select_related("institution"))
    scores = []
    for unit, inst, team in [
        *[(Unit("institution", institution_id=i.pk), i, None) for i in insts],
        *[(Unit("team", team_id=t.pk), t.institution, t) for t in teams],
    ]:
        values = {c: compute(c, unit, period_start, period_end).value for c in codes}
        score, detail = score_of(items, values)
        scores.append((inst, team, score, detail))
    with transaction.atomic():
        run = AssessmentRun.objects.create(
            scheme=scheme,
            region=region,
            region_code=region.code[: len(region.prefix)],
            period_start=period_start,
            period_end=period_end,
            created_by=actor,
        )
        AssessmentScore.objects.bulk_create(
            [AssessmentScore(run=run, institution=i, team=t, score=s, values=d) for i, t, s, d in scores]
        )
        record_write(
            actor=actor,
            action="assessment_run",
            obj=run,
            after={"scheme": scheme.pk, "start": period_start, "end": period_end, "units": len(scores)},
            county_code=region.county_code,
        )
    return run


def cost_set(
    *, actor, team: Team, period_start: dt.date, period_end: dt.date, amount: Decimal, note: str = ""
) -> SettlementCost:
    require_perm(actor, "evaluation.enter_costs")
    _check_period(period_start, period_end)
    try:
        amount = Decimal(str(amount)).quantize(money.FEN)
    except InvalidOperation:
        raise InvalidPeriod(_("金额格式不正确"), details={"field": "amount"}) from None
    if amount < 0:
        raise InvalidPeriod(_("成本不能为负数"), details={"field": "amount"})
    with transaction.atomic():
        team = Team.objects.select_related("institution").get_visible(actor, pk=team.pk)
        row = (
            SettlementCost.objects.select_for_update()
            .filter(team=team, period_start=period_start, period_end=period_end)
            .first()
        )
        before = snapshot(row) if row else None
        row = row or SettlementCost(team=team, period_start=period_start, period_end=period_end)
        row.institution, row.amount, row.note = team.institution, amount, (note or "")[:200]
        row.county_code = team.institution.county_code
        row.save()
        record_write(actor=actor, action="cost_set", obj=row, before=before, after=snapshot(row))
    return row


def _contract_rows(region: Region, start: dt.date, end: dt.date):
    contracts = Contract.objects.filter(
        county_code=region.county_code, region_code__startswith=region.prefix, start__lte=end, end__gte=start
    )
    return ContractPackage.objects.filter(contract__in=contracts).values_list(
        "contract__team_id",
        "contract_id",
        "contract__start",
        "contract__end",
        "contract__terminated_on",
        "contract__term_years",
        "fee_public_health",
        "fee_insurance",
        "fee_resident",
    )


def settlement_run(
    *,
    actor,
    period_start: dt.date,
    period_end: dt.date,
    region: Region | None = None,
    assessment: AssessmentRun | None = None,
) -> SettlementRun:
    """Fees due by payer per team, the amount disbursed after the score, costs and the pay pool."""
    require_perm(actor, "evaluation.run_settlement")
    _check_period(period_start, period_end)
    region = _region_for(actor, region)
    if assessment is not None:
        assessment = AssessmentRun.objects.get_visible(actor, pk=assessment.pk)
    fees = money.team_fees(_contract_rows(region, period_start, period_end), period_start, period_end)
    teams = Team.objects.filter(pk__in=fees).select_related("institution__region")
    scores = {}
    if assessment is not None:
        scores = {s.team_id: s.score for s in assessment.scores.filter(team__isnull=False)}
    costs = {
        c.team_id: c.amount
        for c in SettlementCost.objects.filter(
            team__in=teams, period_start=period_start, period_end=period_end
        )
    }
    policies = {}
    lines = []
    for team in teams:
        f = fees[team.pk]
        reg = team.institution.region
        if reg.pk not in policies:
            policies[reg.pk] = policy_for(reg, period_end.year)
        policy = policies[reg.pk]
        score = scores.get(team.pk, HUNDRED)
        cost = costs.get(team.pk, Decimal("0.00"))
        share = Decimal(policy.staff_share_min_percent)
        disbursed, pool = money.money(
            f["fee_total"], score, cost, share, bool(policy.staff_share_after_costs)
        )
        lines.append(
            SettlementLine(
                institution=team.institution,
                team=team,
                contracts=f["contracts"],
                fee_public_health=f["fee_public_health"],
                fee_insurance=f["fee_insurance"],
                fee_resident=f["fee_resident"],
                fee_total=f["fee_total"],
                score=score,
                disbursed=disbursed,
                costs=cost,
                pay_pool=pool,
                staff_share_percent=share,
            )
        )
    with transaction.atomic():
        run = SettlementRun.objects.create(
            region=region,
            region_code=region.code[: len(region.prefix)],
            period_start=period_start,
            period_end=period_end,
            assessment=assessment,
            created_by=actor,
        )
        for line in lines:
            line.run = run
        SettlementLine.objects.bulk_create(lines)
        total = sum((x.fee_total for x in lines), Decimal("0.00"))
        record_write(
            actor=actor,
            action="settlement_run",
            obj=run,
            after={"start": period_start, "end": period_end, "teams": len(lines), "fee_total": total},
            county_code=region.county_code,
        )
    return run
