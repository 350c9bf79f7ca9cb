# ruff: noqa: F811 - `place` is a fixture imported from test_import_support
"""Residents import (R-INT-2): rows land whole or are reported; re-imports change nothing."""

import pytest
from django.db import connection

from jiayi.core.models import AuditEvent, ImportStatus
from jiayi.registry.importers import ResidentImporter
from jiayi.registry.models import Household, Relation, Resident
from tests.core.test_import_support import (  # noqa: F401 - `place` is a fixture
    RES_HEADER,
    bad_check_digit,
    counts,
    csv_bytes,
    nid,
    place,
    rejections,
    resident_row,
    run_import,
    xlsx_bytes,
)
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_good_rows_land_with_encrypted_ids_and_households(place):
    rows = [
        resident_row(1, 户编号="HH1", 与户主关系="户主"),
        resident_row(2, 户编号="HH1", 与户主关系="配偶", 居住状态="户籍", 医保类型="城镇职工医保"),
        resident_row(3),
    ]
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows))
    assert job.status == ImportStatus.DONE
    assert counts(job) == (3, 0, 0, 0)
    assert (job.total, job.processed) == (3, 3)
    r1 = Resident.objects.with_national_id(nid(1)).get()
    assert r1.national_id == nid(1) and r1.id_cipher != nid(1)
    assert r1.id_masked == nid(1)[:4] + "*" * 10 + nid(1)[-4:]
    assert r1.phone == "13900000001" and r1.phone_masked == "139****0001"
    assert (r1.region_code, r1.county_code, r1.institution.code) == ("500114001001", "500114", "THC001")
    hh = Household.objects.get(code="HH1")
    assert hh.head_id == r1.pk and hh.institution.code == "THC001" and hh.region.code == "500114001001"
    r2 = Resident.objects.with_national_id(nid(2)).get()
    assert (r2.household_id, r2.relation, r2.residence_status, r2.insurance_type) == (
        hh.pk,
        Relation.SPOUSE,
        "registered",
        "employee",
    )
    assert Resident.objects.with_national_id(nid(3)).get().household_id is None
    assert not job.file  # the file with IDs in clear is not kept


def test_bad_rows_are_reported_with_row_column_and_reason(place):
    good = resident_row(1)
    rows = [
        good,
        resident_row(2, 身份证号=bad_check_digit(nid(2))),
        resident_row(3, **{"村/社区代码": "500114001999"}),
        resident_row(4, 管理机构编码="NOPE"),
        resident_row(5, 居住状态="暂住"),
        resident_row(6, 姓名="", 联系电话="12345"),
        resident_row(7, 身份证号="5001141960"),
        resident_row(1, 姓名="重复的人"),
        resident_row(9, **{"村/社区代码": "500114001000"}),  # a township code, not a village
    ]
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows))
    assert counts(job) == (1, 0, 0, 8)
    assert rejections(job) == [
        (3, "身份证号", "身份证号码校验位错误"),
        (4, "村/社区代码", "村/社区代码不存在（应为12位村级统计用区划代码）：500114001999"),
        (5, "管理机构编码", "机构编码不存在：NOPE"),
        (6, "居住状态", "“暂住”不是可选值，可选：常住、户籍、流动"),
        (7, "姓名", "不能为空"),
        (7, "联系电话", "电话号码格式不正确：12345"),
        (8, "身份证号", "身份证号码应为18位，实际为10位"),
        (9, "身份证号", "与第2行的身份证号重复"),
        (10, "村/社区代码", "村/社区代码不存在（应为12位村级统计用区划代码）：500114001000"),
    ]
    assert Resident.objects.count() == 1


