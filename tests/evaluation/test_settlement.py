"""Settlement arithmetic to the fen, and the settlement service end to end."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from jiayi.contracts.models import Contract
from jiayi.core.errors import Forbidden
from jiayi.evaluation import services
from jiayi.evaluation import settlement as m
from jiayi.evaluation.errors import InvalidPeriod
from jiayi.evaluation.models import SettlementLine

D = dt.date


def test_round_fraction_half_up():
    assert m.round_fraction(Fraction(1, 200)) == Decimal("0.01")  # 0.005 → 0.01
    assert m.round_fraction(Fraction(1, 201)) == Decimal("0.00")
    assert m.round_fraction(Fraction(12345, 1000)) == Decimal("12.35")  # 12.345, not banker's 12.34


def test_team_fees_prorated_and_parts_add_up():
    rows = [
        # whole 2024 in a leap year: exactly the yearly fee
        (
            1,
            10,
            D(2024, 1, 1),
            D(2024, 12, 31),
            None,
            1,
            Decimal("40.00"),
            Decimal("30.00"),
            Decimal("10.00"),
        ),
        # signed 1 July 2024 for a year: 184 of 365 days fall in 2024
        (1, 11, D(2024, 7, 1), D(2025, 6, 30), None, 1, Decimal("40.00"), Decimal("30.00"), Decimal("10.00")),
        # terminated on 1 March 2024: in force 60 days of 366
        (
            1,
            12,
            D(2024, 1, 1),
            D(2024, 12, 31),
            D(2024, 3, 1),
            1,
            Decimal("0"),
            Decimal("120.00"),
            Decimal("0"),
        ),
        # outside the period: ignored
        (1, 13, D(2025, 1, 1), D(2025, 12, 31), None, 1, Decimal("40.00"), Decimal("0"), Decimal("0")),
    ]
    out = m.team_fees(rows, D(2024, 1, 1), D(2024, 12, 31))[1]
    assert out["contracts"] == 3
    # 40 + 40 × 184/365 = 60.1643… → 60.16
    assert out["fee_public_health"] == Decimal("60.16")
    # 30 + 30 × 184/365 + 120 × 60/366 = 30 + 15.1232… + 19.6721… = 64.7953… → 64.80
    assert out["fee_insurance"] == Decimal("64.80")
    # 10 + 10 × 184/365 = 15.0410… → 15.04
    assert out["fee_resident"] == Decimal("15.04")
    assert out["fee_total"] == Decimal("140.00")


def test_multi_year_contract_yields_the_yearly_fee_per_year():
    rows = [(1, 1, D(2024, 1, 1), D(2026, 12, 31), None, 3, Decimal("100.00"), Decimal("0"), Decimal("0"))]
    # 3 × 100 × 365/1096 = 99.9087… → 99.91 for 2025 (the leap day belongs to 2024)
    assert m.team_fees(rows, D(2025, 1, 1), D(2025, 12, 31))[1]["fee_public_health"] == Decimal("99.91")
    total = sum(
        m.team_fees(rows, D(y, 1, 1), D(y, 12, 31))[1]["fee_public_health"] for y in (2024, 2025, 2026)
    )
    assert total == Decimal("300.00")


def test_money_disbursed_and_pool():
    # 1000.00 × 87.5 % = 875.00; after costs 100.00: 775.00 × 70 % = 542.50
    assert m.money(Decimal("1000.00"), Decimal("87.50"), Decimal("100.00"), Decimal("70"), True) == (
        Decimal("875.00"),
        Decimal("542.50"),
    )
    # 333.33 × 91.17 % = 303.897… → 303.90; not after costs: × 70 % = 212.73
    assert m.money(Decimal("333.33"), Decimal("91.17"), Decimal("50"), Decimal("70"), False) == (
        Decimal("303.90"),
        Decimal("212.73"),
    )
    # costs above the disbursement: the pool is zero, never negative
    assert m.money(Decimal("10.00"), Decimal("100"), Decimal("20"), Decimal("70"), True)[1] == Decimal("0.00")


@pytest.mark.django_db
def test_settlement_run_service(ew):
    ew.policy(signing_window_start="01-01", signing_window_end="12-31", staff_share_min_percent=70,
              staff_share_after_costs=True, renewal_reminder_days=400)  # fmt: skip
    c = ew.sign(ew.grandpa, packages=[ew.basic, ew.elderly], resident_paid=True)
    year = c.start.year
    # Make the term a known calendar year for exact figures.
    Contract.objects.filter(pk=c.pk).update(start=D(year, 1, 1), end=D(year, 12, 31))
    start, end = D(year, 1, 1), D(year, 12, 31)
    services.cost_set(
        actor=ew.finance, team=ew.team, period_start=start, period_end=end, amount=Decimal("20.00")
    )
    run = services.settlement_run(actor=ew.finance, period_start=start, period_end=end)
    line = SettlementLine.objects.get(run=run, team=ew.team)
    assert (line.fee_public_health, line.fee_insurance, line.fee_resident) == (
        Decimal("0.00"), Decimal("60.00"), Decimal("60.00"),
    )  # fmt: skip
    assert line.fee_total == Decimal("120.00") and line.score == Decimal("100")
    assert line.disbursed == Decimal("120.00") and line.costs == Decimal("20.00")
    assert line.pay_pool == Decimal("70.00")  # (120 − 20) × 70 %
    with pytest.raises(InvalidPeriod):
        services.settlement_run(actor=ew.finance, period_start=end, period_end=start)
    with pytest.raises(Forbidden):
        services.settlement_run(actor=ew.user, period_start=start, period_end=end)
    with pytest.raises(InvalidPeriod):
        services.cost_set(
            actor=ew.finance, team=ew.team, period_start=start, period_end=end, amount=Decimal("-1")
        )
