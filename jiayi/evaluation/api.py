"""The evaluation API: the dashboard's figures, indicators, schemes, assessment and settlement runs."""

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.permissions import require_perm

from . import queries, services
from .filters import DashboardFilter, LineFilter, sort_rows
from .indicators import INDICATORS, Unit, compute

router = Router(tags=["evaluation"])


class CoverageOut(Schema):
    key: int
    name: str
    kind: str
    signed: int
    active: int
    pending: int
    key_signed: int
    baseline: int | None
    key_baseline: int | None
    target_rate: Decimal | None
    key_target_rate: Decimal | None
    task: int | None
    key_task: int | None
    rate: Decimal | None
    key_rate: Decimal | None
    progress: Decimal | None
    gap: int | None
    score: Decimal | None


class DashboardOut(Schema):
    level: str
    year: int
    rows: list[CoverageOut]
    total: CoverageOut
    populations: list[dict]
    trend: dict


@router.get("/dashboard", response=DashboardOut)
def dashboard(request, filters: Query[DashboardFilter]):
    require_perm(request.auth, "evaluation.view")
    data = queries.dashboard(
        request.auth, year=filters.year, institution_id=filters.institution, team_id=filters.team
    )
    data["rows"] = sort_rows(data["rows"], filters.sort)
    return data


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None


@router.get("/indicators", response=list[IndicatorOut])
def indicators(
    request, start: dt.date, end: dt.date, institution: int | None = None, team: int | None = None
):
    from jiayi.registry.models import Institution
    from jiayi.teams.models import Team

    from .errors import InvalidPeriod

    user = request.auth
    require_perm(user, "evaluation.view")
    if end < start:
        raise InvalidPeriod(details={"field": "end"})
    if team:
        unit = Unit("team", team_id=Team.objects.get_visible(user, pk=team).pk)
    elif institution:
        unit = Unit("institution", institution_id=Institution.objects.get_visible(user, pk=institution).pk)
    elif user.scope.kind == "team":
        unit = Unit("team", team_id=user.scope.team_id)
    elif user.scope.kind == "institution":
        unit = Unit("institution", institution_id=user.institution_id)
    else:
        unit = Unit("region", region_prefix=user.scope.region_prefix or user.scope.county_code)
    out = []
    for code, ind in INDICATORS.items():
        r = compute(code, unit, start, end)
        out.append({"code": code, "name": str(ind.name), "unit": ind.unit, "numerator": r.numerator,
                    "denominator": r.denominator, "value": r.value})  # fmt: skip
    return out


class SchemeItem(Schema):
    indicator: str
    weight: Decimal
    target: Decimal


class SchemeIn(Schema):
    name: str
    items: list[SchemeItem]


class SchemeOut(Schema):
    id: int
    name: str
    county_code: str
    items: list[dict]
    is_active: bool


@router.get("/schemes", response=list[SchemeOut])
def list_schemes(request):
    require_perm(request.auth, "evaluation.view")
    return list(queries.scheme_list(request.auth))


@router.post("/schemes", response={201: SchemeOut})
def create_scheme(request, payload: SchemeIn):
    items = [i.dict() for i in payload.items]
    return 201, services.scheme_create(actor=request.auth, name=payload.name, items=items)


class PeriodIn(Schema):
    period_start: dt.date
    period_end: dt.date


class AssessmentIn(PeriodIn):
    scheme: int


class ScoreOut(Schema):
    institution_id: int
    team_id: int | None
    score: Decimal
    values: dict


class AssessmentOut(Schema):
    id: int
    scheme_id: int
    period_start: dt.date
    period_end: dt.date
    scores: list[ScoreOut]


def _assessment_out(user, run):
    return {"id": run.pk, "scheme_id": run.scheme_id, "period_start": run.period_start,
            "period_end": run.period_end, "scores": list(queries.visible_scores(user, run))}  # fmt: skip


@router.post("/assessments", response={201: AssessmentOut})
def run_assessment(request, payload: AssessmentIn):
    scheme = queries.scheme_get(request.auth, payload.scheme)
    run = services.assessment_run(
        actor=request.auth, scheme=scheme, period_start=payload.period_start, period_end=payload.period_end
    )
    return 201, _assessment_out(request.auth, run)


@router.get("/assessments/{pk}", response=AssessmentOut)
def get_assessment(request, pk: int):
    require_perm(request.auth, "evaluation.view")
    return _assessment_out(request.auth, queries.assessment_run_get(request.auth, pk))


class SettlementIn(PeriodIn):
    assessment: int | None = None


class SettlementOut(Schema):
    id: int
    period_start: dt.date
    period_end: dt.date
    assessment_id: int | None


class LineOut(Schema):
    institution_id: int
    team_id: int
    contracts: int
    fee_public_health: Decimal
    fee_insurance: Decimal
    fee_resident: Decimal
    fee_total: Decimal
    score: Decimal
    disbursed: Decimal
    costs: Decimal
    pay_pool: Decimal
    staff_share_percent: Decimal


@router.post("/settlements", response={201: SettlementOut})
def run_settlement(request, payload: SettlementIn):
    assessment = queries.assessment_run_get(request.auth, payload.assessment) if payload.assessment else None
    run = services.settlement_run(
        actor=request.auth,
        period_start=payload.period_start,
        period_end=payload.period_end,
        assessment=assessment,
    )
    return 201, run


@router.get("/settlements/{pk}/lines", response=list[LineOut])
@paginate(PageNumberPagination)
def settlement_lines(request, pk: int, filters: Query[LineFilter]):
    require_perm(request.auth, "evaluation.view")
    run = queries.settlement_get(request.auth, pk)
    return filters.filter(queries.visible_lines(request.auth, run))
