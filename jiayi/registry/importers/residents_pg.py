"""The residents import on PostgreSQL: COPY → staging table → joins → one upsert.

Changed rows are found by comparing blind indexes and plain columns, never ciphertexts (they
differ on every encryption); an unchanged row is not written, so a re-import leaves
`updated_at` alone.
"""

from django.utils import timezone

from ..models import Household, Institution, Region, RegionLevel, Relation, Resident
from .common import ReferenceErrors

STAGE = "jiayi_stage_residents"
STAGE_COLUMNS = [
    ("row", "integer"),
    ("ok", "boolean"),
    ("name", "text"),
    ("id_cipher", "text"),
    ("id_index", "text"),
    ("id_masked", "text"),
    ("birth_date", "date"),
    ("sex", "text"),
    ("phone_cipher", "text"),
    ("phone_index", "text"),
    ("phone_masked", "text"),
    ("address", "text"),
    ("village_code", "text"),
    ("institution_code", "text"),
    ("household_code", "text"),
    ("relation", "text"),
    ("residence_status", "text"),
    ("insurance_type", "text"),
]
RESOLVED = [("region_id", "bigint"), ("inst_id", "bigint"), ("existing_inst", "bigint"), ("hh_id", "bigint"),
            ("hh_inst", "bigint")]  # fmt: skip

T_REGION, T_INST = Region._meta.db_table, Institution._meta.db_table
T_HH, T_RES = Household._meta.db_table, Resident._meta.db_table


def copy_batch(importer, cur, parsed, errors):
    from jiayi.core.importing.base import BatchOutcome

    names = [n for n, _t in STAGE_COLUMNS]
    stage_rows(cur, parsed, names)
    cur.execute(f"ALTER TABLE {STAGE} " + ", ".join(f"ADD COLUMN {n} {t}" for n, t in RESOLVED))
    _resolve(cur)
    _check(importer, cur, parsed, errors)
    now = timezone.now()
    _create_households(cur, now)
    created, updated = _upsert(cur, now)
    _set_heads(cur, now)
    good = sum(1 for p in parsed if p.ok)
    return BatchOutcome(created=created, updated=updated, unchanged=good - created - updated, errors=errors)


def stage_rows(cur, parsed, names):
    from jiayi.core.importing.pgcopy import stage_rows as copy_rows

    copy_rows(cur, STAGE, STAGE_COLUMNS, ([getattr(p, n) for n in names] for p in parsed))


def _resolve(cur) -> None:
    cur.execute(
        f"""
        UPDATE {STAGE} s SET region_id = x.region_id, inst_id = x.inst_id, existing_inst = x.existing_inst,
               hh_id = x.hh_id, hh_inst = x.hh_inst
        FROM (
            SELECT s2.row, r.id AS region_id, i.id AS inst_id, e.institution_id AS existing_inst,
                   h.id AS hh_id, h.institution_id AS hh_inst
            FROM {STAGE} s2
            LEFT JOIN {T_REGION} r ON r.code = s2.village_code AND r.level = %s
            LEFT JOIN {T_INST} i ON i.code = s2.institution_code
            LEFT JOIN {T_RES} e ON e.id_index = s2.id_index AND s2.id_index <> ''
            LEFT JOIN {T_HH} h ON h.code = s2.household_code AND s2.household_code <> ''
        ) x
        WHERE x.row = s.row
        """,
        [RegionLevel.VILLAGE.value],
    )


def _check(importer, cur, parsed, errors) -> None:
    """The reference rules, applied to what the joins found (the same rule object as the ORM path)."""
    cur.execute(f"SELECT row, region_id IS NOT NULL, inst_id, existing_inst, hh_inst FROM {STAGE}")
    found = {row: rest for row, *rest in cur.fetchall()}
    refs = ReferenceErrors(importer)
    for p in parsed:
        region_found, inst_id, existing_inst, hh_inst = found[p.row]
        refs.check(
            p,
            region_found=region_found,
            institution_id=inst_id,
            existing_institution_id=existing_inst,
            household_institution_id=hh_inst,
        )
    errors += refs.errors
    bad = [p.row for p in parsed if not p.ok]
    if bad:
        cur.execute(f"UPDATE {STAGE} SET ok = false WHERE row = ANY(%s)", [bad])


