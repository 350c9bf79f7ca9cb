"""Coverage and targets (R-EVA-1, R-EVA-2).

coverage = residents signed ÷ resident population (the institution's `PopulationBaseline` for the
year, or the latest earlier year). The key-population denominator is the sum of the key kinds'
baselines (statistics count each kind separately, so a person in two kinds counts twice: the rate
is a lower bound). Teams have no population of their own: at team level the dashboards show counts
and the share of the institution's task, not a rate.

Task number = baseline × target rate, rounded half up to a whole person (Qianjiang 2024:
106,354 × 39 % = 41,478). A year without its own target follows the policy's trajectory: the
last stated target plus the yearly increase (the mean of `target_increase_min/max`), capped by the
next stated target; without an increase, a straight line between stated targets.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from jiayi.policy.queries import policy_for
from jiayi.registry.models import ALL_POPULATION, KeyPopulationKind, PopulationBaseline

from .models import ALL, KEY

HUNDRED = Decimal(100)
TARGET_FIELDS = {ALL: "overall", KEY: "key_population"}


def task_number(baseline: int | None, rate: Decimal | None) -> int | None:
    if baseline is None or rate is None:
        return None
    return int((Decimal(baseline) * Decimal(rate) / HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(num, den, places: str = "0.01") -> Decimal | None:
    if not den or num is None:
        return None
    return (Decimal(num) * HUNDRED / Decimal(den)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _stated(targets: list[dict], field: str) -> list[tuple[int, Decimal]]:
    """(year, rate) of the year-end (latest month) targets that state `field`."""
    by_year: dict[int, tuple[int, Decimal]] = {}
    for t in targets:
        if t.get(field) is None:
            continue
        month = t.get("month", 12)
        if t["year"] not in by_year or month >= by_year[t["year"]][0]:
            by_year[t["year"]] = (month, Decimal(str(t[field])))
    return sorted((y, r) for y, (_, r) in by_year.items())


def _increase(policy) -> Decimal | None:
    lo, hi = policy.target_increase_min, policy.target_increase_max
    values = [Decimal(v) for v in (lo, hi) if v is not None]
    return sum(values) / len(values) if values else None


def target_rate(policy, year: int, population: str = ALL) -> Decimal | None:
    field = TARGET_FIELDS.get(population)
    stated = _stated(policy.targets or [], field) if field else []
    if not stated:
        return None
    exact = dict(stated)
    if year in exact:
        return exact[year]
    before = [(y, r) for y, r in stated if y < year]
    after = [(y, r) for y, r in stated if y > year]
    if not before:
        return None  # no target before the first stated year
    y0, r0 = before[-1]
    step = _increase(policy)
    if step is None:
        if not after:
            return r0
        y1, r1 = after[0]
        return (r0 + (r1 - r0) * (year - y0) / (y1 - y0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rate = r0 + step * (year - y0)
    cap = after[0][1] if after else HUNDRED
    return min(rate, cap).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class PolicyCache:
    """The effective policy per region for one request, from one query over the (small) settings
    table: the same choice as `policy_for` (the nearest level's newest setting of a year ≤ the
    year, else the national one) without walking each region's ancestors row by row."""

    def __init__(self, year: int):
        self.year, self._by_region, self._rows = year, {}, None

    def _load(self):
        from jiayi.policy.models import PolicySetting

        rows = PolicySetting.objects.filter(year__lte=self.year).select_related("region").order_by("-year")
        self._rows = {}
        for row in rows:  # newest first: keep the first per region
            self._rows.setdefault(row.region.code if row.region_id else None, row)

    def get(self, region):
        if region.pk not in self._by_region:
            if self._rows is None:
                self._load()
            from jiayi.registry.models import PREFIX_LENGTH

            prefix = region.code[: PREFIX_LENGTH[region.level]]
            chain = [region.code] + [prefix[:n].ljust(12, "0") for n in (9, 6, 4, 2) if n < len(prefix)]
            found = next((self._rows[c] for c in chain if c in self._rows), self._rows.get(None))
            if found is None:  # no setting anywhere: the built-in defaults, the same for every region
                if None not in self._by_region:
                    self._by_region[None] = policy_for(None, self.year)
                found = self._by_region[None]
            self._by_region[region.pk] = found
        return self._by_region[region.pk]


KEY_KINDS = set(KeyPopulationKind.values)


def baselines(institution_ids, year: int) -> dict[int, dict[str, int]]:
    """institution → population → count, the latest year ≤ `year` per (institution, population);
    plus KEY = the sum of the key kinds."""
    out: dict[int, dict[str, int]] = {}
    seen: dict[tuple[int, str], int] = {}
    rows = (
        PopulationBaseline.objects.filter(institution_id__in=institution_ids, year__lte=year)
        .order_by("institution_id", "population", "-year")
        .values_list("institution_id", "population", "year", "count")
    )
    for inst, pop, y, count in rows:
        if (inst, pop) in seen:
            continue
        seen[(inst, pop)] = y
        out.setdefault(inst, {})[ALL if pop == ALL_POPULATION else pop] = count
    for pops in out.values():
        key = [n for p, n in pops.items() if p in KEY_KINDS]
        if key:
            pops[KEY] = sum(key)
    return out


@dataclass
class TrajectoryYear:
    year: int
    rate: Decimal | None
    task: int | None
    needed: int | None  # signings still needed by the end of that year, from today's count


def trajectory(policy, baseline: int | None, signed: int, *, from_year: int, to_year: int = 2035):
    """The yearly path to `to_year`: target rate, task number and how many more signings each needs."""
    out = []
    for y in range(from_year, to_year + 1):
        rate = target_rate(policy, y)
        task = task_number(baseline, rate)
        out.append(TrajectoryYear(y, rate, task, None if task is None else max(task - signed, 0)))
    return out


def coverage_on(contracts_qs, on: dt.date) -> int:
    """Residents signed on a past date (a report: indexed by county, status and end)."""
    from .rollups import signed_on_date_q

    return contracts_qs.filter(signed_on_date_q(on)).values("resident_id").distinct().count()
