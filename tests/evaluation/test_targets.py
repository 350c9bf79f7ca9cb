"""Task numbers: baseline × target rate, half up to a whole person (the Qianjiang 2024 table)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from jiayi.evaluation.coverage import target_rate, task_number, trajectory

# (institution, resident population, task number) rows of seed 000's annex.
QIANJIANG_2024 = [
    ("城东街道社区卫生服务中心", 106354, 41478),
    ("城南街道社区卫生服务中心", 55093, 21486),
    ("正阳街道社区卫生服务中心", 33045, 12888),  # 12887.55: half up
    ("舟白街道社区卫生服务中心", 47692, 18600),  # 18599.88
    ("冯家街道社区卫生服务中心", 18275, 7127),  # 7127.25
    ("阿蓬江镇卫生院", 14359, 5600),  # 5600.01
    ("白土乡卫生院", 3389, 1322),  # 1321.71
    ("新华乡卫生院", 5035, 1964),  # 1963.65
]


@pytest.mark.parametrize("name,baseline,task", QIANJIANG_2024)
def test_qianjiang_task_numbers(name, baseline, task):
    assert task_number(baseline, Decimal("39")) == task


def test_half_up_not_bankers():
    assert task_number(50, Decimal("45")) == 23  # 22.5 → 23
    assert task_number(10, Decimal("25")) == 3  # 2.5 → 3 (banker's rounding would give 2)
    assert task_number(None, Decimal("39")) is None and task_number(100, None) is None


QJ = SimpleNamespace(
    targets=[
        {"year": 2024, "month": 12, "overall": 39, "key_population": 79},
        {"year": 2035, "month": 12, "overall": 75, "key_population": 85, "satisfaction": 85},
    ],
    target_increase_min=Decimal("3.00"),
    target_increase_max=Decimal("3.00"),
)


def test_trajectory_qianjiang():
    assert target_rate(QJ, 2024) == Decimal("39")
    assert target_rate(QJ, 2025) == Decimal("42.00")
    assert target_rate(QJ, 2035) == Decimal("75")
    assert target_rate(QJ, 2034) == Decimal("69.00")  # 39 + 3 × 10
    assert target_rate(QJ, 2026, "key") == Decimal("85.00")  # 79 + 6, capped by the 2035 goal
    assert target_rate(QJ, 2023) is None  # before the first stated target
    path = trajectory(QJ, 106354, 40000, from_year=2024)
    assert path[0].task == 41478 and path[0].needed == 1478
    assert path[-1].year == 2035 and path[-1].task == task_number(106354, Decimal(75))


def test_trajectory_without_increase_interpolates():
    p = SimpleNamespace(targets=QJ.targets, target_increase_min=None, target_increase_max=None)
    assert target_rate(p, 2035) == Decimal(75)
    assert target_rate(p, 2029) == Decimal("55.36")  # 39 + 36 × 5/11
    assert target_rate(p, 2040) == Decimal(75)
