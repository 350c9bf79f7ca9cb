"""Population baselines: one row per (institution, year) in the file, stored long per population."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiayi.core.importing.base import (
    BatchOutcome,
    CellError,
    Column,
    Importer,
    limit_text,
    parse_int,
    require_text,
)

from ..models import ALL_POPULATION, Institution, KeyPopulationKind, PopulationBaseline
from .common import outside_scope

_EXAMPLE = {
    ALL_POPULATION: "52000",
    KeyPopulationKind.ELDERLY: "8100",
    KeyPopulationKind.HYPERTENSION: "6200",
}
POPULATION_COLUMNS = [
    Column(ALL_POPULATION, _l("常住人口数"), required=True, example=_EXAMPLE[ALL_POPULATION])
] + [Column(kind.value, kind.label, example=_EXAMPLE.get(kind, "")) for kind in KeyPopulationKind]


class ParsedBaseline:
    def __init__(self, row: int):
        self.row, self.ok = row, True
        self.institution_code, self.year, self.source, self.counts = "", None, "", {}


class BaselineImporter(Importer):
    kind = "baselines"
    columns = [
        Column("institution_code", _l("机构编码"), required=True, example="THC001", text=True),
        Column("year", _l("年度"), required=True, example=str(dt.date.today().year)),
        *POPULATION_COLUMNS,
        Column("source", _l("数据来源"), example="区统计局"),
    ]

    def parse(self, rows):
        out, errors, seen = [], [], {}
        for number, cells in rows:
            p = ParsedBaseline(number)

            def fail(key, reason, p=p, number=number):
                p.ok = False
                errors.append(self.error(number, key, reason))

            try:
                p.institution_code = require_text(cells.get("institution_code"), max_length=30)
            except CellError as exc:
                fail("institution_code", exc.reason)
            try:
                p.year = parse_int(cells.get("year"), minimum=2000, maximum=2100)
            except CellError as exc:
                fail("year", exc.reason)
            for col in POPULATION_COLUMNS:
                try:
                    value = parse_int(cells.get(col.key), required=col.required)
                except CellError as exc:
                    fail(col.key, exc.reason)
                    continue
                if value is not None:
                    p.counts[col.key] = value
            try:
                p.source = limit_text(cells.get("source"), max_length=100)
            except CellError as exc:
                fail("source", exc.reason)
            key = (p.institution_code, p.year)
            if p.ok and key in seen:
                fail("institution_code", _("与第%(n)d行的机构和年度重复") % {"n": seen[key]})
            elif p.ok:
                seen[key] = number
            out.append(p)
        return out, errors

    def process_batch(self, rows) -> BatchOutcome:
        parsed, errors = self.parse(rows)
        insts = dict(
            Institution.objects.filter(code__in={p.institution_code for p in parsed}).values_list(
                "code", "pk"
            )
        )
        county = dict(Institution.objects.filter(pk__in=insts.values()).values_list("pk", "county_code"))
        for p in parsed:
            if not p.institution_code:
                continue
            inst_id = insts.get(p.institution_code)
            if inst_id is None:
                p.ok = False
                errors.append(
                    self.error(
                        p.row, "institution_code", _("机构编码不存在：%(v)s") % {"v": p.institution_code}
                    )
                )
            elif not self.may_import_into(inst_id):
                p.ok = False
                errors.append(self.error(p.row, "institution_code", outside_scope(p.institution_code)))
        good = [p for p in parsed if p.ok]
        existing = {
            (b.institution_id, b.year, b.population): b
            for b in PopulationBaseline.objects.filter(
                institution_id__in={insts[p.institution_code] for p in good}, year__in={p.year for p in good}
            )
        }
        outcome, new, changed = BatchOutcome(errors=errors), [], []
        for p in good:
            inst_id = insts[p.institution_code]
            row_new = row_changed = False
            for population, count in p.counts.items():
                old = existing.get((inst_id, p.year, population))
                if old is None:
                    new.append(PopulationBaseline(institution_id=inst_id, year=p.year, population=population,
                                                  count=count, source=p.source, county_code=county[inst_id]))  # fmt: skip
                    row_new = True
                elif (old.count, old.source) != (count, p.source):
                    old.count, old.source = count, p.source
                    changed.append(old)
                    row_changed = True
            if row_new:
                outcome.created += 1
            elif row_changed:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        PopulationBaseline.objects.bulk_create(new)
        for b in changed:
            b.updated_at = timezone.now()
        PopulationBaseline.objects.bulk_update(changed, ["count", "source", "updated_at"])
        return outcome
