import datetime as dt

import pytest

from jiayi.care import queries as q
from jiayi.care import services as cs
from jiayi.care.entitlements import contract_year, entitlement
from jiayi.care.errors import EntitlementExceeded, InvalidMeasurement
from jiayi.care.models import ContactPlan
from jiayi.catalog.models import PackageItem, ServiceItem
from jiayi.contracts import services as s
from jiayi.core.errors import ValidationFailed
from tests.contracts.conftest import World, sign_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    w = World()
    w.follow_up = ServiceItem.objects.create(code="FOLLOW_UP", name="随访", category="health_management")
    w.ecg = ServiceItem.objects.create(code="ECG", name="普通心电图检查", category="imaging")
    w.blood = ServiceItem.objects.create(code="BLOOD_TYPE", name="血型鉴定", category="lab")
    PackageItem.objects.create(package=w.basic, item=w.follow_up, quantity=4)
    PackageItem.objects.create(package=w.basic, item=w.ecg, quantity=1)
    PackageItem.objects.create(package=w.basic, item=w.blood, quantity=1, first_contract_only=True)
    return w


def _sign(world, resident=None, start=None):
    return s.contract_sign(**sign_kwargs(world, resident=resident or world.single, start=start)).contracts[0]


def _record(world, item, on, resident=None, **kw):
    return cs.service_record_create(
        actor=world.user,
        resident=resident or world.single,
        item=item,
        performed_on=on,
        channel="face_to_face",
        practitioner=world.doctor,
        **kw,
    )


def test_entitlement_accounting(world):
    c = _sign(world, start=world.today - dt.timedelta(days=20))
    for d in (15, 10):
        _record(world, world.follow_up, world.today - dt.timedelta(days=d))
    _record(world, world.ecg, world.today - dt.timedelta(days=5))
    ent = entitlement(c, world.today)
    by_item = {line.item_name: (line.promised, line.delivered, line.remaining) for line in ent.lines}
    assert by_item["随访"] == (4, 2, 2)
    assert by_item["普通心电图检查"] == (1, 1, 0)
    assert by_item["血型鉴定"] == (1, 0, 1)  # first contract: blood typing promised
    assert ent.promised == 6 and ent.delivered_within == 3
    assert str(ent.rate) == "50.00"


def test_first_contract_only_items_not_promised_on_renewal(world):
    c = _sign(world)
    world.policy(renewal_reminder_days=400)
    new = s.contract_renew(actor=world.user, contract=c)
    names = [line.item_name for line in entitlement(new, new.start).lines]
    assert "血型鉴定" not in names and "随访" in names


def test_overuse_warn_or_refuse_per_policy(world):
    _sign(world, start=world.today - dt.timedelta(days=10))
    _record(world, world.ecg, world.today - dt.timedelta(days=3))
    world.policy(overuse_mode="warn")
    result = _record(world, world.ecg, world.today)
    assert result.record.beyond_entitlement and "已提供 1 次" in result.warnings[0]
    world.policy(overuse_mode="refuse")
    with pytest.raises(EntitlementExceeded):
        _record(world, world.ecg, world.today)


def test_service_without_contract_counts_for_none(world):
    result = _record(world, world.follow_up, world.today)
    assert result.record.contract is None
    assert "不计入" in result.warnings[0]


def test_measurements_validated(world):
    _sign(world)
    r = _record(
        world, world.follow_up, world.today, measurements={"sbp": "148", "dbp": 92, "weight": "63.5"}
    ).record
    assert {m.kind: str(m.value) for m in r.measurements.all()} == {
        "sbp": "148.00",
        "dbp": "92.00",
        "weight": "63.50",
    }
    for bad in (
        {"sbp": 400, "dbp": 90},
        {"sbp": 120},
        {"sbp": 80, "dbp": 90},
        {"glucose": 5},
        {"weight": "abc"},
    ):
        with pytest.raises(InvalidMeasurement):
            _record(world, world.follow_up, world.today, measurements=bad)


def test_future_date_refused_and_void_stops_counting(world):
    c = _sign(world)
    with pytest.raises(ValidationFailed):
        _record(world, world.ecg, world.today + dt.timedelta(days=1))
    r = _record(world, world.ecg, world.today).record
    assert entitlement(c).line_for(world.ecg.pk).delivered == 1
    cs.service_record_void(actor=world.user, record=r, reason="录入错误")
    assert entitlement(c).line_for(world.ecg.pk).delivered == 0
    with pytest.raises(ValidationFailed):
        cs.service_record_void(actor=world.user, record=r, reason="again")


