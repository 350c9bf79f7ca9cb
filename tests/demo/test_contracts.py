"""The demo's second stage: contracts, fulfilment and contact plans."""

import datetime as dt
import io
import re
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayi.care.contact import contact_plan_sync
from jiayi.care.models import (
    ContactPlan,
    HealthAssessment,
    Measurement,
    RiskAssessment,
    ServiceRecord,
)
from jiayi.catalog.models import ServicePackage, Tier
from jiayi.catalog.services import package_is_signed, package_signed_total
from jiayi.contracts.models import (
    IN_FORCE,
    Agreement,
    ConsentMode,
    Contract,
    ContractEvent,
    ContractPackage,
    ContractStatus,
)
from jiayi.core.models import User
from jiayi.demo import build_district, reset_district
from jiayi.demo.fulfil import contract_stats
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Household, Resident
from jiayi.teams.models import SIGNING_ROLES, TeamMembership

SCALE = 0.004


@pytest.fixture
def district(db):
    out = io.StringIO()
    call_command("demo", scale=SCALE, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_coverage_near_qianjiang_targets(district):
    stats = contract_stats()
    assert 33 <= stats["coverage_percent"] <= 47, stats
    assert 70 <= stats["key_coverage_percent"] <= 86, stats
    assert stats["service_records"] > stats["contracts_in_force"]
    assert f"签约覆盖率 {stats['coverage_percent']}%" in district
    assert "重点人群签约覆盖率" in district and "服务记录" in district


@pytest.mark.django_db
def test_one_contract_in_force_one_team_per_household_and_capacity(district):
    per_resident = Counter(Contract.objects.filter(status__in=IN_FORCE).values_list("resident_id", flat=True))
    assert per_resident and max(per_resident.values()) == 1
    teams = defaultdict(set)
    rows = Contract.objects.filter(status__in=IN_FORCE).values_list(
        "resident__household_id", "team_id", "resident__household__team_id", "resident__team_id"
    )
    for hid, team, hh_team, resident_team in rows:
        teams[hid].add(team)
        assert hh_team == team == resident_team
    assert all(len(t) == 1 for t in teams.values())
    # A household whose contracts all ended is free of any team, as `_release_resident` leaves it.
    lapsed = Household.objects.filter(team__isnull=True)
    assert lapsed.exists()
    assert not Contract.objects.filter(resident__household__in=lapsed, status__in=IN_FORCE).exists()
    signing = set(
        TeamMembership.objects.filter(role__in=SIGNING_ROLES).values_list("team_id", "practitioner_id")
    )
    load = Counter()
    for c in Contract.objects.filter(status__in=IN_FORCE).select_related("resident", "institution__region"):
        assert (c.team_id, c.doctor_id) in signing
        assert c.resident.responsible_doctor_id == c.doctor_id
        load[c.doctor_id] += 1
    capacity = policy_for(Contract.objects.first().institution.region, timezone.localdate().year)
    assert capacity.capacity_per_doctor == 2000
    assert max(load.values()) <= capacity.capacity_per_doctor
    assert Resident.objects.filter(responsible_doctor__isnull=False).count() == sum(load.values())


@pytest.mark.django_db
def test_packages_fees_numbers_and_events(district):
    basic = ServicePackage.objects.get(code="QJ-BASIC")
    assert basic.tier == Tier.BASIC and basic.region.code == "500114000000"
    for cp in ContractPackage.objects.select_related("package"):
        p = cp.package
        assert (cp.price, cp.fee_public_health, cp.fee_insurance, cp.fee_resident) == (
            p.price,
            p.fee_public_health,
            p.fee_insurance,
            p.fee_resident,
        )
    contracts = Contract.objects.count()
    assert ContractPackage.objects.filter(package=basic).count() == contracts
    with_extra = Contract.objects.filter(packages__package__tier=Tier.PERSONALISED).distinct().count()
    assert 0.12 <= with_extra / contracts <= 0.40
    counts = Counter(ContractPackage.objects.values_list("package_id", flat=True))
    for p in ServicePackage.objects.all():
        assert package_signed_total(p) == counts.get(p.pk, 0), p.code
        assert package_is_signed(p) == (p.pk in counts)
    for a in Agreement.objects.all():
        assert re.fullmatch(rf"QY500114{a.signed_on:%Y}{a.pk:08d}", a.number)
        if a.consent_mode == ConsentMode.HANDWRITTEN:
            assert bytes(a.signature_png).startswith(b"\x89PNG")
        else:
            assert a.channel == "online" and not a.signature_png
    kinds = Counter(Agreement.objects.values_list("kind", flat=True))
    assert kinds["family"] > kinds["individual"] * 0.5 and kinds["individual"] > 0
    assert len(set(Agreement.objects.values_list("channel", flat=True))) >= 4
    firsts = Contract.objects.filter(previous__isnull=True)
    assert ContractEvent.objects.filter(action="sign").count() == firsts.count()
    assert not firsts.exclude(events__action="sign").exists()
    assert not Contract.objects.filter(is_first=True, previous__isnull=False).exists()


@pytest.mark.django_db
def test_statuses_renewals_expiry_and_terminations(district):
    today = timezone.localdate()
    assert not Contract.objects.filter(status=ContractStatus.ACTIVE, end__lt=today).exists()
    renewed = Contract.objects.filter(previous__isnull=False).select_related("previous")
    assert renewed.exists()
    for c in renewed:
        assert c.previous.status == ContractStatus.RENEWED
        assert c.start == c.previous.end + dt.timedelta(days=1)
        assert c.agreement_id == c.previous.agreement_id and not c.is_first
        assert c.events.filter(action="renewed_from").exists()
    soon = Contract.objects.filter(status=ContractStatus.ACTIVE, end__lte=today + dt.timedelta(days=30))
    assert soon.exists()
    pending = Contract.objects.filter(status=ContractStatus.PENDING)
    assert pending.exists() and pending.count() < 0.1 * Contract.objects.filter(status__in=IN_FORCE).count()
    assert not ContractPackage.objects.filter(
        contract__in=pending, resident_paid=True, fee_resident__gt=0
    ).exists()
    terminated = Contract.objects.filter(status=ContractStatus.TERMINATED)
    assert terminated.exists() and not terminated.filter(termination_reason="").exists()
    assert not terminated.filter(terminated_on__isnull=True).exists()
    signed_on = set(Agreement.objects.values_list("signed_on__year", flat=True))
    assert signed_on == {today.year - 1, today.year}


@pytest.mark.django_db
def test_fulfilment_records_colours_and_measurements(district):
    records = ServiceRecord.objects.all()
    assert records.exists() and not records.filter(contract__isnull=True).exists()
    for r in records.select_related("contract")[:500]:
        assert r.contract.start <= r.performed_on <= min(r.contract.end, timezone.localdate())
        assert r.contract.status in (ContractStatus.ACTIVE, ContractStatus.PENDING)
        assert r.county_code == "500114" and r.team_id == r.contract.team_id
    colours = Counter(RiskAssessment.objects.filter(is_current=True).values_list("colour", flat=True))
    total = sum(colours.values())
    assert 0.45 <= colours["green"] / total <= 0.75 and 0.02 <= colours["red"] / total <= 0.2
    sbp = Measurement.objects.filter(kind="sbp")
    assert sbp.exists() and sbp.filter(value__lt=140).count() > sbp.filter(value__gte=160).count()
    assert 0.15 <= sbp.filter(source="device").count() / sbp.count() <= 0.45
    assert Measurement.objects.filter(kind="fasting_glucose").exists()
    active = Contract.objects.filter(status=ContractStatus.ACTIVE).count()
    assert 0.4 <= HealthAssessment.objects.count() / active <= 0.75
    assert HealthAssessment.objects.filter(record__item__code="ANNUAL_ASSESSMENT").count() == (
        HealthAssessment.objects.count()
    )
    assert records.filter(tcm_technique="constitution").exists()


@pytest.mark.django_db
def test_contact_plans_equal_what_contact_plan_sync_computes(district):
    in_force = Contract.objects.filter(status__in=IN_FORCE)
    assert ContactPlan.objects.count() == in_force.count()
    fields = [
        "contract_id",
        "team_id",
        "doctor_id",
        "colour",
        "interval_days",
        "signed_on",
        "last_contact_on",
    ]
    sample = list(ContactPlan.objects.order_by("?")[:60]) + list(ContactPlan.objects.exclude(colour="")[:20])
    for plan in sample:
        before = {f: getattr(plan, f) for f in [*fields, "next_due_on"]}
        again = contact_plan_sync(plan.resident_id)
        assert {f: getattr(again, f) for f in [*fields, "next_due_on"]} == before
    yisheng = User.objects.get(username="yisheng")
    book = ContactPlan.objects.filter(team=yisheng.team)
    today = timezone.localdate()
    assert book.count() >= 20
    assert book.filter(next_due_on__lt=today).exists()  # overdue
    assert book.filter(last_contact_on__isnull=True).exists()  # never contacted
    assert ContactPlan.objects.filter(next_due_on__lt=today, colour="red").exists()
    assert ContactPlan.objects.filter(
        next_due_on__gte=today, next_due_on__lte=today + dt.timedelta(days=7)
    ).exists()
    assert book.filter(next_due_on__lt=today).count() < 0.4 * book.count()


@pytest.mark.django_db
def test_second_run_and_reset(district):
    def state():
        return (
            Contract.objects.count(),
            ServiceRecord.objects.count(),
            ContactPlan.objects.count(),
            sorted(Counter(ContractPackage.objects.values_list("package__code", flat=True)).items()),
        )

    before = state()
    out = io.StringIO()
    call_command("demo", scale=SCALE, stdout=out)
    assert "已存在" in out.getvalue() and state() == before
    call_command("demo", scale=SCALE, reset=True, stdout=io.StringIO())
    assert state() == before
    reset_district()
    assert not Contract.objects.exists() and not ServiceRecord.objects.exists()
    assert not ContactPlan.objects.exists() and not Agreement.objects.exists()
    assert not ContractPackage.objects.exists()


@pytest.mark.django_db
def test_contracts_added_to_a_district_built_without_them(district):
    """An older demo database (people only) gets its contracts on the next run."""
    from jiayi.demo.reset import _delete_dependents

    _delete_dependents("500114")
    assert not Contract.objects.exists()
    result = build_district(scale=SCALE)
    assert not result["created"] and result["contracts_in_force"] > 0
