import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from jiayi.core.errors import Conflict, Forbidden, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from jiayi.policy.models import PolicySetting
from jiayi.policy.presets import all_presets, load_preset
from jiayi.policy.queries import policy_for
from jiayi.policy.services import SYSTEM, policy_setting_copy, policy_setting_create, policy_setting_update
from jiayi.registry.models import Region, RegionLevel
from tests.factories import UserFactory, county, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="sys", role=Role.SYSADMIN)


def _load_all():
    call_command("load_policy_presets", verbosity=0)


def test_inheritance_own_parent_national_builtin(admin):
    c = county()
    t = township(c)
    eff = policy_for(t, 2024)
    assert eff.is_builtin and eff.capacity_per_doctor == 2000
    national = policy_setting_create(
        actor=admin, region=None, year=2022, values={"capacity_per_doctor": 1800}
    )
    eff = policy_for(t, 2024)
    assert eff.setting == national and eff.source_region is None and eff.inherited and not eff.is_builtin
    own_county = policy_setting_create(actor=admin, region=c, year=2024, values={"capacity_per_doctor": 1500})
    eff = policy_for(t, 2024)
    assert eff.setting == own_county and eff.source_region == c and eff.inherited
    assert eff.capacity_per_doctor == 1500
    own = policy_setting_create(actor=admin, region=t, year=2024, values={"capacity_per_doctor": 1200})
    eff = policy_for(t, 2024)
    assert eff.setting == own and not eff.inherited
    # An earlier year keeps applying until replaced; a later one does not apply backwards.
    assert policy_for(t, 2026).setting == own
    assert policy_for(t, 2023).setting == national


def test_presets_load_idempotent_and_match_seeds():
    _load_all()
    assert PolicySetting.objects.count() == 5
    _load_all()
    assert PolicySetting.objects.count() == 5
    qj = PolicySetting.objects.get(region__code="500114000000", year=2024)
    assert qj.preset == "qianjiang_2024"
    assert (qj.signing_window_start, qj.signing_window_end, qj.signing_window_mode) == (
        "01-01",
        "06-30",
        "warn",
    )
    assert qj.single_deductible_in_alliance and qj.staff_share_after_costs
    assert qj.target_increase_min == Decimal("3.00")
    assert {"year": 2024, "month": 12, "overall": "39", "key_population": "79"} in qj.targets
    pd = PolicySetting.objects.get(region__code="310115000000")
    assert (pd.contact_days_red, pd.contact_days_yellow, pd.contact_days_default) == (30, 60, 90)
    assert pd.multi_year_min_continuous_years == 2 and pd.allowed_terms == [1, 2, 3]
    assert pd.slot_reserve_percent == Decimal("33.33") and pd.slot_release_lead_days == 7
    assert [t["overall"] for t in pd.targets] == ["45", "60", "75"]
    zc = PolicySetting.objects.get(region__code="370306000000")
    assert zc.allowed_terms == [1] and zc.capacity_per_doctor == 2000 and zc.basic_fee == Decimal("0.00")
    assert {"from_level": "village", "to_level": "primary", "points": "2"} in zc.referral_reimbursement
    assert {"from_level": "primary", "to_level": "secondary", "points": "5"} in zc.referral_reimbursement
    assert zc.targets[0]["month"] == 11 and zc.targets[1]["satisfaction"] == "95"
    yy = PolicySetting.objects.get(region__code="430600000000")
    assert (yy.basic_fee, yy.basic_fee_public_health, yy.basic_fee_insurance, yy.basic_fee_resident) == (
        Decimal("40.00"),
        Decimal("20.00"),
        Decimal("12.00"),
        Decimal("8.00"),
    )
    assert yy.referred_lab_imaging_discount_percent == Decimal("5.00")
    nat = PolicySetting.objects.get(region__isnull=True)
    assert nat.year == 2022 and nat.staff_share_min_percent == Decimal("70.00")
    assert (nat.target_increase_min, nat.target_increase_max) == (Decimal("1.00"), Decimal("3.00"))
    # Regions are created with their ancestors.
    assert Region.objects.get(code="370306000000").parent.code == "370300000000"


def test_rules_differ_between_presets():
    _load_all()
    qj = policy_for(Region.objects.get(code="500114000000"), 2024)
    pd = policy_for(Region.objects.get(code="310115000000"), 2024)
    zc = policy_for(Region.objects.get(code="370306000000"), 2017)
    assert qj.signing_window_mode == "warn" and pd.signing_window_mode == "off"
    assert zc.allowed_terms == [1] and pd.allowed_terms == [1, 2, 3]
    yy = policy_for(Region.objects.get(code="430600000000"), 2023)
    assert yy.basic_fee == Decimal("40.00") and qj.basic_fee is None