def test_second_identical_import_changes_nothing(place):
    rows = [
        resident_row(n, 户编号=f"HH{n % 3}", 与户主关系="户主" if n < 3 else "子女") for n in range(1, 11)
    ]
    data = csv_bytes(RES_HEADER, rows)
    first = run_import(place["root"], "residents", data)
    assert counts(first) == (10, 0, 0, 0)
    stamps = dict(Resident.objects.values_list("pk", "updated_at"))
    hh_stamps = dict(Household.objects.values_list("pk", "updated_at"))
    ciphers = dict(Resident.objects.values_list("pk", "phone_cipher"))
    audits = AuditEvent.objects.count()
    second = run_import(place["root"], "residents", data)
    assert counts(second) == (0, 0, 10, 0)
    assert dict(Resident.objects.values_list("pk", "updated_at")) == stamps
    assert dict(Household.objects.values_list("pk", "updated_at")) == hh_stamps
    assert dict(Resident.objects.values_list("pk", "phone_cipher")) == ciphers
    assert Household.objects.count() == 3
    # One audit event per job, none per row.
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "import" and event.object_id == str(second.pk)
    assert event.after["unchanged"] == 10 and event.after["file_name"] == "data.csv"


def test_fixed_file_lands_the_rejected_rows_only(place):
    rows = [resident_row(n) for n in range(1, 6)]
    rows[1] = resident_row(2, 身份证号=bad_check_digit(nid(2)))
    rows[3] = resident_row(4, 管理机构编码="THC0O1")
    first = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows))
    assert counts(first) == (3, 0, 0, 2)
    fixed = [resident_row(n) for n in range(1, 6)]
    second = run_import(place["root"], "residents", csv_bytes(RES_HEADER, fixed))
    assert counts(second) == (2, 0, 3, 0)
    assert Resident.objects.count() == 5


def test_changed_rows_count_as_updated(place):
    run_import(place["root"], "residents", csv_bytes(RES_HEADER, [resident_row(1), resident_row(2)]))
    before = Resident.objects.with_national_id(nid(2)).get()
    rows = [resident_row(1, 现住址="新地址"), resident_row(2)]
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows))
    assert counts(job) == (0, 1, 1, 0)
    assert Resident.objects.with_national_id(nid(1)).get().address == "新地址"
    assert Resident.objects.with_national_id(nid(2)).get().updated_at == before.updated_at


def test_blank_household_keeps_the_stored_one(place):
    run_import(
        place["root"], "residents", csv_bytes(RES_HEADER, [resident_row(1, 户编号="HH9", 与户主关系="户主")])
    )
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, [resident_row(1)]))
    assert counts(job) == (0, 0, 1, 0)
    r = Resident.objects.get()
    assert r.household.code == "HH9" and r.relation == Relation.HEAD


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-8"])
def test_csv_encodings(place, encoding):
    rows = [resident_row(1, 姓名="张三丰", 现住址="黔江区城东街道")]
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows, encoding))
    assert counts(job) == (1, 0, 0, 0)
    r = Resident.objects.get()
    assert (r.name, r.address) == ("张三丰", "黔江区城东街道")


def test_xlsx_with_numeric_cells(place):
    row = resident_row(1)
    row[2] = 13900000001  # Excel keeps phone numbers as numbers
    row[4] = 500114001001.0
    job = run_import(place["root"], "residents", xlsx_bytes(RES_HEADER, [row, [None] * 10]), name="居民.xlsx")
    assert counts(job) == (1, 0, 0, 0)
    assert Resident.objects.get().phone == "13900000001"


def test_missing_required_column_fails_the_job(place):
    header = [h for h in RES_HEADER if h != "管理机构编码"]
    job = run_import(place["root"], "residents", csv_bytes(header, [resident_row(1)[:5]]))
    assert job.status == ImportStatus.FAILED
    assert "缺少必需的列：管理机构编码" in job.error
    assert AuditEvent.objects.filter(action="import", object_id=str(job.pk)).count() == 1


