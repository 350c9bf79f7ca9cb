"""Key-population lists: upsert by (resident, kind, start date); derived kinds are refused."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiayi.core import nationalid
from jiayi.core.crypto import blind_index
from jiayi.core.importing.base import (
    BatchOutcome,
    Column,
    Importer,
    apply_steps,
    limit_text,
    parse_choice,
    parse_date,
)

from ..models import DERIVED_KINDS, KeyPopulationKind, KeyPopulationRecord, KeyPopulationSource, Resident
from ..signals import key_population_changed
from .residents import EXAMPLE_ID


class ParsedRecord:
    def __init__(self, row: int):
        self.row, self.ok = row, True
        self.id_index = self.kind = self.source = self.note = ""
        self.valid_from = self.valid_to = None


STEPS = (
    ("national_id", lambda p, v: setattr(p, "id_index", blind_index("nid", nationalid.parse(v).value))),
    ("kind", lambda p, v: setattr(p, "kind", parse_choice(v, KeyPopulationKind, refuse=DERIVED_KINDS))),
    ("source", lambda p, v: setattr(
        p, "source", parse_choice(v, KeyPopulationSource, default=KeyPopulationSource.IMPORT))),
    ("valid_from", lambda p, v: setattr(p, "valid_from", parse_date(v))),
    ("valid_to", lambda p, v: setattr(p, "valid_to", parse_date(v))),
    ("note", lambda p, v: setattr(p, "note", limit_text(v, max_length=200))),
)  # fmt: skip


class KeyPopulationImporter(Importer):
    kind = "key_populations"
    columns = [
        Column("national_id", _l("身份证号"), required=True, example=EXAMPLE_ID, text=True),
        Column("kind", _l("人群类别"), required=True, example=str(KeyPopulationKind.HYPERTENSION.label),
               help=_l("65岁及以上老年人、0-6岁儿童按出生日期自动判定，不导入")),
        Column("source", _l("来源"), example=str(KeyPopulationSource.PUBLIC_HEALTH.label)),
        Column("valid_from", _l("起始日期"), example="2024-01-01", text=True),
        Column("valid_to", _l("截止日期"), example="", text=True),
        Column("note", _l("备注"), example=""),
    ]  # fmt: skip

    def parse(self, rows):
        out, errors, seen = [], [], {}
        for number, cells in rows:
            p = ParsedRecord(number)
            apply_steps(self, p, cells, STEPS, errors)
            if p.valid_from and p.valid_to and p.valid_to < p.valid_from:
                p.ok = False
                errors.append(self.error(number, "valid_to", _("截止日期早于起始日期")))
            key = (p.id_index, p.kind, p.valid_from)
            if p.ok and key in seen:
                p.ok = False
                errors.append(
                    self.error(number, "national_id", _("与第%(n)d行的记录重复") % {"n": seen[key]})
                )
            elif p.ok:
                seen[key] = number
            out.append(p)
        return out, errors

    def process_batch(self, rows) -> BatchOutcome:
        parsed, errors = self.parse(rows)
        residents = {
            r.id_index: r
            for r in Resident.objects.filter(id_index__in={p.id_index for p in parsed if p.id_index}).only(
                "id_index", "institution_id", "county_code", "region_code"
            )
        }
        for p in parsed:
            if not p.id_index:
                continue
            resident = residents.get(p.id_index)
            if resident is None:
                p.ok = False
                errors.append(self.error(p.row, "national_id", _("该身份证号的居民尚未登记，请先导入居民")))
            elif not self.may_import_into(resident.institution_id):
                p.ok = False
                errors.append(self.error(p.row, "national_id", _("该居民由其他机构管理，无权修改")))
        good = [p for p in parsed if p.ok]
        # (resident, kind, start) is the record's identity; NULL starts do not meet in a UNIQUE index,
        # so the lookup is done here rather than left to the database.
        existing = {
            (r.resident_id, r.kind, r.valid_from): r
            for r in KeyPopulationRecord.objects.filter(
                resident_id__in={residents[p.id_index].pk for p in good}, kind__in={p.kind for p in good}
            )
        }
        outcome = BatchOutcome(errors=errors)
        new, changed = [], []
        for p in good:
            resident = residents[p.id_index]
            values = {"source": p.source, "valid_to": p.valid_to, "note": p.note}
            old = existing.get((resident.pk, p.kind, p.valid_from))
            if old is None:
                new.append(KeyPopulationRecord(
                    resident=resident, kind=p.kind, valid_from=p.valid_from, county_code=resident.county_code,
                    region_code=resident.region_code, **values))  # fmt: skip
            elif any(getattr(old, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                changed.append(old)
            else:
                outcome.unchanged += 1
        KeyPopulationRecord.objects.bulk_create(new)
        for r in changed:
            r.updated_at = timezone.now()
        KeyPopulationRecord.objects.bulk_update(changed, ["source", "valid_to", "note", "updated_at"])
        outcome.created, outcome.updated = len(new), len(changed)
        key_population_changed.send(
            sender=KeyPopulationRecord, resident_ids={r.resident_id for r in new + changed}
        )
        return outcome