def test_contract_years(world):
    c = _sign(world)
    c.start, c.end = dt.date(2024, 3, 1), dt.date(2027, 2, 28)
    assert contract_year(c, dt.date(2024, 3, 1)) == (dt.date(2024, 3, 1), dt.date(2025, 2, 28))
    assert contract_year(c, dt.date(2025, 3, 1)) == (dt.date(2025, 3, 1), dt.date(2026, 2, 28))
    assert contract_year(c, dt.date(2027, 2, 28)) == (dt.date(2026, 3, 1), dt.date(2027, 2, 28))


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            {
                "contact_days_red": 30,
                "contact_days_yellow": 60,
                "contact_days_green": 90,
                "contact_days_default": 90,
            },
            {"red": 30, "yellow": 60, "green": 90, "": 90},
        ),
        (
            {
                "contact_days_red": 14,
                "contact_days_yellow": 30,
                "contact_days_green": 60,
                "contact_days_default": 120,
            },
            {"red": 14, "yellow": 30, "green": 60, "": 120},
        ),
    ],
)
def test_due_dates_per_colour_under_two_policies(world, policy, expected):
    world.policy(**policy)
    residents = {"red": world.grandpa, "yellow": world.son, "green": world.boy, "": world.single}
    for colour, r in residents.items():
        _sign(world, resident=r)
        if colour:
            cs.risk_assess(
                actor=world.user,
                resident=r,
                condition="hypertension",
                colour=colour,
                reason="血压控制情况",
                practitioner=world.doctor,
            )
    for colour, r in residents.items():
        plan = ContactPlan.objects.get(resident=r)
        assert plan.interval_days == expected[colour]
        assert plan.next_due_on == world.today + dt.timedelta(days=expected[colour])
    # a contact moves the due date; the worst colour across conditions counts
    _record(world, world.follow_up, world.today, resident=world.single)
    cs.risk_assess(
        actor=world.user,
        resident=world.boy,
        condition="diabetes",
        colour="red",
        reason="血糖控制差",
        practitioner=world.doctor,
    )
    assert ContactPlan.objects.get(resident=world.boy).interval_days == expected["red"]


def test_plan_follows_contract_lifecycle(world):
    c = _sign(world)
    assert ContactPlan.objects.filter(resident=world.single, team=world.team).exists()
    s.contract_reassign_doctor(actor=world.user, contract=c, doctor=world.doctor2)
    assert ContactPlan.objects.get(resident=world.single).doctor == world.doctor2
    s.contract_terminate(
        actor=world.user, contract=c, reason="moved", confirmed_by_team=True, confirmed_by_resident=True
    )
    assert not ContactPlan.objects.filter(resident=world.single).exists()


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 1, 30), dt.date(2026, 12, 29), dt.date(2027, 2, 27), dt.date(2028, 2, 28)],
)
def test_worklists_across_month_and_year_ends(world, today):
    _sign(world)
    plan = ContactPlan.objects.get(resident=world.single)

    def place(due, last=None):
        ContactPlan.objects.filter(pk=plan.pk).update(next_due_on=due, last_contact_on=last)

    sunday = q.week_end(today)
    assert sunday.weekday() == 6 and 0 <= (sunday - today).days <= 6
    place(today - dt.timedelta(days=1))
    assert q.worklist_counts(world.user, team_id=world.team.pk, today=today) == {
        "overdue": 1,
        "due_week": 0,
        "never": 1,
    }
    place(sunday, last=today - dt.timedelta(days=80))
    assert q.worklist_counts(world.user, team_id=world.team.pk, today=today) == {
        "overdue": 0,
        "due_week": 1,
        "never": 0,
    }
    place(sunday + dt.timedelta(days=1), last=today)
    assert q.worklist_counts(world.user, team_id=world.team.pk, today=today) == {
        "overdue": 0,
        "due_week": 0,
        "never": 0,
    }


def test_worklist_order_and_scope(world):
    from tests.factories import InstitutionFactory, TeamFactory, UserFactory

    for r in (world.single, world.son):
        _sign(world, resident=r)
    cs.risk_assess(
        actor=world.user,
        resident=world.son,
        condition="hypertension",
        colour="red",
        reason="3级高血压",
        practitioner=world.doctor,
    )
    ContactPlan.objects.update(next_due_on=world.today - dt.timedelta(days=2))
    rows = list(q.worklist(world.user, q.OVERDUE, team_id=world.team.pk))
    assert [p.resident for p in rows] == [world.son, world.single]  # red first
    other = TeamFactory(institution=InstitutionFactory(region=world.township))
    stranger = UserFactory(username="s2", role="doctor", team=other, institution=other.institution)
    assert not q.worklist(stranger, q.OVERDUE).exists()


def test_health_assessment(world):
    ServiceItem.objects.create(code="ANNUAL_ASSESSMENT", name="年度健康评估", category="health_management")
    _sign(world)
    a = cs.health_assessment_create(
        actor=world.user,
        resident=world.single,
        practitioner=world.doctor,
        findings="血压偏高",
        plan="低盐饮食，每月随访",
        measurements={"sbp": 145, "dbp": 90},
    )
    assert a.record.item.code == "ANNUAL_ASSESSMENT"
    assert a.next_assessment_on == a.assessed_on.replace(year=a.assessed_on.year + 1)
    with pytest.raises(ValidationFailed):
        cs.health_assessment_create(
            actor=world.user, resident=world.single, practitioner=world.doctor, findings="", plan=""
        )