def _create_households(cur, now) -> None:
    # A new household takes its village and institution from its first row in the batch.
    cur.execute(
        f"""
        INSERT INTO {T_HH} (code, address, region_id, institution_id, region_code, county_code,
                            created_at, updated_at)
        SELECT DISTINCT ON (household_code) household_code, address, region_id, inst_id, village_code,
               left(village_code, 6), %s, %s
        FROM {STAGE} WHERE ok AND household_code <> '' AND hh_id IS NULL
        ORDER BY household_code, row
        ON CONFLICT (code) DO NOTHING
        """,
        [now, now],
    )
    cur.execute(
        f"""UPDATE {STAGE} s SET hh_id = h.id FROM {T_HH} h
            WHERE h.code = s.household_code AND s.household_code <> '' AND s.hh_id IS NULL"""
    )


# Blank household in the file keeps the stored household and relation (as the ORM path does).
_HH = "COALESCE(EXCLUDED.household_id, r.household_id)"
_REL = "CASE WHEN EXCLUDED.household_id IS NULL THEN r.relation ELSE EXCLUDED.relation END"


def _upsert(cur, now) -> tuple[int, int]:
    cur.execute(
        f"""
        INSERT INTO {T_RES} AS r (name, id_cipher, id_index, id_masked, birth_date, sex, phone_cipher,
            phone_index, phone_masked, address, region_id, institution_id, household_id, relation,
            residence_status, insurance_type, is_active, region_code, county_code, created_at, updated_at)
        SELECT name, id_cipher, id_index, id_masked, birth_date, sex, phone_cipher, phone_index,
            phone_masked, address, region_id, inst_id, hh_id, relation, residence_status, insurance_type,
            true, village_code, left(village_code, 6), %s, %s
        FROM {STAGE} WHERE ok ORDER BY row
        ON CONFLICT (id_index) DO UPDATE SET
            name = EXCLUDED.name,
            phone_cipher = CASE WHEN r.phone_index = EXCLUDED.phone_index THEN r.phone_cipher
                                ELSE EXCLUDED.phone_cipher END,
            phone_index = EXCLUDED.phone_index, phone_masked = EXCLUDED.phone_masked,
            address = EXCLUDED.address, region_id = EXCLUDED.region_id,
            institution_id = EXCLUDED.institution_id, household_id = {_HH}, relation = {_REL},
            residence_status = EXCLUDED.residence_status, insurance_type = EXCLUDED.insurance_type,
            region_code = EXCLUDED.region_code, county_code = EXCLUDED.county_code,
            updated_at = EXCLUDED.updated_at
        WHERE (r.name, r.phone_index, r.address, r.region_id, r.institution_id, r.household_id,
               r.relation, r.residence_status, r.insurance_type)
            IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.phone_index, EXCLUDED.address, EXCLUDED.region_id,
               EXCLUDED.institution_id, {_HH}, {_REL}, EXCLUDED.residence_status, EXCLUDED.insurance_type)
        RETURNING (xmax = 0)
        """,
        [now, now],
    )
    inserted = [flag for (flag,) in cur.fetchall()]
    created = sum(1 for f in inserted if f)
    return created, len(inserted) - created


def _set_heads(cur, now) -> None:
    # The last 户主 row of a household in the batch wins, as on the ORM path.
    cur.execute(
        f"""
        UPDATE {T_HH} h SET head_id = x.rid, updated_at = %s
        FROM (
            SELECT DISTINCT ON (s.hh_id) s.hh_id, r.id AS rid
            FROM {STAGE} s JOIN {T_RES} r ON r.id_index = s.id_index
            WHERE s.ok AND s.relation = %s AND s.hh_id IS NOT NULL AND s.household_code <> ''
            ORDER BY s.hh_id, s.row DESC
        ) x
        WHERE h.id = x.hh_id AND h.head_id IS DISTINCT FROM x.rid
        """,
        [now, Relation.HEAD.value],
    )
