# ruff: noqa: F811 - `place` is a fixture imported from test_import_support
"""Households, key-population lists and population baselines imports."""

import datetime as dt

import pytest

from jiayi.registry.models import Household, KeyPopulationRecord, PopulationBaseline, Relation, Resident
from tests.core.test_import_support import (  # noqa: F401 - `place` is a fixture
    bad_check_digit,
    counts,
    csv_bytes,
    nid,
    place,
    rejections,
    run_import,
    xlsx_bytes,
)
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db

HH_HEADER = ["户编号", "户主身份证号", "家庭住址", "村/社区代码", "管理机构编码"]
KP_HEADER = ["身份证号", "人群类别", "来源", "起始日期", "截止日期", "备注"]
BL_HEADER = ["机构编码", "年度", "常住人口数", "65岁及以上老年人", "高血压患者", "2型糖尿病患者"]


def test_households_upsert_and_head(place):
    head = ResidentFactory(national_id=nid(1), institution=place["inst"], region=place["v1"])
    rows = [
        ["HH1", nid(1), "三星社区1号", "500114001001", "THC001"],
        ["HH2", "", "三星社区2号", "500114001002", "THC001"],
        ["HH3", nid(2), "", "500114001001", "THC001"],
        ["HH4", bad_check_digit(nid(3)), "", "500114001001", "THC001"],
        ["HH5", "", "", "500114001001", "THC002"],
        ["HH1", "", "", "500114001001", "THC001"],
    ]
    job = run_import(place["admin"], "households", csv_bytes(HH_HEADER, rows))
    assert counts(job) == (2, 0, 0, 4)
    assert rejections(job) == [
        (4, "户主身份证号", "户主尚未登记为居民，请先导入居民"),
        (5, "户主身份证号", "身份证号码校验位错误"),
        (6, "管理机构编码", "机构不在您的管辖范围内：THC002"),
        (7, "户编号", "与第2行的户编号重复"),
    ]
    hh = Household.objects.get(code="HH1")
    head.refresh_from_db()
    assert hh.head == head and head.household == hh and head.relation == Relation.HEAD
    assert Household.objects.get(code="HH2").region.code == "500114001002"
    again = run_import(place["admin"], "households", csv_bytes(HH_HEADER, rows[:2]))
    assert counts(again) == (0, 0, 2, 0)
    moved = run_import(
        place["admin"], "households", csv_bytes(HH_HEADER, [["HH2", "", "新址", "500114001002", "THC001"]])
    )
    assert counts(moved) == (0, 1, 0, 0)
    assert Household.objects.get(code="HH2").address == "新址"


def test_household_of_another_institution_is_refused(place):
    HouseholdFactory(code="HHZ", institution=place["other"], region=place["v1"])
    job = run_import(
        place["admin"], "households", csv_bytes(HH_HEADER, [["HHZ", "", "", "500114001001", "THC001"]])
    )
    assert rejections(job) == [(2, "户编号", "户编号已被其他机构使用：HHZ")]


def test_key_population_list(place):
    r1 = ResidentFactory(national_id=nid(1), institution=place["inst"], region=place["v1"])
    ResidentFactory(national_id=nid(2), institution=place["other"], region=place["v1"])
    rows = [
        [nid(1), "高血压患者", "基本公共卫生系统", "2024-01-01", "", "首诊"],
        [nid(1), "2型糖尿病患者", "", "2024/3/5", "20251231", ""],
        [nid(1), "65岁及以上老年人", "", "", "", ""],
        [nid(1), "孕产妇", "", "2024-13-01", "", ""],
        [nid(1), "残疾人", "", "2024-05-01", "2024-01-01", ""],
        [nid(3), "残疾人", "", "", "", ""],
        [nid(2), "残疾人", "", "", "", ""],
        [nid(1), "高血压患者", "", "2024-01-01", "", ""],
    ]
    job = run_import(place["admin"], "key_populations", csv_bytes(KP_HEADER, rows))
    assert counts(job) == (2, 0, 0, 6)
    assert rejections(job) == [
        (4, "人群类别", "“65岁及以上老年人”不能导入"),
        (5, "起始日期", "日期格式不正确：2024-13-01（应为 2024-01-31）"),
        (6, "截止日期", "截止日期早于起始日期"),
        (7, "身份证号", "该身份证号的居民尚未登记，请先导入居民"),
        (8, "身份证号", "该居民由其他机构管理，无权修改"),
        (9, "身份证号", "与第2行的记录重复"),
    ]
    diabetes = KeyPopulationRecord.objects.get(resident=r1, kind="diabetes")
    assert (diabetes.valid_from, diabetes.valid_to, diabetes.source) == (
        dt.date(2024, 3, 5),
        dt.date(2025, 12, 31),
        "import",
    )
    assert diabetes.county_code == "500114"
    again = run_import(place["admin"], "key_populations", csv_bytes(KP_HEADER, rows[:2]))
    assert counts(again) == (0, 0, 2, 0)
    rows[0][5] = "复诊"
    changed = run_import(place["admin"], "key_populations", csv_bytes(KP_HEADER, rows[:2]))
    assert counts(changed) == (0, 1, 1, 0)
    assert KeyPopulationRecord.objects.get(resident=r1, kind="hypertension").note == "复诊"


