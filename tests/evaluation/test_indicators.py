"""Each indicator on a small hand-built data set with known answers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayi.care.models import ContactPlan, Measurement, ServiceRecord
from jiayi.catalog.models import PackageItem, ServiceItem
from jiayi.contracts.models import Contract, ContractStatus
from jiayi.evaluation.indicators import INDICATORS, Unit, compute
from jiayi.evaluation.models import VisitRecord
from jiayi.registry.models import KeyPopulationRecord, PopulationBaseline

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(ew):
    """grandpa (72, hypertension), son (40, diabetes), boy (4) signed to the team; single not signed."""
    today = timezone.localdate()
    for r, kind in ((ew.grandpa, "hypertension"), (ew.son, "diabetes")):
        KeyPopulationRecord.objects.create(resident=r, kind=kind, source="doctor")
    contracts = {r.name: ew.sign(r) for r in (ew.grandpa, ew.son, ew.boy)}
    PopulationBaseline.objects.create(institution=ew.inst, year=today.year, population="all", count=12)
    item = ServiceItem.objects.create(code="FU", name="随访", category="public_health")
    PackageItem.objects.create(package=ew.basic, item=item, quantity=2)
    ew.unit = Unit("institution", institution_id=ew.inst.pk)
    ew.team_unit = Unit("team", team_id=ew.team.pk)
    ew.start, ew.end = today.replace(month=1, day=1), today
    ew.contracts, ew.item = contracts, item
    return ew


def record(w, resident, day, **values):
    rec = ServiceRecord.objects.create(
        resident=resident, contract=Contract.objects.get(resident=resident, status__in=["active", "pending"]),
        item=w.item, performed_on=day, institution=w.inst, channel="clinic", practitioner=w.doctor, team=w.team,
    )  # fmt: skip
    for kind, v in values.items():
        Measurement.objects.create(record=rec, kind=kind, value=Decimal(str(v)))
    return rec


def test_signed_coverage_key_share(data):
    assert compute("signed", data.unit, data.start, data.end).value == 3
    cov = compute("coverage", data.unit, data.start, data.end)
    assert (cov.numerator, cov.denominator, cov.value) == (3, 12, Decimal("25.00"))
    # all three are key: grandpa (elderly, hypertension), son (diabetes), boy (child)
    assert compute("key_share", data.unit, data.start, data.end).value == Decimal("100.00")
    assert compute("coverage", data.team_unit, data.start, data.end).value is None  # no team population
    region = Unit("region", region_prefix="500114")
    assert compute("signed", region, data.start, data.end).value == 3


def test_fulfilment(data):
    today = data.end
    record(data, data.grandpa, today)
    record(data, data.grandpa, today)
    record(data, data.grandpa, today)  # beyond the 2 promised: counts 2
    record(data, data.son, today)
    r = compute("fulfilment", data.unit, data.start, data.end)
    # promised 2 × 3 contracts = 6; delivered within = 2 + 1
    assert (r.numerator, r.denominator, r.value) == (3, 6, Decimal("50.00"))


def test_bp_and_glucose_control(data):
    today = data.end
    record(data, data.grandpa, today - dt.timedelta(days=10), sbp=150, dbp=95)
    record(data, data.grandpa, today, sbp=132, dbp=85)  # the last reading counts: controlled
    record(data, data.son, today, fasting_glucose="7.0")  # 7.0 is not below 7.0
    bp = compute("bp_control", data.unit, data.start, data.end)
    assert (bp.numerator, bp.denominator, bp.value) == (1, 1, Decimal("100.00"))
    glu = compute("glucose_control", data.unit, data.start, data.end)
    assert (glu.numerator, glu.denominator, glu.value) == (0, 1, Decimal("0.00"))


def test_contact_compliance(data):
    assert ContactPlan.objects.count() == 3
    ContactPlan.objects.filter(resident=data.son).update(next_due_on=data.end - dt.timedelta(days=1))
    r = compute("contact", data.unit, data.start, data.end)
    assert (r.numerator, r.denominator) == (2, 3)


def test_renewal_rate(data):
    old = data.contracts[data.grandpa.name]
    start = data.start
    # One contract ended in the period and was renewed; another ended and lapsed.
    Contract.objects.filter(pk=old.pk).update(
        status=ContractStatus.RENEWED, start=start - dt.timedelta(days=300), end=start + dt.timedelta(days=5)
    )
    lapsed = data.contracts[data.son.name]
    Contract.objects.filter(pk=lapsed.pk).update(
        status=ContractStatus.EXPIRED, start=start - dt.timedelta(days=300), end=start + dt.timedelta(days=6)
    )
    r = compute("renewal", data.unit, start, data.end)
    assert (r.numerator, r.denominator, r.value) == (1, 2, Decimal("50.00"))


def test_primary_care_visit_rate(data):
    for n, level in enumerate(["primary", "primary", "village", "secondary"]):
        VisitRecord.objects.create(
            id_index=data.grandpa.id_index, resident=data.grandpa, institution=data.inst, level=level,
            visited_on=data.end, visit_no=f"V{n}", county_code="500114",
        )  # fmt: skip
    VisitRecord.objects.create(  # an unsigned resident's visit does not count
        id_index=data.single.id_index, resident=data.single, institution=data.inst, level="tertiary",
        visited_on=data.end, visit_no="V9", county_code="500114",
    )  # fmt: skip
    r = compute("primary_visit", data.unit, data.start, data.end)
    assert (r.numerator, r.denominator, r.value) == (3, 4, Decimal("75.00"))


def test_fee_per_signed(data):
    r = compute("fee_per_signed", data.unit, data.start, data.end)
    assert r.value == Decimal("0.00")  # the basic package is free in this world
    assert not INDICATORS["fee_per_signed"].higher_is_better


def test_every_indicator_answers(data):
    for code in INDICATORS:
        compute(code, data.unit, data.start, data.end)
        compute(code, data.team_unit, data.start, data.end)
