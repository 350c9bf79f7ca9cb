"""Worklist benchmark (R-SVC-5): the team's overdue list from the indexed contact plan.

    .venv/bin/python bench/worklist_bench.py [--db jiayi_bench] [--rebuild] [--runs 50]

On PostgreSQL (database `jiayi_bench`, created if missing, reused if already filled): a district of
500,000 residents, 200,000 of them signed with 100 teams of 2,000, each with a contact plan whose
due dates spread over the past and next quarter. Then, for one team: EXPLAIN ANALYZE of the ORM
worklist query (it should use `contactplan_team_due`), and the median / p95 over N runs of the ORM
query, the workbench's 50-row slice, the grouped counts and the same rows by hand-written SQL
through psycopg. Data are inserted with INSERT … SELECT generate_series (about a minute).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESIDENTS = 500_000
TEAMS = 100
SIGNED_PER_TEAM = 2_000
INSTITUTIONS = 20
VILLAGES_PER_INST = 10


def _filled(db: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}") as conn:
            n = conn.execute("SELECT count(*) FROM care_contactplan").fetchone()[0]
    except psycopg.Error:
        return False
    return n >= TEAMS * SIGNED_PER_TEAM


def setup_django(db: str, rebuild: bool) -> bool:
    """Connect Django to the bench database; (re)create it unless already filled. True = build."""
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayi.settings")
    import psycopg

    build_needed = rebuild or not _filled(db)
    if build_needed:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return build_needed


def build():
    from django.db import connection, transaction

    from jiayi.core.models import Role
    from jiayi.registry.models import InstitutionKind
    from jiayi.teams.models import Team
    from tests.factories import (
        InstitutionFactory,
        PractitionerFactory,
        UserFactory,
        county,
        township,
        village,
    )

    t0 = time.perf_counter()
    with transaction.atomic():
        c = county()
        insts, villages = [], []
        for i in range(1, INSTITUTIONS + 1):
            town = township(c, i)
            inst = InstitutionFactory(region=town, kind=InstitutionKind.THC, name=f"第{i}社区卫生服务中心")
            insts.append(inst)
            villages.append([village(town, v) for v in range(1, VILLAGES_PER_INST + 1)])
        teams, doctors = [], []
        for t in range(TEAMS):
            inst = insts[t % INSTITUTIONS]
            doc = PractitionerFactory(institution=inst, name=f"医生{t}")
            teams.append(Team.objects.create(name=f"家庭医生{t}团队", institution=inst, leader=doc))
            doctors.append(doc)
        UserFactory(
            username="bench_leader", role=Role.TEAM_LEADER, team=teams[0], institution=teams[0].institution
        )
    team_ids = [t.pk for t in teams]
    doc_ids = [d.pk for d in doctors]
    inst_of_team = [t.institution_id for t in teams]
    village_ids = [[v.pk for v in vs] for vs in villages]
    village_codes = [[v.code for v in vs] for vs in villages]
    inst_index = {inst.pk: i for i, inst in enumerate(insts)}
    # Per team: its institution's villages (flattened arrays indexed in SQL).
    v_ids = [v for t in range(TEAMS) for v in village_ids[inst_index[inst_of_team[t]]]]
    v_codes = [v for t in range(TEAMS) for v in village_codes[inst_index[inst_of_team[t]]]]
    with connection.cursor() as cur:
        # Residents: team = g % TEAMS; signed = the first SIGNED_PER_TEAM of each team.
        cur.execute(
            """
            INSERT INTO registry_resident (created_at, updated_at, name, id_cipher, id_index, id_masked,
              birth_date, sex, phone_cipher, phone_index, phone_masked, address, relation, residence_status,
              insurance_type, is_active, county_code, region_code, institution_id, region_id, team_id,
              responsible_doctor_id)
            SELECT now(), now(), '居民' || g, 'bench', 'bench' || g, '500114********' || lpad((g %% 10000)::text, 4, '0'),
              date '1940-01-01' + (g::bigint * 7919 %% 29000)::int, CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
              '', '', '138****' || lpad((g %% 10000)::text, 4, '0'), '', '', 'resident', 'urban_rural', true,
              '500114', (%(vcodes)s::text[])[1 + (g %% %(teams)s) * %(nv)s + (g / %(teams)s) %% %(nv)s],
              (%(insts)s::bigint[])[1 + g %% %(teams)s],
              (%(vids)s::bigint[])[1 + (g %% %(teams)s) * %(nv)s + (g / %(teams)s) %% %(nv)s],
              (%(tids)s::bigint[])[1 + g %% %(teams)s], (%(dids)s::bigint[])[1 + g %% %(teams)s]
            FROM generate_series(0, %(n)s - 1) g
            """,
            {
                "vcodes": v_codes,
                "teams": TEAMS,
                "nv": VILLAGES_PER_INST,
                "insts": inst_of_team,
                "vids": v_ids,
                "tids": team_ids,
                "dids": doc_ids,
                "n": RESIDENTS,
            },
        )
        print(f"  residents: {time.perf_counter() - t0:.1f}s", flush=True)
        signed = f"(SELECT * FROM registry_resident WHERE id_cipher = 'bench' AND (substr(id_index, 6)::int / {TEAMS}) < {SIGNED_PER_TEAM})"
        # One agreement per signed resident, signed over the past year.
        cur.execute(
            f"""
            INSERT INTO contracts_agreement (created_at, updated_at, kind, channel, signed_on, term_years,
              consent_mode, county_code, region_code, doctor_id, institution_id, party_id, team_id)
            SELECT now(), now(), 'individual', 'clinic', current_date - (r.id * 31 % 360)::int, 1, 'handwritten',
              r.county_code, r.region_code, r.responsible_doctor_id, r.institution_id, r.id, r.team_id
            FROM {signed} r
            """
        )
        cur.execute(
            """
            INSERT INTO contracts_contract (created_at, updated_at, status, start, "end", term_years, is_first,
              renewal_opt_out, awaiting_payment, termination_reason, termination_note, county_code, region_code,
              agreement_id, doctor_id, institution_id, resident_id, team_id)
            SELECT now(), now(), 'active', a.signed_on, a.signed_on + 364, 1, true, false, false, '', '',
              a.county_code, a.region_code, a.id, a.doctor_id, a.institution_id, a.party_id, a.team_id
            FROM contracts_agreement a
            """
        )
        print(f"  contracts: {time.perf_counter() - t0:.1f}s", flush=True)
        # Contact plans: a colour for ~45%, a last contact for ~70%; next due = (last or signed) + interval.
        cur.execute(
            """
            INSERT INTO care_contactplan (resident_id, contract_id, team_id, doctor_id, institution_id, colour,
              interval_days, signed_on, last_contact_on, next_due_on, county_code, region_code)
            SELECT x.resident_id, x.id, x.team_id, x.doctor_id, x.institution_id, x.colour, x.iv, x.start,
              x.last, coalesce(x.last, x.start) + x.iv, x.county_code, x.region_code
            FROM (
              SELECT c.*, CASE WHEN c.id % 20 < 2 THEN 'red' WHEN c.id % 20 < 5 THEN 'yellow'
                               WHEN c.id % 20 < 9 THEN 'green' ELSE '' END AS colour,
                     CASE WHEN c.id % 20 < 2 THEN 30 WHEN c.id % 20 < 5 THEN 60 ELSE 90 END AS iv,
                     CASE WHEN c.id % 10 < 7 THEN greatest(c.start, current_date - (c.id * 13 % 120)::int) END AS last
              FROM contracts_contract c
            ) x
            """
        )
    with connection.cursor() as cur:
        cur.execute(
            "ANALYZE registry_resident; ANALYZE contracts_contract; ANALYZE care_contactplan; ANALYZE teams_practitioner"
        )
    print(f"  built in {time.perf_counter() - t0:.1f}s", flush=True)


def timed(fn, runs):
    fn()  # warm
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[max(0, int(round(0.95 * len(out))) - 1)]


HAND_SQL = """
SELECT p.resident_id, r.name, r.phone_masked, p.colour, p.last_contact_on, p.next_due_on, d.name
FROM care_contactplan p
JOIN registry_resident r ON r.id = p.resident_id
JOIN teams_practitioner d ON d.id = p.doctor_id
WHERE p.team_id = %s AND p.next_due_on < %s
ORDER BY CASE p.colour WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END, p.next_due_on, p.resident_id
"""


def measure(runs: int):
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from jiayi.care import queries as q
    from jiayi.care.models import ContactPlan
    from jiayi.care.workbench import ROW_FIELDS, plan_counts
    from jiayi.core.models import User

    user = User.objects.get(username="bench_leader")
    team_id = user.team_id
    today = timezone.localdate()
    qs = q.worklist(user, q.OVERDUE, team_id=team_id, today=today)
    total = ContactPlan.objects.count()
    team_size = ContactPlan.objects.filter(team_id=team_id).count()
    slim = qs.only(*ROW_FIELDS)
    n_rows = len(list(qs))
    print(f"\ncontact plans: {total:,}  ·  team {team_id}: {team_size:,} signed  ·  overdue rows: {n_rows:,}")
    plan = qs.explain(analyze=True, buffers=True)
    print("\nEXPLAIN (ANALYZE, BUFFERS) — ORM worklist(user, 'overdue', team_id=…):\n")
    print(plan)
    sql, params = qs.query.sql_with_params()
    print(
        "\nSQL:", connection.ops.compose_sql(sql, params) if hasattr(connection.ops, "compose_sql") else sql
    )

    dsn = "postgresql://postgres@127.0.0.1:5432/" + connection.settings_dict["NAME"]
    with psycopg.connect(dsn) as pg:

        def hand():
            return pg.execute(HAND_SQL, [team_id, today]).fetchall()

        assert len(hand()) == n_rows
        rows = [
            (
                "ORM worklist, all overdue rows (select_related resident, doctor)",
                timed(lambda: list(qs.all()), runs),
            ),
            ("ORM worklist .only(row fields), all overdue rows", timed(lambda: list(slim.all()), runs)),
            ("ORM worklist, workbench slice [:50] (.only)", timed(lambda: list(slim.all()[:50]), runs)),
            (
                "ORM grouped counts (overdue / due this week / never)",
                timed(lambda: plan_counts(user, team_id, today), runs),
            ),
            ("hand-written SQL via psycopg, all overdue rows", timed(hand, runs)),
        ]
    print(f"\n{'query':<68} {'median ms':>10} {'p95 ms':>8}")
    for label, (med, p95) in rows:
        print(f"{label:<68} {med:>10.2f} {p95:>8.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="jiayi_bench")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    if setup_django(args.db, args.rebuild):
        print(
            f"building {RESIDENTS:,} residents, {TEAMS * SIGNED_PER_TEAM:,} contracts and contact plans …",
            flush=True,
        )
        build()
    measure(args.runs)


if __name__ == "__main__":
    main()