def test_institution_admin_imports_only_into_their_scope(place):
    ResidentFactory(national_id=nid(50), institution=place["other"], region=place["v1"])
    rows = [
        resident_row(1),
        resident_row(2, 管理机构编码="THC001-1"),  # a station under the admin's centre
        resident_row(3, 管理机构编码="THC002"),
        resident_row(50),  # registered at another institution
    ]
    job = run_import(place["admin"], "residents", csv_bytes(RES_HEADER, rows))
    assert counts(job) == (2, 0, 0, 2)
    assert rejections(job) == [
        (4, "管理机构编码", "机构不在您的管辖范围内：THC002"),
        (5, "身份证号", "该居民由其他机构管理，无权修改"),
    ]
    other = Resident.objects.with_national_id(nid(50)).get()
    assert other.institution == place["other"]


def test_existing_household_of_another_institution_is_refused(place):
    run_import(
        place["root"],
        "residents",
        csv_bytes(RES_HEADER, [resident_row(1, 户编号="HHX", 管理机构编码="THC002")]),
    )
    job = run_import(place["admin"], "residents", csv_bytes(RES_HEADER, [resident_row(2, 户编号="HHX")]))
    assert rejections(job) == [(2, "户编号", "户编号已被其他机构使用：HHX")]


def test_batches_give_the_same_result(place):
    rows = [
        resident_row(n, 户编号=f"HH{n % 4}", 与户主关系="户主" if n % 7 == 0 else "子女")
        for n in range(1, 30)
    ]
    rows[5] = resident_row(6, 身份证号="X")
    job = run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows), batch_size=4)
    assert counts(job) == (28, 0, 0, 1)
    assert rejections(job) == [(7, "身份证号", "身份证号码应为18位，实际为1位")]
    assert Household.objects.count() == 4


def _state():
    """Everything an import decides, without timestamps and ciphertexts (random per encryption)."""
    residents = sorted(
        Resident.objects.values_list(
            "id_index", "id_masked", "name", "birth_date", "sex", "phone_index", "phone_masked", "address",
            "region__code", "institution__code", "household__code", "relation", "residence_status",
            "insurance_type", "region_code", "county_code", "is_active",
        )
    )  # fmt: skip
    decrypted = sorted((r.national_id, r.phone) for r in Resident.objects.all())
    households = sorted(
        Household.objects.values_list("code", "address", "region__code", "institution__code", "head__id_index",
                                      "region_code", "county_code")
    )  # fmt: skip
    return residents, decrypted, households


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL")
def test_copy_path_and_orm_path_give_identical_rows(place, monkeypatch):
    ResidentFactory(national_id=nid(40), institution=place["other"], region=place["v1"], name="旧名字")
    base = [
        resident_row(n, 户编号=f"HH{n % 5}", 与户主关系="户主" if n % 5 == n else "子女")
        for n in range(1, 40)
    ]
    base += [resident_row(40, 管理机构编码="THC002"), resident_row(41, 身份证号="bad"), resident_row(3)]
    base += [resident_row(42, **{"村/社区代码": "500114009999"})]
    changed = [resident_row(n, 现住址="搬家了" if n % 4 == 0 else f"三星社区{n}号") for n in range(1, 45)]
    results = {}
    for use_copy in (False, True):
        monkeypatch.setattr(ResidentImporter, "__init__", _forcing(use_copy))
        sid = connection.savepoint()
        jobs = [run_import(place["root"], "residents", csv_bytes(RES_HEADER, rows), batch_size=7)
                for rows in (base, base, changed)]  # fmt: skip
        results[use_copy] = ([counts(j) for j in jobs], [rejections(j) for j in jobs], _state())
        connection.savepoint_rollback(sid)
    assert results[True] == results[False]
    assert results[True][0][1][:2] == (0, 0)  # the second identical import changed nothing


def _forcing(use_copy):
    original = ResidentImporter.__mro__[1].__init__

    def init(self, actor, **kwargs):
        original(self, actor)
        self.use_copy = use_copy

    return init
