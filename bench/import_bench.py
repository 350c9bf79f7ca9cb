"""Residents import benchmark: `jiayi import residents` on SQLite and PostgreSQL vs a plain COPY.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--small 20000] [--pg postgres://postgres@127.0.0.1:5432]

Each measurement runs in its own subprocess (fresh database, fresh interpreter) so its peak RSS
is its own. Prints a table; see bench/README.md.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
MANAGE = [PY, str(ROOT / "manage.py")]
HEADER = [
    "姓名",
    "身份证号",
    "联系电话",
    "现住址",
    "村/社区代码",
    "管理机构编码",
    "户编号",
    "与户主关系",
    "居住状态",
    "医保类型",
]
COUNTY = "500114"
VILLAGES = 40
INSTITUTIONS = 8

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国志强"


def national_id(i: int) -> str:
    """A distinct valid ID per i: birth date from i // 500, sequence from i % 500 (parity = sex)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=(i // 500) % 29000)
    first17 = f"{COUNTY}{birth:%Y%m%d}{(i % 500) * 2 + (i % 2):03d}"
    return first17 + _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(rows):
            v = i % VILLAGES
            hh = i // 3
            w.writerow([
                rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                national_id(i),
                f"13{rnd.randrange(10**9):09d}",
                f"第{v + 1}村{hh % 200 + 1}组{hh}号",
                f"{COUNTY}001{v + 1:03d}",
                f"BENCH{v % INSTITUTIONS + 1:02d}",
                f"BH{hh:07d}",
                "户主" if i % 3 == 0 else rnd.choice(["配偶", "子女", "父母"]),
                rnd.choice(["常住", "常住", "户籍", "流动"]),
                rnd.choice(["城乡居民医保", "城镇职工医保"]),
            ])  # fmt: skip


SEED = f"""
from jiayi.registry.models import Region, Institution, RegionLevel, InstitutionKind, InstitutionLevel
c = Region.objects.create(code="{COUNTY}000000", name="基准区", level=RegionLevel.COUNTY)
t = Region.objects.create(code="{COUNTY}001000", name="基准街道", level=RegionLevel.TOWNSHIP, parent=c)
for v in range(1, {VILLAGES} + 1):
    Region.objects.create(code=f"{COUNTY}001{{v:03d}}", name=f"第{{v}}村", level=RegionLevel.VILLAGE, parent=t)
for n in range(1, {INSTITUTIONS} + 1):
    Institution.objects.create(code=f"BENCH{{n:02d}}", name=f"基准卫生院{{n}}", kind=InstitutionKind.THC,
                               level=InstitutionLevel.PRIMARY, region=t)
"""

# Runs a command and reports its wall time and the peak RSS of that command alone.
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.monotonic()\n"
    "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "print(json.dumps({'rc': rc, 'seconds': time.monotonic() - t,"
    " 'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n"
)


def measure(cmd: list[str], env: dict) -> dict:
    out = subprocess.run([PY, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(env: dict) -> None:
    subprocess.run([*MANAGE, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*MANAGE, "shell", "-c", SEED], env=env, check=True)


def sqlite_env(tmp: Path, name: str) -> dict:
    env = dict(
        os.environ, JIAYI_SQLITE_PATH=str(tmp / f"{name}.sqlite3"), JIAYI_MEDIA_ROOT=str(tmp / "media")
    )
    env.pop("DATABASE_URL", None)
    return env


def pg_env(tmp: Path, server: str, name: str) -> dict:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return dict(os.environ, DATABASE_URL=f"{server}/{name}", JIAYI_MEDIA_ROOT=str(tmp / "media"))


def plain_copy(server: str, name: str, path: Path) -> dict:
    import psycopg

    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with psycopg.connect(f"{server}/{name}") as conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS plain_copy; CREATE UNLOGGED TABLE plain_copy ({cols})")
        conn.commit()
        t = time.monotonic()
        with (
            cur.copy("COPY plain_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.monotonic() - t
        cur.execute("SELECT count(*) FROM plain_copy")
        assert cur.fetchone()[0] == sum(1 for _ in path.open(encoding="utf-8-sig")) - 1
    return {"rc": 0, "seconds": seconds, "rss_mb": None}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=20_000)
    ap.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="jiayi-bench-") as d:
        tmp = Path(d)
        files = {}
        for n in sorted({args.small, args.rows}):
            files[n] = tmp / f"residents_{n}.csv"
            generate(files[n], n)
        for n, path in files.items():
            env = sqlite_env(tmp, f"s{n}")
            prepare(env)
            r = measure([*MANAGE, "import", "residents", str(path)], env)
            results.append(("SQLite", "jiayi import residents (first load)", n, r))
            r = measure([*MANAGE, "import", "residents", str(path)], env)
            results.append(("SQLite", "jiayi import residents (re-import, unchanged)", n, r))
            if args.no_pg:
                continue
            name = f"jiayi_bench_{n}"
            env = pg_env(tmp, args.pg, name)
            prepare(env)
            r = measure([*MANAGE, "import", "residents", str(path)], env)
            results.append(("PostgreSQL", "jiayi import residents (first load)", n, r))
            r = measure([*MANAGE, "import", "residents", str(path)], env)
            results.append(("PostgreSQL", "jiayi import residents (re-import, unchanged)", n, r))
            results.append(
                ("PostgreSQL", "plain COPY into unindexed text table", n, plain_copy(args.pg, name, path))
            )
        size = {n: p.stat().st_size / 1e6 for n, p in files.items()}
    print("\nfiles: " + ", ".join(f"{n:,} rows = {mb:.1f} MB" for n, mb in size.items()))
    print(f"{'database':<11} {'what':<46} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12} rc")
    for db, what, n, r in results:
        rss = f"{r['rss_mb']:.0f}" if r["rss_mb"] else "-"
        print(
            f"{db:<11} {what:<46} {n:>8,} {r['seconds']:>8.1f} {n / r['seconds']:>8,.0f} {rss:>12} {r['rc']}"
        )
    if any(r["rc"] for *_x, r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
