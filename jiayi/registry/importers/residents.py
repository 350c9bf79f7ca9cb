"""Residents import: upsert by the national ID's blind index, households created on the way.

Two write paths give the same rows: the ORM path (bulk_create with update_conflicts, any database)
and, on PostgreSQL, COPY into a staging table, set-based checks and one INSERT … ON CONFLICT.
Both share the row parsing (the services' own validators) and the order of the reference checks.
"""

import datetime as dt

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiayi.core import nationalid
from jiayi.core.importing.base import (
    BatchOutcome,
    Column,
    Importer,
    apply_steps,
    limit_text,
    parse_choice,
    require_text,
)
from jiayi.core.importing.pgcopy import is_postgresql

from ..fields import set_national_id, set_phone
from ..models import (
    Household,
    Institution,
    InsuranceType,
    Region,
    RegionLevel,
    Relation,
    ResidenceStatus,
    Resident,
)
from .common import ReferenceErrors

EXAMPLE_ID = nationalid.make("500114", dt.date(1958, 3, 12), 123, "M")


class ParsedResident:
    """One row after the field checks; attributes mirror Resident's columns."""

    __slots__ = (
        "row", "name", "id_cipher", "id_index", "id_masked", "birth_date", "sex", "phone_cipher",
        "phone_index", "phone_masked", "address", "village_code", "institution_code", "household_code",
        "relation", "residence_status", "insurance_type", "ok",
    )  # fmt: skip

    def __init__(self, row: int):
        self.row, self.ok = row, True
        for name in self.__slots__[1:-1]:
            setattr(self, name, None if name == "birth_date" else "")


# The columns an import may change; a row whose values all equal the stored ones is "unchanged".
COMPARED = (
    "name", "phone_index", "address", "region_id", "institution_id", "household_id", "relation",
    "residence_status", "insurance_type",
)  # fmt: skip


def _setter(attr: str, parse):
    return lambda p, v: setattr(p, attr, parse(v))


STEPS = (
    ("name", _setter("name", lambda v: require_text(v, max_length=50))),
    ("national_id", set_national_id),
    ("phone", set_phone),
    ("address", _setter("address", lambda v: limit_text(v, max_length=200))),
    ("village_code", _setter("village_code", lambda v: require_text(v, max_length=12))),
    ("institution_code", _setter("institution_code", lambda v: require_text(v, max_length=30))),
    ("household_code", _setter("household_code", lambda v: limit_text(v, max_length=30))),
    ("relation", _setter("relation", lambda v: parse_choice(v, Relation, default=""))),
    ("residence_status", _setter(
        "residence_status", lambda v: parse_choice(v, ResidenceStatus, default=ResidenceStatus.RESIDENT))),
    ("insurance_type", _setter(
        "insurance_type", lambda v: parse_choice(v, InsuranceType, default=InsuranceType.URBAN_RURAL))),
)  # fmt: skip


