"""Reserved slots (R-REF-2) and incentives (R-REF-3) read from the policy, for several districts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayi.core.errors import Forbidden, ValidationFailed
from jiayi.policy.models import PolicySetting
from jiayi.referrals import services as s
from jiayi.referrals.incentives import incentives_for
from jiayi.referrals.models import Slot
from jiayi.registry.models import InstitutionKind, InstitutionLevel, RegionLevel
from tests.factories import InstitutionFactory, RegionFactory

from .conftest import World, future_date

pytestmark = pytest.mark.django_db


def publish(world, capacity, *, hospital=None, actor=None, date=None, start=dt.time(8, 0), interval=15):
    return s.slotpool_publish(
        actor=actor or world.desk,
        hospital=hospital or world.hospital,
        department="心血管内科",
        kind="expert",
        date=date or future_date(20),
        start_time=start,
        capacity=capacity,
        interval_minutes=interval,
    )


def own_policy(world, **values):
    PolicySetting.objects.update_or_create(
        region=world.county,
        year=timezone.localdate().year,
        defaults={"allowed_terms": [1], **values},
    )


def test_no_reserve_without_a_policy_share(world):
    p = publish(world, 10)
    assert p.reserved_count == 0 and p.reserve_percent is None and p.public_release_at is None
    assert p.slots.count() == 10 and not p.slots.filter(reserved=True).exists()


@pytest.mark.parametrize("capacity,reserved", [(1, 1), (3, 1), (6, 2), (10, 4), (12, 4), (300, 100)])
def test_pudong_third_rounded_up_and_released_a_week_before(world, capacity, reserved):
    own_policy(world, slot_reserve_percent=Decimal("33.33"), slot_release_lead_days=7)
    day = future_date(20)
    p = publish(world, capacity, date=day, start=dt.time(8, 30))
    assert p.reserved_count == reserved
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))
    assert p.public_release_at == start - dt.timedelta(days=7)
    slots = list(p.slots.order_by("seq"))
    assert [sl.reserved for sl in slots] == [True] * reserved + [False] * (capacity - reserved)
    assert slots[0].starts_at == start
    if capacity > 1:
        assert slots[1].starts_at - slots[0].starts_at == dt.timedelta(minutes=15)
    assert slots[0].held_for_family_doctors


def test_another_policy_half_reserved_no_lead(world):
    own_policy(world, slot_reserve_percent=Decimal("50"), slot_release_lead_days=None)
    p = publish(world, 5)
    assert p.reserved_count == 3 and p.public_release_at is None


def test_pudong_preset_loaded_for_a_pudong_hospital(db):
    call_command("load_policy_presets", preset="pudong_2023", verbosity=0)
    w = World("310115", "浦东新区")
    p = publish(w, 9, interval=0)
    assert p.reserved_count == 3 and p.reserve_percent == Decimal("33.33")
    assert p.public_release_at == timezone.make_aware(
        dt.datetime.combine(future_date(20) - dt.timedelta(days=7), dt.time(8, 0))
    )
    assert Slot.objects.filter(pool=p).values("starts_at").distinct().count() == 1  # beds: one time


def test_reserved_slot_is_released_to_the_public_after_release_time(world):
    own_policy(world, slot_reserve_percent=Decimal("33.33"), slot_release_lead_days=7)
    p = publish(world, 3, date=future_date(3))  # already inside the last week
    slot = p.slots.get(seq=1)
    assert slot.reserved and not slot.held_for_family_doctors


def test_publish_rules(world):
    with pytest.raises(Forbidden):
        publish(world, 5, actor=world.doc)
    with pytest.raises(Forbidden):
        publish(world, 5, actor=world.city_desk)  # not their hospital
    with pytest.raises(ValidationFailed):
        publish(world, 0)
    with pytest.raises(ValidationFailed):
        publish(world, 5, date=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        s.slotpool_publish(
            actor=world.centre_admin,
            hospital=world.centre,
            department="全科",
            kind="expert",
            date=future_date(),
            start_time=dt.time(8),
            capacity=3,
        )


# --- incentives (R-REF-3) ------------------------------------------------------------------------


def _zhoucun(db):
    call_command("load_policy_presets", preset="zhoucun_2017", verbosity=0)
    return World("370306", "周村区")


def test_zhoucun_points_per_levels_and_continuous_deductible(db):
    w = _zhoucun(db)
    r = s.referral_request(
        actor=w.doc, resident=w.signed, to_institution=w.hospital, department="骨科", reason="骨折"
    )
    lines = incentives_for(r)
    assert "住院报销比例提高 5 个百分点（基层 › 二级 转诊）" in lines
    assert "按规定逐级转诊住院，起付线可连续计算" in lines
    assert not any("起付线只" in x or "只计算一次" in x for x in lines)
    r = s.referral_accept(actor=w.desk, referral=r)
    d = s.referral_refer_down(actor=w.desk, referral=r, reason="康复")
    assert "住院报销比例提高 5 个百分点（二级 › 基层 转诊）" in incentives_for(d)


def test_zhoucun_village_to_township_and_secondary_to_tertiary(db):
    w = _zhoucun(db)
    clinic = InstitutionFactory(
        region=w.village, kind=InstitutionKind.VILLAGE_CLINIC, level=InstitutionLevel.VILLAGE, parent=w.centre
    )
    r = s.referral_request(
        actor=w.centre_admin, resident=w.signed, to_institution=w.hospital, department="骨科", reason="x"
    )
    r.from_institution, r.to_institution = clinic, w.centre
    assert incentives_for(r)[0] == "住院报销比例提高 2 个百分点（村级 › 基层 转诊）"
    r.from_institution, r.to_institution = w.hospital, w.city_hospital
    assert incentives_for(r)[0] == "住院报销比例提高 2 个百分点（二级 › 三级 转诊）"


def test_yueyang_discount_and_no_points(db):
    call_command("load_policy_presets", preset="yueyang_2022", verbosity=0)
    city = RegionFactory(code="430600000000")
    yueyanglou = RegionFactory(code="430602000000", name="岳阳楼区", level=RegionLevel.COUNTY, parent=city)
    assert yueyanglou.parent.name == "岳阳市"
    w = World("430602", "岳阳楼区")
    r = s.referral_request(
        actor=w.doc, resident=w.signed, to_institution=w.hospital, department="影像科", reason="复查"
    )
    lines = incentives_for(r)
    assert lines == ["转诊患者的检验、影像检查费用享受不低于 5% 的优惠"]


def test_qianjiang_single_deductible_only_inside_the_alliance(db):
    call_command("load_policy_presets", preset="qianjiang_2024", verbosity=0)
    w = World("500114", "黔江区")
    inside = s.referral_request(
        actor=w.doc, resident=w.signed, to_institution=w.hospital, department="骨科", reason="x"
    )
    outside = s.referral_request(
        actor=w.doc, resident=w.signed, to_institution=w.city_hospital, department="骨科", reason="x"
    )
    assert incentives_for(inside) == ["在黔江区医共体内转诊住院，只计算一次起付线"]
    assert incentives_for(outside) == []


def test_pudong_reserved_slots_line(db):
    call_command("load_policy_presets", preset="pudong_2023", verbosity=0)
    w = World("310115", "浦东新区")
    r = s.referral_request(
        actor=w.doc, resident=w.signed, to_institution=w.hospital, department="心内科", reason="x"
    )
    assert incentives_for(r) == ["优先使用医院为家庭医生预留的号源（预留 33.33%，较社会提前 7 天开放）"]
