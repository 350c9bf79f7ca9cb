"""Builders shared by the import tests: a small county, users, files in every encoding, a runner."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.base import ContentFile
from openpyxl import Workbook

from jiayi.core import nationalid
from jiayi.core.importing.services import import_job_create, import_job_run
from jiayi.core.models import Role
from tests.factories import InstitutionFactory, UserFactory, county, township, village

RES_HEADER = [
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


def nid(n: int, birth=dt.date(1960, 5, 17), sex="M", region6="500114") -> str:
    """A distinct valid ID per n (the sequence's parity carries the sex, so n steps by two)."""
    seq = (2 * n) % 1000 + (1 if sex == "M" else 0)
    return nationalid.make(region6, birth + dt.timedelta(days=n // 500), seq, sex)


def bad_check_digit(value: str) -> str:
    last = "0" if value[-1] != "0" else "1"
    return value[:-1] + last


@pytest.fixture
def place(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    c = county("500114", "黔江区")
    t = township(c, 1)
    v1 = village(t, 1)
    v2 = village(t, 2)
    other_c = county("500115", "长寿区")
    other_v = village(township(other_c, 1), 1)
    inst = InstitutionFactory(code="THC001", region=t, name="城东卫生院")
    station = InstitutionFactory(code="THC001-1", region=v1, name="三星村卫生室", parent=inst)
    other = InstitutionFactory(code="THC002", region=t, name="城西卫生院")
    far = InstitutionFactory(code="THC900", region=other_v, name="长寿卫生院")
    return {
        "county": c,
        "township": t,
        "v1": v1,
        "v2": v2,
        "other_village": other_v,
        "inst": inst,
        "station": station,
        "other": other,
        "far": far,
        "root": UserFactory(username="root", role=Role.SYSADMIN),
        "admin": UserFactory(username="inst_admin", role=Role.INSTITUTION_ADMIN, institution=inst),
        "other_admin": UserFactory(username="other_admin", role=Role.INSTITUTION_ADMIN, institution=other),
        "commission": UserFactory(username="commission", role=Role.COMMISSION, region=c),
        "doctor": UserFactory(username="doctor", role=Role.DOCTOR),
    }


def resident_row(n: int, **over) -> list[str]:
    row = {
        "姓名": f"居民{n}",
        "身份证号": nid(n),
        "联系电话": f"139{n:08d}",
        "现住址": f"三星社区{n}号",
        "村/社区代码": "500114001001",
        "管理机构编码": "THC001",
        "户编号": "",
        "与户主关系": "",
        "居住状态": "常住",
        "医保类型": "城乡居民医保",
    }
    row.update(over)
    return [row[h] for h in RES_HEADER]


def csv_bytes(header: list[str], rows: list[list], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run_import(actor, kind: str, content: bytes, name: str = "data.csv", batch_size: int = 2000):
    job = import_job_create(actor=actor, kind=kind, file=ContentFile(content), file_name=name)
    return import_job_run(job_id=job.pk, batch_size=batch_size)


def counts(job) -> tuple:
    return (job.created, job.updated, job.unchanged, job.rejected)


def rejections(job) -> list[tuple]:
    return [(r.row, r.column, r.reason) for r in job.rejections.order_by("row", "id")]