class ResidentImporter(Importer):
    kind = "residents"
    columns = [
        Column("name", _l("姓名"), required=True, example="张三"),
        Column("national_id", _l("身份证号"), required=True, example=EXAMPLE_ID, text=True),
        Column("phone", _l("联系电话"), example="13912345678", text=True),
        Column("address", _l("现住址"), example="城东街道三星社区1组12号"),
        Column("village_code", _l("村/社区代码"), required=True, example="500114001001", text=True,
               help=_l("12位统计用区划代码")),
        Column("institution_code", _l("管理机构编码"), required=True, example="THC001", text=True),
        Column("household_code", _l("户编号"), example="HH0001", text=True),
        Column("relation", _l("与户主关系"), example=str(Relation.HEAD.label)),
        Column("residence_status", _l("居住状态"), example=str(ResidenceStatus.RESIDENT.label)),
        Column("insurance_type", _l("医保类型"), example=str(InsuranceType.URBAN_RURAL.label)),
    ]  # fmt: skip

    def __init__(self, actor, *, use_copy: bool | None = None):
        super().__init__(actor)
        self.use_copy = is_postgresql() if use_copy is None else use_copy

    # --- field checks (shared) -------------------------------------------------------------------

    def parse(self, rows) -> tuple[list[ParsedResident], list]:
        out, errors, seen = [], [], {}

        for number, cells in rows:
            p = ParsedResident(number)
            apply_steps(self, p, cells, STEPS, errors)
            if p.id_index:
                if p.id_index in seen:
                    p.ok = False
                    errors.append(
                        self.error(
                            p.row, "national_id", _("与第%(n)d行的身份证号重复") % {"n": seen[p.id_index]}
                        )
                    )
                else:
                    seen[p.id_index] = p.row
            out.append(p)
        return out, errors

    def process_batch(self, rows) -> BatchOutcome:
        parsed, errors = self.parse(rows)
        if self.use_copy:
            return self._copy_path(parsed, errors)
        return self._orm_path(parsed, errors)

    # --- the ORM path ------------------------------------------------------------------------------

    def _orm_path(self, parsed: list[ParsedResident], errors: list) -> BatchOutcome:
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
        existing = {
            r.id_index: r
            for r in Resident.objects.filter(id_index__in={p.id_index for p in parsed if p.id_index}).only(
                "id_index", "phone_cipher", *COMPARED
            )
        }
        households = {
            code: (pk, inst)
            for code, pk, inst in Household.objects.filter(
                code__in={p.household_code for p in parsed}
            ).values_list("code", "pk", "institution_id")
        }
        refs = ReferenceErrors(self)
        for p in parsed:
            old = existing.get(p.id_index)
            refs.check(
                p,
                region_found=p.village_code in regions,
                institution_id=insts.get(p.institution_code),
                existing_institution_id=old.institution_id if old else None,
                household_institution_id=households[p.household_code][1]
                if p.household_code in households
                else None,
            )
        errors += refs.errors
        good = [p for p in parsed if p.ok]

        first_of_code = {}
        for p in good:
            if p.household_code and p.household_code not in households:
                first_of_code.setdefault(p.household_code, p)
        if first_of_code:
            Household.objects.bulk_create(
                [
                    Household(
                        code=code,
                        address=p.address,
                        region_id=regions[p.village_code],
                        institution_id=insts[p.institution_code],
                        region_code=p.village_code,
                        county_code=p.village_code[:6],
                    )
                    for code, p in first_of_code.items()
                ]  # fmt: skip
            )
            for code, pk, inst in Household.objects.filter(code__in=first_of_code).values_list(
                "code", "pk", "institution_id"
            ):
                households[code] = (pk, inst)

        outcome, objs, heads = BatchOutcome(errors=errors), [], {}
        for p in good:
            values = {
                "name": p.name, "phone_index": p.phone_index, "address": p.address,
                "region_id": regions[p.village_code], "institution_id": insts[p.institution_code],
                "household_id": households[p.household_code][0] if p.household_code else None,
                "relation": p.relation, "residence_status": p.residence_status,
                "insurance_type": p.insurance_type,
            }  # fmt: skip
            phone_cipher = p.phone_cipher
            old = existing.get(p.id_index)
            if old is not None:
                if values["household_id"] is None:  # no household in the file: keep the stored one
                    values["household_id"], values["relation"] = old.household_id, old.relation
                if all(getattr(old, k) == v for k, v in values.items()):
                    outcome.unchanged += 1
                    continue
                outcome.updated += 1
                if old.phone_index == p.phone_index:
                    phone_cipher = old.phone_cipher  # same phone: keep the stored ciphertext
            else:
                outcome.created += 1
            objs.append(
                Resident(id_cipher=p.id_cipher, id_index=p.id_index, id_masked=p.id_masked,
                         birth_date=p.birth_date, sex=p.sex, phone_cipher=phone_cipher,
                         phone_masked=p.phone_masked, region_code=p.village_code,
                         county_code=p.village_code[:6], **values)
            )  # fmt: skip
        if objs:
            Resident.objects.bulk_create(
                objs,
                update_conflicts=True,
                unique_fields=["id_index"],
                update_fields=[
                    "name", "phone_cipher", "phone_index", "phone_masked", "address", "region",
                    "institution", "household", "relation", "residence_status", "insurance_type",
                    "region_code", "county_code", "updated_at",
                ],
            )  # fmt: skip
        # Head rows of unchanged residents still name the head (a fixed file may only add them).
        for p in good:
            if p.household_code and p.relation == Relation.HEAD:
                heads[households[p.household_code][0]] = p.id_index
        self._set_heads(heads)
        return outcome

    def _set_heads(self, heads: dict[int, str]) -> None:
        if not heads:
            return
        ids = dict(Resident.objects.filter(id_index__in=heads.values()).values_list("id_index", "pk"))
        now, changed = timezone.now(), []
        for hh in Household.objects.filter(pk__in=heads.keys()).only("pk", "head_id"):
            head_id = ids.get(heads[hh.pk])
            if head_id and hh.head_id != head_id:
                hh.head_id, hh.updated_at = head_id, now
                changed.append(hh)
        Household.objects.bulk_update(changed, ["head", "updated_at"], batch_size=500)

    # --- the PostgreSQL COPY path ----------------------------------------------------------------------

    def _copy_path(self, parsed: list[ParsedResident], errors: list) -> BatchOutcome:
        from .residents_pg import copy_batch

        with connection.cursor() as cursor:
            return copy_batch(self, cursor, parsed, errors)
