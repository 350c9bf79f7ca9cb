"""Households import: upsert by household code; the head is a registered resident, found by ID."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiayi.core import nationalid
from jiayi.core.crypto import blind_index
from jiayi.core.importing.base import BatchOutcome, Column, Importer, apply_steps, limit_text, require_text

from ..models import Household, Institution, Region, RegionLevel, Relation, Resident
from .common import ReferenceErrors
from .residents import EXAMPLE_ID


class ParsedHousehold:
    def __init__(self, row: int):
        self.row, self.ok = row, True
        self.code = self.head_index = self.address = self.village_code = self.institution_code = ""


def _head(p, raw: str) -> None:
    if raw.strip():
        p.head_index = blind_index("nid", nationalid.parse(raw).value)


STEPS = (
    ("code", lambda p, v: setattr(p, "code", require_text(v, max_length=30))),
    ("head_id", _head),
    ("address", lambda p, v: setattr(p, "address", limit_text(v, max_length=200))),
    ("village_code", lambda p, v: setattr(p, "village_code", require_text(v, max_length=12))),
    ("institution_code", lambda p, v: setattr(p, "institution_code", require_text(v, max_length=30))),
)


class HouseholdImporter(Importer):
    kind = "households"
    columns = [
        Column("code", _l("户编号"), required=True, example="HH0001", text=True),
        Column("head_id", _l("户主身份证号"), example=EXAMPLE_ID, text=True, help=_l("户主须已登记为居民")),
        Column("address", _l("家庭住址"), example="城东街道三星社区1组12号"),
        Column("village_code", _l("村/社区代码"), required=True, example="500114001001", text=True),
        Column("institution_code", _l("管理机构编码"), required=True, example="THC001", text=True),
    ]

    def parse(self, rows):
        out, errors, seen = [], [], {}
        for number, cells in rows:
            p = ParsedHousehold(number)
            apply_steps(self, p, cells, STEPS, errors)
            if p.code in seen:
                p.ok = False
                errors.append(self.error(number, "code", _("与第%(n)d行的户编号重复") % {"n": seen[p.code]}))
            elif p.code:
                seen[p.code] = number
            out.append(p)
        return out, errors

    def process_batch(self, rows) -> BatchOutcome:
        parsed, errors = self.parse(rows)
        regions = dict(
            Region.objects.filter(
                code__in={p.village_code for p in parsed}, level=RegionLevel.VILLAGE
            ).values_list("code", "pk")
        )
        insts = dict(
            Institution.objects.filter(code__in={p.institution_code for p in parsed}).values_list(
                "code", "pk"
            )
        )
        existing = {h.code: h for h in Household.objects.filter(code__in={p.code for p in parsed})}
        heads = {
            r.id_index: r
            for r in Resident.objects.filter(
                id_index__in={p.head_index for p in parsed if p.head_index}
            ).only("id_index", "institution_id", "household_id", "relation")
        }
        refs = ReferenceErrors(self)
        for p in parsed:
            old = existing.get(p.code)
            refs.check(
                p,
                region_found=p.village_code in regions,
                institution_id=insts.get(p.institution_code),
                household_institution_id=old.institution_id if old else None,
                household_key="code",
            )
            if p.head_index:
                head = heads.get(p.head_index)
                if head is None:
                    refs._add(p, "head_id", _("户主尚未登记为居民，请先导入居民"))
                elif not self.may_import_into(head.institution_id):
                    refs._add(p, "head_id", _("户主由其他机构管理，无权修改"))
        errors += refs.errors
        outcome = BatchOutcome(errors=errors)
        now = timezone.now()
        for p in parsed:
            if not p.ok:
                continue
            head = heads.get(p.head_index)
            values = {
                "address": p.address, "region_id": regions[p.village_code],
                "institution_id": insts[p.institution_code], "region_code": p.village_code,
                "county_code": p.village_code[:6],
            }  # fmt: skip
            hh = existing.get(p.code)
            if hh is None:
                hh = Household.objects.create(code=p.code, head=head, **values)
                outcome.created += 1
                changed = False
            else:
                if head is not None:
                    values["head_id"] = head.pk
                changed = any(getattr(hh, k) != v for k, v in values.items())
                if changed:
                    Household.objects.filter(pk=hh.pk).update(updated_at=now, **values)
            member_changed = head is not None and (
                head.household_id != hh.pk or head.relation != Relation.HEAD
            )
            if member_changed:
                Resident.objects.filter(pk=head.pk).update(
                    household=hh, relation=Relation.HEAD, updated_at=now
                )
            if p.code in existing:
                if changed or member_changed:
                    outcome.updated += 1
                else:
                    outcome.unchanged += 1
        return outcome
