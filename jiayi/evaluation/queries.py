"""Reads of the evaluation app. The dashboard functions read only rollups, baselines, policies
and stored assessment scores — never the contracts or residents tables."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from jiayi.core.errors import NotFound
from jiayi.registry.models import Institution, KeyPopulationKind
from jiayi.teams.models import Team

from .coverage import PolicyCache, baselines, percent, target_rate, task_number, trajectory
from .models import (
    ALL,
    KEY,
    AssessmentRun,
    AssessmentScheme,
    AssessmentScore,
    CoverageRollup,
    MonthlyCoverage,
    SettlementRun,
)


@dataclass
class CoverageRow:
    """One line of the coverage table: an institution, or a team (no population of its own)."""

    key: int
    name: str
    kind: str  # "institution" or "team"
    signed: int = 0
    active: int = 0
    pending: int = 0
    key_signed: int = 0
    baseline: int | None = None
    key_baseline: int | None = None
    target_rate: Decimal | None = None
    key_target_rate: Decimal | None = None
    score: Decimal | None = None
    extra: dict = field(default_factory=dict)

    @property
    def task(self) -> int | None:
        return task_number(self.baseline, self.target_rate)

    @property
    def key_task(self) -> int | None:
        return task_number(self.key_baseline, self.key_target_rate)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.signed, self.baseline)

    @property
    def key_rate(self) -> Decimal | None:
        return percent(self.key_signed, self.key_baseline)

    @property
    def progress(self) -> Decimal | None:
        return percent(self.signed, self.task)

    @property
    def gap(self) -> int | None:
        return None if self.task is None else max(self.task - self.signed, 0)

    @property
    def key_gap(self) -> int | None:
        return None if self.key_task is None else max(self.key_task - self.key_signed, 0)

    @property
    def key_share(self) -> Decimal | None:
        return percent(self.key_signed, self.signed)


def _sum_by(qs, group: str) -> dict:
    out = defaultdict(dict)
    for row in qs.values(group, "population").annotate(s=Sum("signed"), a=Sum("active"), p=Sum("pending")):
        out[row[group]][row["population"]] = (row["s"] or 0, row["a"] or 0, row["p"] or 0)
    return out


def _latest_scores(user, *, team_level: bool) -> dict[int, Decimal]:
    run = AssessmentRun.objects.visible_to(user).order_by("-created_at", "-id").first()
    if run is None:
        return {}
    scores = AssessmentScore.objects.filter(run=run, team__isnull=not team_level)
    return {(s.team_id if team_level else s.institution_id): s.score for s in scores}


def institution_rows(user, *, year: int) -> list[CoverageRow]:
    rollups = CoverageRollup.objects.visible_to(user).filter(population__in=[ALL, KEY])
    sums = _sum_by(rollups, "institution_id")
    insts = Institution.objects.visible_to(user).filter(pk__in=set(sums) | _baseline_institutions(user, year))
    insts = insts.select_related("region")
    base = baselines([i.pk for i in insts], year)
    policies = PolicyCache(year)
    scores = _latest_scores(user, team_level=False)
    rows = []
    for inst in insts:
        s = sums.get(inst.pk, {})
        policy = policies.get(inst.region)
        all_, key = s.get(ALL, (0, 0, 0)), s.get(KEY, (0, 0, 0))
        rows.append(
            CoverageRow(
                key=inst.pk,
                name=inst.name,
                kind="institution",
                signed=all_[0],
                active=all_[1],
                pending=all_[2],
                key_signed=key[0],
                baseline=base.get(inst.pk, {}).get(ALL),
                key_baseline=base.get(inst.pk, {}).get(KEY),
                target_rate=target_rate(policy, year, ALL),
                key_target_rate=target_rate(policy, year, KEY),
                score=scores.get(inst.pk),
            )
        )
    return rows


def _baseline_institutions(user, year: int) -> set[int]:
    from jiayi.registry.models import PopulationBaseline

    scope = user.scope
    if scope.kind == "team":
        return set()
    return set(
        PopulationBaseline.objects.visible_to(user)
        .filter(year__lte=year, population="all")
        .values_list("institution_id", flat=True)
    )


def team_rows(user, *, institution: Institution, year: int) -> list[CoverageRow]:
    rollups = CoverageRollup.objects.visible_to(user).filter(
        institution=institution, population__in=[ALL, KEY]
    )
    sums = _sum_by(rollups, "team_id")
    teams = Team.objects.visible_to(user).filter(pk__in=sums.keys()) | Team.objects.visible_to(user).filter(
        institution=institution, is_active=True
    )
    scores = _latest_scores(user, team_level=True)
    rows = []
    for team in teams.distinct().order_by("name"):
        s = sums.get(team.pk, {})
        all_, key = s.get(ALL, (0, 0, 0)), s.get(KEY, (0, 0, 0))
        rows.append(
            CoverageRow(
                key=team.pk,
                name=team.name,
                kind="team",
                signed=all_[0],
                active=all_[1],
                pending=all_[2],
                key_signed=key[0],
                score=scores.get(team.pk),
            )
        )
    return rows


def population_rows(user, *, year: int, institution_id=None, team_id=None) -> list[dict]:
    """Signed per key population, with the rate where a baseline exists."""
    qs = CoverageRollup.objects.visible_to(user)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    signed = {r["population"]: r["s"] for r in qs.values("population").annotate(s=Sum("signed"))}
    inst_ids = set(qs.values_list("institution_id", flat=True).distinct()) if not team_id else set()
    base_sum: dict[str, int] = defaultdict(int)
    for pops in baselines(inst_ids, year).values():
        for p, n in pops.items():
            base_sum[p] += n
    out = []
    for pop, label in [(KEY, "重点人群合计"), *KeyPopulationKind.choices]:
        n = signed.get(pop, 0)
        b = base_sum.get(pop) if not team_id else None
        out.append(
            {"population": pop, "label": str(label), "signed": n, "baseline": b, "rate": percent(n, b)}
        )
    return out


def monthly_trend(user, *, year: int, institution_id=None, team_id=None) -> dict:
    qs = MonthlyCoverage.objects.visible_to(user).filter(year=year, population__in=[ALL, KEY])
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    series = {ALL: [None] * 12, KEY: [None] * 12}
    for r in qs.values("month", "population").annotate(s=Sum("signed")):
        series[r["population"]][r["month"] - 1] = r["s"]
    return {"months": [f"{m}月" for m in range(1, 13)], "all": series[ALL], "key": series[KEY]}


def totals(rows: list[CoverageRow]) -> CoverageRow:
    t = CoverageRow(key=0, name="合计", kind="total")
    for r in rows:
        t.signed += r.signed
        t.active += r.active
        t.pending += r.pending
        t.key_signed += r.key_signed
    bases = [r.baseline for r in rows if r.baseline is not None]
    t.baseline = sum(bases) if bases else None
    kbases = [r.key_baseline for r in rows if r.key_baseline is not None]
    t.key_baseline = sum(kbases) if kbases else None
    tasks = [r.task for r in rows if r.task is not None]
    if tasks and t.baseline:
        # The district's task is the sum of the institutions' (each rounded on its own, as the seed's table does).
        t.extra["task"] = sum(tasks)
        t.target_rate = percent(sum(tasks), t.baseline)
    return t


def dashboard(user, *, year: int, institution_id=None, team_id=None) -> dict:
    """Everything the monitoring page shows, for the scope and drill-down level asked."""
    level, inst, team = "region", None, None
    if team_id:
        team = Team.objects.select_related("institution").get_visible(user, pk=team_id)
        inst, level = team.institution, "team"
    elif institution_id:
        inst = Institution.objects.get_visible(user, pk=institution_id)
        level = "institution"
    if user.scope.kind == "team" and level == "region":
        team = Team.objects.select_related("institution").get_visible(user, pk=user.scope.team_id)
        inst, level = team.institution, "team"
    if level == "region":
        rows = institution_rows(user, year=year)
    elif level == "institution":
        rows = team_rows(user, institution=inst, year=year)
    else:
        rows = [r for r in team_rows(user, institution=inst, year=year) if r.key == team.pk]
    total = totals(rows) if level == "region" else _institution_total(user, inst, year, rows)
    return {
        "level": level,
        "year": year,
        "institution": inst,
        "team": team,
        "rows": rows,
        "total": total,
        "populations": population_rows(
            user, year=year, institution_id=inst.pk if inst else None, team_id=team.pk if team else None
        ),
        "trend": monthly_trend(
            user, year=year, institution_id=inst.pk if inst else None, team_id=team.pk if team else None
        ),
    }


def _institution_total(user, inst, year, rows) -> CoverageRow:
    found = [r for r in institution_rows(user, year=year) if r.key == inst.pk]
    if not found:
        raise NotFound()
    t = found[0]
    if len(rows) == 1 and rows[0].kind == "team":
        t.extra["team_share"] = percent(rows[0].signed, t.task)
    return t


def institution_trajectory(user, *, institution_id: int, year: int) -> list:
    inst = Institution.objects.select_related("region").get_visible(user, pk=institution_id)
    row = next((r for r in institution_rows(user, year=year) if r.key == inst.pk), None)
    policy = PolicyCache(year).get(inst.region)
    return trajectory(policy, row.baseline if row else None, row.signed if row else 0, from_year=year)


# --- schemes, runs -----------------------------------------------------------------------------


def scheme_list(user):
    return AssessmentScheme.objects.visible_to(user)


def scheme_get(user, pk) -> AssessmentScheme:
    return AssessmentScheme.objects.get_visible(user, pk=pk)


def assessment_run_list(user):
    return AssessmentRun.objects.visible_to(user).select_related("scheme", "region")


def assessment_run_get(user, pk) -> AssessmentRun:
    return AssessmentRun.objects.select_related("scheme", "region").get_visible(user, pk=pk)


def visible_scores(user, run: AssessmentRun):
    qs = run.scores.select_related("institution", "team").order_by("institution__code", "team__name")
    scope = user.scope
    if scope.kind in ("institution", "team"):
        qs = qs.filter(institution_id__in=scope.institution_ids)
    if scope.kind == "team":
        qs = qs.filter(team_id=scope.team_id)
    return qs


def settlement_list(user):
    return SettlementRun.objects.visible_to(user).select_related("region", "assessment")


def settlement_get(user, pk) -> SettlementRun:
    return SettlementRun.objects.select_related("region", "assessment").get_visible(user, pk=pk)


def visible_lines(user, run: SettlementRun):
    qs = run.lines.select_related("institution", "team")
    scope = user.scope
    if scope.kind in ("institution", "team"):
        qs = qs.filter(institution_id__in=scope.institution_ids)
    if scope.kind == "team":
        qs = qs.filter(team_id=scope.team_id)
    return qs
