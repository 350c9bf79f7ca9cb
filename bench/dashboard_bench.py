"""Commission dashboard benchmark (R-EVA, the "no dashboard request scans a large table" rule).

    .venv/bin/python bench/dashboard_bench.py [--pg postgres://postgres@127.0.0.1:5432] [--fresh] [--runs 15]

PostgreSQL database `jiayi_bench_eval` (reused when it already holds the data; --fresh drops it):
1,000,000 residents and 400,000 contracts over 30 institutions and 250 teams, key populations,
baselines — bulk-generated with `INSERT … SELECT generate_series`. The rollups are built once with
`rollups.rebuild()`. Then it times, median of --runs:
  - `evaluation.queries.dashboard(commission user, year)` — the page's data function (rollups);
  - the HTTP request GET /evaluation/ (Django test client, logged in);
  - the same figures (per-institution signed and key signed, per key population, the monthly trend
    of the year) by plain GROUP BY over contracts, residents and key-population records.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "jiayi_bench_eval"
COUNTY = "500199"
INSTITUTIONS, TEAMS, RESIDENTS, CONTRACTS = 30, 250, 1_000_000, 400_000


def setup(pg: str, fresh: bool):
    import psycopg

    with psycopg.connect(pg.rstrip("/") + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{DB}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB}"')
    os.environ["DATABASE_URL"] = pg.rstrip("/") + "/" + DB
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate():
    """Idempotent: does nothing when the residents are there already."""
    from django.db import connection

    from jiayi.contracts.models import Contract
    from jiayi.registry.models import KeyPopulationRecord, Resident

    if Contract.objects.filter(county_code=COUNTY).exists():
        print("data present: reusing")
        return False
    have_residents = Resident.objects.filter(county_code=COUNTY).count() >= RESIDENTS
    have_kp = KeyPopulationRecord.objects.filter(county_code=COUNTY).exists()
    t0 = time.monotonic()
    sql = f"""
    INSERT INTO registry_region (code, name, level, parent_id, county_code, is_urban)
      VALUES ('{COUNTY}000000', '基准区', 'county', NULL, '{COUNTY}', false) ON CONFLICT DO NOTHING;
    INSERT INTO registry_region (code, name, level, parent_id, county_code, is_urban)
      SELECT '{COUNTY}' || lpad(i::text, 3, '0') || '000', '第' || i || '镇', 'township',
             (SELECT id FROM registry_region WHERE code = '{COUNTY}000000'), '{COUNTY}', false
      FROM generate_series(1, {INSTITUTIONS}) i ON CONFLICT DO NOTHING;
    INSERT INTO registry_institution (code, name, kind, level, region_id, is_active, county_code, region_code,
                                      created_at, updated_at, address, phone)
      SELECT 'B' || lpad(i::text, 3, '0'), '第' || i || '镇卫生院', 'thc', 'primary', r.id, true, '{COUNTY}', r.code,
             now(), now(), '', ''
      FROM generate_series(1, {INSTITUTIONS}) i
      JOIN registry_region r ON r.code = '{COUNTY}' || lpad(i::text, 3, '0') || '000'
      ON CONFLICT DO NOTHING;
    """
    with connection.cursor() as cur:
        cur.execute(sql)
    _teams()
    with connection.cursor() as cur:
        # Residents: institution i gets a population that varies 3:1 between the largest and smallest.
        cur.execute(f"""
        CREATE TEMP TABLE inst AS
          SELECT row_number() OVER (ORDER BY code) - 1 AS n, id, region_id, region_code FROM registry_institution
          WHERE county_code = '{COUNTY}';
        INSERT INTO registry_resident (name, id_cipher, id_index, id_masked, birth_date, sex, phone_cipher,
            phone_index, phone_masked, address, region_id, institution_id, relation, residence_status,
            insurance_type, is_active, county_code, region_code, created_at, updated_at)
        SELECT '居民' || g, 'x', md5('bench' || g), '5001991**********', DATE '1930-01-01' + ((g::bigint * 7919) % 34000)::int,
               CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, '', '', '', '', inst.region_id, inst.id, '', 'resident',
               'urban_rural', true, '{COUNTY}', inst.region_code, now(), now()
        FROM generate_series(1, {RESIDENTS}) g
        JOIN inst ON inst.n = (g::bigint * 37 % 1000) * {INSTITUTIONS} / 1000
        WHERE {str(not have_residents).lower()};  -- a rerun after a failure keeps the residents
        """)
        print(f"residents {time.monotonic() - t0:.0f}s")
        cur.execute(f"""
        INSERT INTO registry_keypopulationrecord (resident_id, kind, source, valid_from, valid_to, note,
            county_code, region_code, created_at, updated_at)
        SELECT r.id, k.kind, 'public_health', NULL, NULL, '', r.county_code, r.region_code, now(), now()
        FROM registry_resident r
        JOIN (VALUES ('hypertension', 7), ('diabetes', 17), ('disabled', 41), ('poverty_alleviated', 29)) k(kind, m)
          ON r.id % k.m = 0
        WHERE r.county_code = '{COUNTY}' AND {str(not have_kp).lower()};
        """)
        # Contracts: 2 of every 5 residents, with the team of their institution; mostly active.
        cur.execute(f"""
        CREATE TEMP TABLE tm AS
          SELECT t.id, t.institution_id, row_number() OVER (PARTITION BY t.institution_id ORDER BY t.id) - 1 AS n,
                 count(*) OVER (PARTITION BY t.institution_id) AS k, a.id AS agreement_id, p.id AS doctor_id
          FROM teams_team t JOIN contracts_agreement a ON a.team_id = t.id
          JOIN teams_practitioner p ON p.id = a.doctor_id WHERE t.county_code = '{COUNTY}';
        INSERT INTO contracts_contract (agreement_id, resident_id, institution_id, team_id, doctor_id, status, start,
            "end", term_years, is_first, renewal_opt_out, awaiting_payment, termination_reason, termination_note,
            county_code, region_code, created_at, updated_at)
        SELECT tm.agreement_id, r.id, r.institution_id, tm.id, tm.doctor_id,
               CASE WHEN r.id % 20 = 0 THEN 'pending' ELSE 'active' END,
               CURRENT_DATE - (r.id % 330)::int, CURRENT_DATE - (r.id % 330)::int + 364, 1, true, false, false, '', '',
               r.county_code, r.region_code, now(), now()
        FROM registry_resident r
        JOIN tm ON tm.institution_id = r.institution_id AND tm.n = r.id % tm.k
        WHERE r.county_code = '{COUNTY}' AND r.id % 5 IN (0, 1);
        INSERT INTO registry_populationbaseline (institution_id, year, population, count, source, county_code,
            created_at, updated_at)
        SELECT r.institution_id, EXTRACT(year FROM CURRENT_DATE)::int, 'all', (count(*) * 1.05)::int, 'bench',
               '{COUNTY}', now(), now()
        FROM registry_resident r WHERE r.county_code = '{COUNTY}' GROUP BY r.institution_id;
        ANALYZE;
        """)
    print(f"generated in {time.monotonic() - t0:.0f}s")
    return True


def _teams():
    from jiayi.catalog.models import PackageStatus, ServicePackage, Tier
    from jiayi.contracts.models import Agreement
    from jiayi.registry.models import Institution, Resident
    from jiayi.teams.models import Practitioner, Team

    pkg, _ = ServicePackage.objects.get_or_create(
        code="BENCH-BASIC",
        defaults={"name": "基础包", "tier": Tier.BASIC, "populations": ["all"], "status": PackageStatus.ACTIVE,
                  "valid_from": "2020-01-01"},
    )  # fmt: skip
    insts = list(Institution.objects.filter(county_code=COUNTY).order_by("code"))
    if Team.objects.filter(county_code=COUNTY).exists():
        return pkg
    party = None
    for n in range(TEAMS):
        inst = insts[n % len(insts)]
        doc = Practitioner.objects.create(
            name=f"医生{n}",
            licence_no=f"B{n:08d}",
            profession="general_practice",
            title="attending",
            institution=inst,
        )
        team = Team.objects.create(
            name=f"{inst.name}第{n // len(insts) + 1}团队", institution=inst, leader=doc
        )
        if party is None:
            party = Resident(name="协议乙方", id_cipher="x", id_index="bench-party", id_masked="x",
                             birth_date="1960-01-01", sex="M", region=inst.region, institution=inst)  # fmt: skip
            party.save()
        Agreement.objects.create(
            kind="individual", institution=inst, team=team, doctor=doc, party=party, channel="clinic",
            signed_on="2025-01-01", consent_mode="online",
        )  # fmt: skip
    return pkg


def raw_figures(year: int):
    """The dashboard's figures by GROUP BY over the large tables (what a naive dashboard would run)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.institution_id, count(DISTINCT c.resident_id),
                   count(DISTINCT c.resident_id) FILTER (WHERE r.birth_date <= CURRENT_DATE - interval '65 years'
                       OR r.birth_date > CURRENT_DATE - interval '7 years' OR EXISTS (
                       SELECT 1 FROM registry_keypopulationrecord k WHERE k.resident_id = c.resident_id))
            FROM contracts_contract c JOIN registry_resident r ON r.id = c.resident_id
            WHERE c.county_code = %s AND c.status IN ('pending', 'active')
            GROUP BY c.institution_id
            """,
            [COUNTY],
        )
        inst = cur.fetchall()
        cur.execute(
            """
            SELECT k.kind, count(DISTINCT c.resident_id) FROM contracts_contract c
            JOIN registry_keypopulationrecord k ON k.resident_id = c.resident_id
            WHERE c.county_code = %s AND c.status IN ('pending', 'active') GROUP BY k.kind
            """,
            [COUNTY],
        )
        kinds = cur.fetchall()
        cur.execute(
            """
            SELECT m, count(DISTINCT c.resident_id) FROM generate_series(1, 12) m
            JOIN contracts_contract c ON c.county_code = %s AND c.start <= (make_date(%s, m, 1) + interval '1 month'
                 - interval '1 day')::date AND c."end" >= (make_date(%s, m, 1) + interval '1 month' - interval '1 day')::date
                 AND c.status <> 'terminated'
            GROUP BY m
            """,
            [COUNTY, year, year],
        )
        trend = cur.fetchall()
        cur.execute(
            "SELECT institution_id, count FROM registry_populationbaseline WHERE county_code = %s", [COUNTY]
        )
        base = cur.fetchall()
    return inst, kinds, trend, base


def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--raw-runs", type=int, default=5)
    args = ap.parse_args()
    setup(args.pg, args.fresh)
    from django.test import Client
    from django.utils import timezone

    from jiayi.core.models import Role, User
    from jiayi.evaluation import queries, rollups
    from jiayi.evaluation.models import CoverageRollup
    from jiayi.registry.models import Region

    generated = generate()
    if generated or not CoverageRollup.objects.exists():
        t = time.monotonic()
        rollups.rebuild(months=12)
        print(f"rollups built in {time.monotonic() - t:.0f}s")
    region = Region.objects.get(code=COUNTY + "000000")
    user, _ = User.objects.get_or_create(
        username="bench_wjw", defaults={"role": Role.COMMISSION, "region": region, "display_name": "卫健委"}
    )
    year = timezone.localdate().year
    from django.db import connection

    tables = (
        "registry_resident",
        "contracts_contract",
        "registry_keypopulationrecord",
        "evaluation_coveragerollup",
    )
    counts = tuple(_count(connection, t) for t in tables)
    print("rows: residents {}, contracts {}, key-population records {}, rollup rows {}".format(*counts))
    queries.dashboard(user, year=year)  # warm
    fn_ms, _ = timed(lambda: queries.dashboard(user, year=year), args.runs)
    client = Client()
    client.force_login(user)
    assert client.get("/evaluation/").status_code == 200
    http_ms, _ = timed(lambda: client.get("/evaluation/"), args.runs)
    raw_figures(year)  # warm the cache for the raw side too
    raw_ms, _ = timed(lambda: raw_figures(year), args.raw_runs)
    data = queries.dashboard(user, year=year)
    inst, *_ = raw_figures(year)
    assert sum(r.signed for r in data["rows"]) == sum(n for _, n, _k in inst), "rollups disagree with raw"
    assert sum(r.key_signed for r in data["rows"]) == sum(k for _, _n, k in inst), "key rollups disagree"
    print(f"dashboard data function (rollups): median {fn_ms:.1f} ms over {args.runs} runs")
    print(f"HTTP GET /evaluation/:             median {http_ms:.1f} ms over {args.runs} runs")
    print(f"plain GROUP BY over raw tables:    median {raw_ms:.1f} ms over {args.raw_runs} runs")
    print(f"ratio raw / data function: {raw_ms / fn_ms:.0f}x;  raw / HTTP: {raw_ms / http_ms:.0f}x")


def _count(connection, table):
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


if __name__ == "__main__":
    main()
