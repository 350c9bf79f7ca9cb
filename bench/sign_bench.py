"""Signing API benchmark (R-CON-2 under load): requests per second and p99 latency of
POST /api/contracts/sign at 32 concurrent clients, beside a bare Django view on the same server.

    .venv/bin/python bench/sign_bench.py [--pg postgres://postgres@127.0.0.1:5432]
        [--residents 4000] [--clients 32] [--seconds 20] [--port 8017]

It (re)creates the PostgreSQL database `jiayi_bench_sign`, prepares one township health centre,
one team of four doctors (capacity raised by the county's policy so it never binds), the basic
package and N unsigned residents, and creates an API token for the team leader. Then it starts a
real server process — no WSGI server is in the lock, so Django's threaded server
(`jiayi runserver --noreload`, one thread and one database connection per request) with
`bench.sign_bench_settings` (DEBUG off, plus the bare view `/healthz/bench-fixed`) — and drives it from
Python threads with `http.client` on the loopback only. Each signing request signs a different
resident with a real PNG signature. Every run is bounded by --seconds and by the resident count,
and stops by itself.
"""

import argparse
import base64
import datetime as dt
import io
import itertools
import os
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "jiayi_bench_sign"
COUNTY = "500198"
HOST = "127.0.0.1"


def setup_db(pg: str) -> str:
    import psycopg

    with psycopg.connect(pg.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')
    url = pg.rstrip("/") + "/" + DB
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.sign_bench_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def prepare(n_residents: int) -> tuple[str, list[int], dict]:
    """The data set; returns the token, the resident ids and the ids the request body needs."""
    from jiayi.catalog.models import PackageStatus, ServicePackage, Tier
    from jiayi.core import nationalid
    from jiayi.core.apiauth import token_create
    from jiayi.core.models import Role, User
    from jiayi.policy.models import PolicySetting
    from jiayi.registry.fields import set_national_id, set_phone
    from jiayi.registry.models import Institution, InstitutionKind, Region, RegionLevel, Resident
    from jiayi.teams.models import Practitioner, Profession, Team, TeamMembership, TeamRole

    county = Region.objects.create(code=COUNTY + "000000", name="基准区", level=RegionLevel.COUNTY)
    town = Region.objects.create(
        code=COUNTY + "001000", name="基准镇", level=RegionLevel.TOWNSHIP, parent=county
    )
    village = Region.objects.create(
        code=COUNTY + "001001", name="基准村", level=RegionLevel.VILLAGE, parent=town
    )
    inst = Institution.objects.create(
        code="BENCH1", name="基准镇卫生院", kind=InstitutionKind.THC, level="primary", region=town
    )
    doctors = [
        Practitioner.objects.create(name=f"医生{i}", profession=Profession.GENERAL_PRACTICE, institution=inst)
        for i in range(4)
    ]
    team = Team.objects.create(name="基准团队", institution=inst, leader=doctors[0])
    for i, d in enumerate(doctors):
        TeamMembership.objects.create(
            team=team, practitioner=d, role=TeamRole.LEADER if i == 0 else TeamRole.FAMILY_DOCTOR
        )
    year = dt.date.today().year
    PolicySetting.objects.create(
        region=county,
        year=year - 1,
        allowed_terms=[1, 2, 3],
        capacity_per_doctor=1_000_000,
        signing_window_mode="off",
    )
    basic = ServicePackage.objects.create(
        code="BENCH-BASIC",
        name="基础服务包",
        tier=Tier.BASIC,
        populations=["all"],
        valid_from=dt.date(year - 1, 1, 1),
        status=PackageStatus.ACTIVE,
    )
    user = User.objects.create_user(
        username="bench_leader", password="x", role=Role.TEAM_LEADER, team=team, institution=inst
    )
    doctors[0].user = user
    doctors[0].save(update_fields=["user"])
    rows = []
    birth = dt.date(1960, 1, 1)
    for i in range(n_residents):
        r = Resident(
            name=f"居民{i}", region=village, institution=inst, region_code=village.code, county_code=COUNTY
        )
        set_national_id(r, nationalid.make(COUNTY, birth + dt.timedelta(days=i // 400), (i % 400) * 2, "M"))
        set_phone(r, f"138{i:08d}")
        rows.append(r)
    Resident.objects.bulk_create(rows, batch_size=1000)
    ids = list(Resident.objects.filter(county_code=COUNTY).order_by("pk").values_list("pk", flat=True))
    token = token_create(user=user, name="bench")
    return token, ids, {"team_id": team.pk, "doctor_ids": [d.pk for d in doctors], "package_id": basic.pk}


def signature_png() -> str:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (480, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    draw.line(
        [(20, 110), (80, 40), (140, 120), (220, 50), (300, 115), (420, 60)], fill=(0, 0, 0, 255), width=4
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


def start_server(port: int, db_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "bench.sign_bench_settings",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            "--noreload",
            "--skip-checks",
            f"{HOST}:{port}",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("BENCH_VERBOSE") else subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            conn = HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz/bench-fixed")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start")


def run_load(port: int, clients: int, seconds: float, make_request, limit: int) -> dict:
    """`clients` threads, each sending one request at a time until `seconds` pass or `limit`
    requests have been started; returns latencies (s) of the answered requests and status counts."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds

    def worker():
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            if n >= limit:
                return
            method, path, body, headers = make_request(n)
            t0 = time.monotonic()
            try:
                conn = HTTPConnection(HOST, port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                conn.close()
            except OSError:
                status = 0
            dt_ = time.monotonic() - t0
            with lock:
                latencies.append(dt_)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    return {"latencies": latencies, "statuses": statuses, "wall": wall}


def summary(name: str, res: dict) -> dict:
    lat = sorted(res["latencies"])
    n = len(lat)
    ok = sum(v for k, v in res["statuses"].items() if 200 <= k < 300)
    p = lambda q: lat[min(n - 1, int(q * n))] * 1000 if n else float("nan")  # noqa: E731
    return {
        "name": name,
        "requests": n,
        "ok": ok,
        "rps": ok / res["wall"] if res["wall"] else 0.0,
        "p50": p(0.50),
        "p99": p(0.99),
        "mean": statistics.mean(lat) * 1000 if lat else float("nan"),
        "statuses": res["statuses"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--residents", type=int, default=4000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--port", type=int, default=8017)
    args = ap.parse_args()

    t0 = time.monotonic()
    db_url = setup_db(args.pg)
    token, ids, refs = prepare(args.residents)
    print(f"data: {len(ids)} residents, 4 doctors, 1 team ({time.monotonic() - t0:.1f} s)")
    sig = signature_png()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    import json

    def sign_request(n):
        body = {
            "resident_id": ids[n],
            "team_id": refs["team_id"],
            "doctor_id": refs["doctor_ids"][n % 4],
            "package_ids": [refs["package_id"]],
            "channel": "clinic",
            "consent_mode": "handwritten",
            "signature_png": sig,
        }
        return "POST", "/api/contracts/sign", json.dumps(body), auth

    def fixed_request(n):
        return "GET", "/healthz/bench-fixed", None, {}

    server = start_server(args.port, db_url)
    try:
        # Warm-up: imports, the first connections and the policy lookups.
        run_load(args.port, 4, 5, fixed_request, 50)
        warm = run_load(args.port, 2, 5, sign_request, 10)
        done = len(warm["latencies"])
        rest = ids[done:]
        ids[:] = rest
        rows = [
            summary(
                "bare Django view GET /healthz/bench-fixed",
                run_load(args.port, args.clients, args.seconds, fixed_request, 10**9),
            ),
            summary(
                "POST /api/contracts/sign",
                run_load(args.port, args.clients, args.seconds, sign_request, len(ids)),
            ),
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)

    from django.db import connections

    from jiayi.contracts.models import Contract

    signed = Contract.objects.filter(county_code=COUNTY).count()
    dup = (
        Contract.objects.filter(county_code=COUNTY, status__in=["pending", "active"])
        .values("resident_id")
        .distinct()
        .count()
    )
    connections.close_all()
    print(
        f"\n{args.clients} concurrent clients, up to {args.seconds:.0f} s each, Django threaded runserver, PostgreSQL"
    )
    print(
        f"{'endpoint':40} {'requests':>8} {'2xx':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
    )
    for r in rows:
        print(
            f"{r['name']:40} {r['requests']:8d} {r['ok']:6d} {r['rps']:8.1f} {r['p50']:8.1f} {r['p99']:8.1f} {r['mean']:8.1f}"
        )
        others = {k: v for k, v in r["statuses"].items() if not 200 <= k < 300}
        if others:
            print(f"{'':40} non-2xx answers: {others}")
    print(
        f"contracts in the database: {signed} (residents with one in force: {dup}; equal means no duplicate)"
    )


if __name__ == "__main__":
    main()
