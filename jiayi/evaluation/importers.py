"""Visit records from hospital systems (HIS): the import kind "visits" of the import framework.

Identity is (institution, visit number), so importing the same export again changes nothing. The
resident is found by the national ID's blind index; a visit of someone not registered is kept
(resident empty) and matched later by the same index.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiayi.core import nationalid
from jiayi.core.crypto import blind_index
from jiayi.core.importing.base import (
    BatchOutcome,
    CellError,
    Column,
    Importer,
    apply_steps,
    parse_choice,
    parse_date,
    require_text,
)
from jiayi.registry.models import Institution, Resident

from .models import VisitLevel, VisitRecord


class ParsedVisit:
    def __init__(self, row: int):
        self.row, self.ok = row, True
        self.id_index = self.institution_code = self.visit_no = self.level = ""
        self.visited_on = None


def _date(p, v):
    p.visited_on = parse_date(v)
    if p.visited_on is None:
        raise CellError(_("不能为空"))


STEPS = (
    ("national_id", lambda p, v: setattr(p, "id_index", blind_index("nid", nationalid.parse(v).value))),
    ("institution_code", lambda p, v: setattr(p, "institution_code", require_text(v, max_length=30))),
    ("visit_no", lambda p, v: setattr(p, "visit_no", require_text(v, max_length=40))),
    ("visited_on", _date),
    ("level", lambda p, v: setattr(p, "level", parse_choice(v, VisitLevel, default=""))),
)


class VisitImporter(Importer):
    kind = "visits"
    columns = [
        Column("national_id", _l("身份证号"), required=True, example="500114196005170011", text=True),
        Column("institution_code", _l("就诊机构编码"), required=True, example="HOSP001", text=True),
        Column("visit_no", _l("就诊流水号"), required=True, example="MZ20240301001", text=True),
        Column("visited_on", _l("就诊日期"), required=True, example="2024-03-01", text=True),
        Column("level", _l("机构层级"), example=str(VisitLevel.SECONDARY.label),
               help=_l("留空时按机构的转诊层级")),
    ]  # fmt: skip

    def process_batch(self, rows) -> BatchOutcome:
        parsed, errors, seen = [], [], {}
        for number, cells in rows:
            p = ParsedVisit(number)
            apply_steps(self, p, cells, STEPS, errors)
            key = (p.institution_code, p.visit_no)
            if p.ok and key in seen:
                p.ok = False
                errors.append(self.error(number, "visit_no", _("与第%(n)d行重复") % {"n": seen[key]}))
            elif p.ok:
                seen[key] = number
            parsed.append(p)
        insts = {i.code: i for i in Institution.objects.filter(code__in={p.institution_code for p in parsed})}
        residents = dict(
            Resident.objects.filter(id_index__in={p.id_index for p in parsed if p.id_index}).values_list(
                "id_index", "pk"
            )
        )
        for p in parsed:
            if p.ok and p.institution_code not in insts:
                p.ok = False
                errors.append(self.error(p.row, "institution_code", _("机构编码不存在")))
        good = [p for p in parsed if p.ok]
        existing = {
            (v.institution_id, v.visit_no): v
            for v in VisitRecord.objects.filter(
                institution__in={insts[p.institution_code] for p in good},
                visit_no__in={p.visit_no for p in good},
            )
        }
        outcome = BatchOutcome(errors=errors)
        new, changed = [], []
        for p in good:
            inst = insts[p.institution_code]
            values = {
                "id_index": p.id_index,
                "resident_id": residents.get(p.id_index),
                "level": p.level or inst.level,
                "visited_on": p.visited_on,
            }
            old = existing.get((inst.pk, p.visit_no))
            if old is None:
                new.append(
                    VisitRecord(institution=inst, visit_no=p.visit_no, county_code=inst.county_code, **values)
                )
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                changed.append(old)
            else:
                outcome.unchanged += 1
        VisitRecord.objects.bulk_create(new)
        VisitRecord.objects.bulk_update(changed, ["id_index", "resident_id", "level", "visited_on"])
        outcome.created, outcome.updated = len(new), len(changed)
        return outcome