def test_key_population_without_start_date_is_not_duplicated(place):
    ResidentFactory(national_id=nid(1), institution=place["inst"], region=place["v1"])
    data = csv_bytes(KP_HEADER, [[nid(1), "残疾人", "残联", "", "", ""]])
    run_import(place["root"], "key_populations", data)
    job = run_import(place["root"], "key_populations", data)
    assert counts(job) == (0, 0, 1, 0)
    assert KeyPopulationRecord.objects.count() == 1


def test_baselines_stored_long(place):
    rows = [
        ["THC001", 2024, 52000, 8100, 6200, ""],
        ["THC002", "2024", "", "", "", ""],
        ["THC001", "1999", "100", "", "", ""],
        ["NOPE", "2024", "100", "", "", ""],
        ["THC001", "2025", "-5", "12.5", "", ""],
    ]
    job = run_import(place["commission"], "baselines", xlsx_bytes(BL_HEADER, rows), name="基数.xlsx")
    assert counts(job) == (1, 0, 0, 4)
    assert rejections(job) == [
        (3, "常住人口数", "不能为空"),
        (4, "年度", "应在2000到2100之间：1999"),
        (5, "机构编码", "机构编码不存在：NOPE"),
        (6, "常住人口数", "应不小于0：-5"),
        (6, "65岁及以上老年人", "应为整数：12.5"),
    ]
    stored = dict(
        PopulationBaseline.objects.filter(institution=place["inst"], year=2024).values_list(
            "population", "count"
        )
    )
    assert stored == {"all": 52000, "elderly": 8100, "hypertension": 6200}
    again = run_import(place["commission"], "baselines", xlsx_bytes(BL_HEADER, rows[:1]), name="基数.xlsx")
    assert counts(again) == (0, 0, 1, 0)
    more = run_import(
        place["commission"], "baselines", csv_bytes(BL_HEADER, [["THC001", 2024, 52000, 8200, 6200, 900]])
    )
    assert counts(more) == (1, 0, 0, 0)  # a new population for the row counts the row as created
    upd = run_import(
        place["commission"], "baselines", csv_bytes(BL_HEADER, [["THC001", 2024, 53000, 8200, 6200, 900]])
    )
    assert counts(upd) == (0, 1, 0, 0)
    assert (
        PopulationBaseline.objects.get(institution=place["inst"], year=2024, population="all").count == 53000
    )


def test_baselines_scope(place):
    rows = [["THC900", 2024, 100, "", "", ""], ["THC001", 2024, 100, "", "", ""]]
    job = run_import(place["commission"], "baselines", csv_bytes(BL_HEADER, rows))
    assert rejections(job) == [(2, "机构编码", "机构不在您的管辖范围内：THC900")]
    job = run_import(place["admin"], "baselines", csv_bytes(BL_HEADER, [["THC002", 2024, 1, "", "", ""]]))
    assert rejections(job) == [(2, "机构编码", "机构不在您的管辖范围内：THC002")]
    assert Resident.objects.count() == 0