def test_preset_for_other_region_and_kept_edits(admin):
    presets = all_presets()
    c = county("500101", "万州区")
    setting, outcome = load_preset(presets["qianjiang_2024"], region=c)
    assert outcome == "created" and setting.region == c
    policy_setting_update(actor=admin, setting=setting, changes={"capacity_per_doctor": 1000})
    assert load_preset(presets["qianjiang_2024"], region=c)[1] == "kept"
    setting, outcome = load_preset(presets["qianjiang_2024"], region=c, reset=True)
    assert outcome == "reset" and setting.capacity_per_doctor == 2000


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"signing_window_start": "07-01", "signing_window_end": "06-30"}, "signing_window_end"),
        ({"signing_window_end": "02-30"}, "signing_window_end"),
        ({"allowed_terms": [1, 4]}, "allowed_terms"),
        ({"allowed_terms": []}, "allowed_terms"),
        (
            {
                "basic_fee": Decimal("40"),
                "basic_fee_public_health": Decimal("20"),
                "basic_fee_insurance": Decimal("12"),
                "basic_fee_resident": Decimal("7"),
            },
            "basic_fee",
        ),
        (
            {
                "basic_fee": Decimal("-1"),
                "basic_fee_public_health": Decimal("-1"),
                "basic_fee_insurance": Decimal("0"),
                "basic_fee_resident": Decimal("0"),
            },
            "basic_fee",
        ),
        ({"basic_fee": Decimal("40")}, "basic_fee"),
        ({"contact_days_red": 90, "contact_days_yellow": 60}, "contact_days_yellow"),
        ({"staff_share_min_percent": Decimal("120")}, "staff_share_min_percent"),
        ({"targets": [{"year": 2025, "overall": 150}]}, "targets"),
        (
            {"referral_reimbursement": [{"from_level": "moon", "to_level": "primary", "points": 1}]},
            "referral_reimbursement",
        ),
        ({"long_rx_min_weeks": 13, "long_rx_max_weeks": 12}, "long_rx_max_weeks"),
    ],
)
def test_validation_rejects(admin, values, field):
    with pytest.raises(ValidationFailed) as exc:
        policy_setting_create(actor=admin, region=None, year=2030, values=values)
    assert exc.value.details["field"] == field
    assert not PolicySetting.objects.exists()


def test_permissions_scope_and_duplicates(admin):
    c = county()
    other = county("310115", "浦东新区")
    commission = UserFactory(username="wjw", role=Role.COMMISSION, region=c)
    doctor = UserFactory(username="doc", role=Role.DOCTOR)
    with pytest.raises(Forbidden):
        policy_setting_create(actor=doctor, region=c, year=2024, values={})
    with pytest.raises(Forbidden):
        policy_setting_create(actor=commission, region=other, year=2024, values={})
    with pytest.raises(Forbidden):
        policy_setting_create(actor=commission, region=None, year=2024, values={})
    s = policy_setting_create(actor=commission, region=c, year=2024, values={})
    with pytest.raises(Conflict):
        policy_setting_create(actor=commission, region=c, year=2024, values={})
    with pytest.raises(Conflict):
        policy_setting_copy(actor=commission, setting=s, region=c, year=2024)
    copy = policy_setting_copy(actor=commission, setting=s, region=c, year=2025)
    assert copy.year == 2025 and copy.capacity_per_doctor == s.capacity_per_doctor
    # Scope of reads: the commission of Qianjiang does not see Pudong's rules.
    policy_setting_create(actor=admin, region=other, year=2024, values={})
    assert set(PolicySetting.objects.visible_to(commission)) == {s, copy}


def test_audit_events(admin):
    s = policy_setting_create(actor=admin, region=None, year=2022, values={})
    policy_setting_update(actor=admin, setting=s, changes={"capacity_per_doctor": 1600})
    events = AuditEvent.objects.filter(object_type="policy.policysetting", object_id=str(s.pk)).order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before["capacity_per_doctor"] == 2000 and events[1].after["capacity_per_doctor"] == 1600
    assert "basic_fee" not in events[1].after
    assert events[0].actor == admin
    load_preset(all_presets()["pudong_2023"])
    assert AuditEvent.objects.filter(object_type="policy.policysetting", actor_name="system").count() == 1


def test_system_actor_is_allowed():
    s = policy_setting_create(actor=SYSTEM, region=None, year=2022, values={})
    assert s.pk and dt.date.today().year >= 2024


def test_region_created_with_level():
    load_preset(all_presets()["yueyang_2022"])
    r = Region.objects.get(code="430600000000")
    assert r.level == RegionLevel.CITY and r.parent.code == "430000000000"
