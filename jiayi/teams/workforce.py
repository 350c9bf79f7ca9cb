"""Workforce ratio (R-TEAM-5): general practitioners per 10,000 resident population, per region.

GPs: active practitioners with profession "gp" working at institutions in the region's subtree.
Population: the latest resident-population baseline (population "all", year ≤ the chosen year)
of each institution in the subtree, summed. Two grouped queries per report, whatever its size.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.registry.models import (
    ALL_POPULATION,
    Institution,
    PopulationBaseline,
    Region,
    RegionLevel,
)

from .models import Practitioner, Profession

# Seeds 001 and 004: 5 general practitioners per 10,000 residents by 2030.
TARGET_2030 = Decimal("5")
_CENT = Decimal("0.01")


def gp_ratio(gps: int, population: int) -> Decimal | None:
    """GPs per 10,000 residents, two places, half up; None when there is no population baseline."""
    if not population:
        return None
    return (Decimal(gps) * 10000 / Decimal(population)).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass
class WorkforceRow:
    name: str
    code: str
    level: str  # a RegionLevel, or "institution"
    gps: int = 0
    population: int = 0
    drill: str | None = None  # region code to drill into, if any

    @property
    def ratio(self) -> Decimal | None:
        return gp_ratio(self.gps, self.population)

    @property
    def meets_target(self) -> bool | None:
        r = self.ratio
        return None if r is None else r >= TARGET_2030

    @property
    def gap(self) -> int | None:
        """GPs still needed to reach the target at this population."""
        if not self.population:
            return None
        needed = (TARGET_2030 * self.population / 10000).to_integral_value(rounding="ROUND_CEILING")
        return max(int(needed) - self.gps, 0)


@dataclass
class WorkforceReport:
    year: int
    root: Region | None
    total: WorkforceRow
    rows: list[WorkforceRow]
    target: Decimal = TARGET_2030


def default_root(user) -> Region | None:
    """The region a user's report starts at: their region, else their county; None = every county."""
    scope = user.scope
    if scope.sees_all:
        return None
    if user.region_id and scope.kind == "region":
        return user.region
    if scope.county_code:
        return Region.objects.filter(code=scope.county_code + "000000").first()
    return None


def _latest_population(user, prefix: str, year: int) -> dict[int, int]:
    """institution id → the count of its latest 'all' baseline with year ≤ `year`."""
    rows = (
        PopulationBaseline.objects.visible_to(user)
        .filter(population=ALL_POPULATION, year__lte=year, institution__region_code__startswith=prefix)
        .order_by("institution_id", "year")
        .values_list("institution_id", "count")
    )
    latest: dict[int, int] = {}
    for inst_id, count in rows:
        latest[inst_id] = count  # ordered by year: the last one wins
    return latest


def _gp_counts(user, prefix: str) -> dict[int, int]:
    return dict(
        Practitioner.objects.visible_to(user)
        .filter(
            is_active=True,
            profession=Profession.GENERAL_PRACTICE,
            institution__region_code__startswith=prefix,
        )
        .order_by()
        .values_list("institution_id")
        .annotate(n=Count("pk"))
    )


def workforce_report(user, *, root: Region | None = None, year: int | None = None) -> WorkforceReport:
    """The root's total and one row per child: counties, townships, or (below a township) institutions."""
    year = year or timezone.localdate().year
    prefix = root.prefix if root is not None else ""
    population = _latest_population(user, prefix, year)
    gps = _gp_counts(user, prefix)
    inst_ids = set(population) | set(gps)
    institutions = {
        i.pk: i for i in Institution.objects.filter(pk__in=inst_ids).only("pk", "name", "code", "region_code")
    }

    if root is None:
        children = list(Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY).order_by("code"))
    elif root.level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        children = []
    else:
        children = list(root.children.order_by("code"))

    if children:
        rows = [WorkforceRow(c.name, c.code, c.level, drill=c.code) for c in children]
        by_prefix = [(c.prefix, row) for c, row in zip(children, rows, strict=True)]
        # Institutions registered at the root itself (a county hospital) belong to no child.
        direct = WorkforceRow(str(_("直属机构")), "", "direct")
        for inst_id in inst_ids:
            inst = institutions.get(inst_id)
            if inst is None:
                continue
            row = next((r for p, r in by_prefix if inst.region_code.startswith(p)), direct)
            row.gps += gps.get(inst_id, 0)
            row.population += population.get(inst_id, 0)
        if direct.gps or direct.population:
            rows.append(direct)
    else:
        acc: dict[int, WorkforceRow] = defaultdict(lambda: WorkforceRow("", "", "institution"))
        for inst_id in sorted(inst_ids, key=lambda i: institutions[i].code if i in institutions else ""):
            inst = institutions.get(inst_id)
            if inst is None:
                continue
            row = acc[inst_id]
            row.name, row.code = inst.name, inst.code
            row.gps, row.population = gps.get(inst_id, 0), population.get(inst_id, 0)
        rows = list(acc.values())

    total = WorkforceRow(
        root.name if root is not None else "",
        root.code if root is not None else "",
        root.level if root is not None else "",
        gps=sum(gps.values()),
        population=sum(population.values()),
    )
    return WorkforceReport(year=year, root=root, total=total, rows=rows)


def report_year_choices(today: dt.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return list(range(today.year, today.year - 8, -1))
