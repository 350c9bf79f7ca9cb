import datetime as dt

import pytest
from django.utils import timezone

from jiayi.contracts import services as s
from jiayi.contracts.errors import (
    ConsentMissing,
    DuplicateContract,
    HouseholdSignedElsewhere,
    IllegalTransition,
    InvalidCombination,
    InvalidPackages,
    OutsideSigningWindow,
    TermNotAllowed,
)
from jiayi.contracts.models import Contract, ContractEvent, ContractStatus
from jiayi.core.errors import CapacityExceeded, Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from jiayi.registry.models import InstitutionKind
from tests.factories import InstitutionFactory, TeamFactory, UserFactory

from .conftest import PNG, sign_kwargs

pytestmark = pytest.mark.django_db


def test_sign_individual_basic(world):
    result = s.contract_sign(**sign_kwargs(world))
    (c,) = result.contracts
    assert c.status == ContractStatus.ACTIVE
    assert c.is_first
    assert c.start == world.today
    assert c.end == world.today.replace(year=world.today.year + 1) - dt.timedelta(days=1)
    assert result.agreement.number.startswith("QY500114")
    world.single.refresh_from_db()
    assert world.single.team == world.team and world.single.responsible_doctor == world.doctor
    assert ContractEvent.objects.filter(contract=c, action="sign").exists()
    assert AuditEvent.objects.filter(action="contract_sign", object_id=str(c.pk)).exists()
    assert bytes(result.agreement.signature_png).startswith(b"\x89PNG")


def test_no_second_contract_in_force(world):
    s.contract_sign(**sign_kwargs(world))
    with pytest.raises(DuplicateContract) as exc:
        s.contract_sign(**sign_kwargs(world, actor=world.admin, team=world.other_team, doctor=world.doctor2))
    assert "王医生团队" in str(exc.value.message)
    assert Contract.objects.filter(resident=world.single).count() == 1


def test_one_team_per_household(world):
    s.contract_sign(**sign_kwargs(world, resident=world.son))
    admin = world.admin  # the institution admin sees both teams
    with pytest.raises(HouseholdSignedElsewhere) as exc:
        s.contract_sign(
            **sign_kwargs(world, actor=admin, resident=world.boy, team=world.other_team, doctor=world.doctor2)
        )
    assert "李明" in str(exc.value.message)
    # the same team is fine
    s.contract_sign(**sign_kwargs(world, resident=world.boy))
    world.household.refresh_from_db()
    assert world.household.team == world.team


def test_capacity_from_policy(world):
    world.policy(capacity_per_doctor=1)
    s.contract_sign(**sign_kwargs(world))
    with pytest.raises(CapacityExceeded):
        s.contract_sign(**sign_kwargs(world, resident=world.son))
    # another doctor of the team still has room
    s.contract_sign(**sign_kwargs(world, resident=world.son, doctor=world.doctor2))


def _window_excluding_today():
    today = timezone.localdate()
    return ("07-01", "12-31") if today.month <= 6 else ("01-01", "06-30")


def test_signing_window_refuse_and_warn(world):
    start, end = _window_excluding_today()
    world.policy(signing_window_start=start, signing_window_end=end, signing_window_mode="refuse")
    with pytest.raises(OutsideSigningWindow):
        s.contract_sign(**sign_kwargs(world))
    assert not Contract.objects.exists()
    world.policy(signing_window_start=start, signing_window_end=end, signing_window_mode="warn")
    result = s.contract_sign(**sign_kwargs(world))
    assert result.warnings and "签约时间" in result.warnings[0]


def test_terms_and_continuity(world):
    world.policy(allowed_terms=[1, 2, 3], multi_year_min_continuous_years=2)
    with pytest.raises(TermNotAllowed):
        s.contract_sign(**sign_kwargs(world, term_years=4))
    with pytest.raises(TermNotAllowed) as exc:
        s.contract_sign(**sign_kwargs(world, term_years=2))
    assert exc.value.details["continuous_years"] == 0
    # two earlier years with the same doctor make a 2-year term possible
    first = s.contract_sign(**sign_kwargs(world, start=world.today - dt.timedelta(days=20))).contracts[0]
    Contract.objects.filter(pk=first.pk).update(
        start=world.today - dt.timedelta(days=730), end=world.today - dt.timedelta(days=366), status="renewed"
    )
    second = Contract.objects.create(
        agreement=first.agreement,
        resident=world.single,
        institution=world.inst,
        team=world.team,
        doctor=world.doctor,
        status="expired",
        start=world.today - dt.timedelta(days=365),
        end=world.today - dt.timedelta(days=1),
        previous=first,
    )
    assert second.pk
    result = s.contract_sign(**sign_kwargs(world, term_years=2))
    assert result.contracts[0].term_years == 2
    assert not result.contracts[0].is_first


def test_only_one_year_when_policy_says_so(world):
    world.policy(allowed_terms=[1])
    with pytest.raises(TermNotAllowed):
        s.contract_sign(**sign_kwargs(world, term_years=2))


def test_package_rules(world):
    with pytest.raises(InvalidPackages):
        s.contract_sign(**sign_kwargs(world, packages=[]))
    with pytest.raises(InvalidPackages):  # no basic package
        s.contract_sign(**sign_kwargs(world, resident=world.grandpa, packages=[world.elderly]))
    with pytest.raises(InvalidPackages) as exc:  # a 30-year-old is not elderly
        s.contract_sign(**sign_kwargs(world, packages=[world.basic, world.elderly]))
    assert "不适合" in str(exc.value.message)
    world.elderly.status = "retired"
    world.elderly.save()
    with pytest.raises(InvalidPackages):
        s.contract_sign(**sign_kwargs(world, resident=world.grandpa, packages=[world.basic, world.elderly]))


def test_consent_required(world):
    with pytest.raises(ConsentMissing):
        s.contract_sign(**sign_kwargs(world, signature_png=None))
    with pytest.raises(ConsentMissing):
        s.contract_sign(**sign_kwargs(world, signature_png=b"GIF89a..."))
    with pytest.raises(ConsentMissing):
        s.contract_sign(**sign_kwargs(world, consent_mode="online", signature_png=None))
    result = s.contract_sign(
        **sign_kwargs(world, consent_mode="online", channel="online", signature_png=None)
    )
    assert result.contracts[0].status == ContractStatus.ACTIVE


def test_resident_share_makes_pending_until_paid(world):
    c = s.contract_sign(
        **sign_kwargs(world, resident=world.grandpa, packages=[world.basic, world.elderly])
    ).contracts[0]
    assert c.status == ContractStatus.PENDING
    fees = {cp.package.code: (cp.fee_insurance, cp.fee_resident) for cp in c.packages.all()}
    assert str(fees["ELDER"][1]) == "60.00"
    with pytest.raises(DuplicateContract):  # pending is in force
        s.contract_sign(**sign_kwargs(world, resident=world.grandpa))
    c = s.contract_confirm_payment(actor=world.user, contract=c)
    assert c.status == ContractStatus.ACTIVE
    with pytest.raises(IllegalTransition):
        s.contract_confirm_payment(actor=world.user, contract=c)
    paid = s.contract_sign(
        **sign_kwargs(world, resident=world.son, packages=[world.basic], resident_paid=True)
    ).contracts[0]
    assert paid.status == ContractStatus.ACTIVE


def test_family_signing(world):
    members = [
        s.MemberChoice(world.grandpa, [world.basic, world.elderly, world.family_pkg]),
        s.MemberChoice(world.son, [world.basic, world.family_pkg]),
        s.MemberChoice(world.boy, [world.basic]),
    ]
    result = s.contract_sign_family(
        actor=world.user,
        household=world.household,
        members=members,
        team=world.team,
        doctor=world.doctor,
        channel="home",
        consent_mode="handwritten",
        signature_png=PNG,
        resident_paid=True,
    )
    assert result.agreement.kind == "family"
    assert result.agreement.party == world.grandpa
    assert len(result.contracts) == 3
    assert {c.agreement_id for c in result.contracts} == {result.agreement.pk}
    world.household.refresh_from_db()
    assert world.household.team == world.team


def test_family_signing_refuses_non_member_and_is_atomic(world):
    members = [s.MemberChoice(world.son, [world.basic]), s.MemberChoice(world.single, [world.basic])]
    with pytest.raises(ValidationFailed):
        s.contract_sign_family(
            actor=world.user,
            household=world.household,
            members=members,
            team=world.team,
            doctor=world.doctor,
            channel="home",
            consent_mode="handwritten",
            signature_png=PNG,
        )
    # a member that fails a rule rolls back the whole family
    members = [s.MemberChoice(world.son, [world.basic]), s.MemberChoice(world.boy, [world.elderly])]
    with pytest.raises(InvalidPackages):
        s.contract_sign_family(
            actor=world.user,
            household=world.household,
            members=members,
            team=world.team,
            doctor=world.doctor,
            channel="home",
            consent_mode="handwritten",
            signature_png=PNG,
        )
    assert not Contract.objects.exists()


def test_terminate_needs_reason_and_both_parties(world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    with pytest.raises(ValidationFailed):
        s.contract_terminate(
            actor=world.user,
            contract=c,
            reason="resident_request",
            confirmed_by_team=True,
            confirmed_by_resident=False,
        )
    with pytest.raises(ValidationFailed):
        s.contract_terminate(
            actor=world.user,
            contract=c,
            reason="other",
            note=" ",
            confirmed_by_team=True,
            confirmed_by_resident=True,
        )
    c = s.contract_terminate(
        actor=world.user,
        contract=c,
        reason="moved",
        note="迁往主城",
        confirmed_by_team=True,
        confirmed_by_resident=True,
    )
    assert c.status == ContractStatus.TERMINATED and c.terminated_on == world.today
    world.single.refresh_from_db()
    assert world.single.responsible_doctor is None
    with pytest.raises(IllegalTransition):
        s.contract_terminate(
            actor=world.user, contract=c, reason="moved", confirmed_by_team=True, confirmed_by_resident=True
        )
    # free to sign again; nothing was deleted
    s.contract_sign(**sign_kwargs(world))
    assert Contract.objects.filter(resident=world.single).count() == 2


def test_terminate_on_death_without_resident_confirmation(world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    c = s.contract_terminate(
        actor=world.user, contract=c, reason="death", confirmed_by_team=True, confirmed_by_resident=False
    )
    assert c.termination_reason == "death"


def test_reassign_doctor_within_team(world):
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    c = s.contract_reassign_doctor(actor=world.user, contract=c, doctor=world.doctor2, note="王医生进修")
    assert c.doctor == world.doctor2 and c.status == ContractStatus.ACTIVE
    world.single.refresh_from_db()
    assert world.single.responsible_doctor == world.doctor2
    from tests.factories import PractitionerFactory

    outsider = PractitionerFactory(institution=world.inst)
    with pytest.raises(ValidationFailed):
        s.contract_reassign_doctor(actor=world.user, contract=c, doctor=outsider)


def test_renew_window_and_chain(world):
    world.policy(renewal_reminder_days=30)
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    with pytest.raises(IllegalTransition):
        s.contract_renew(actor=world.user, contract=c)
    new = s.contract_renew(actor=world.user, contract=c, today=c.end - dt.timedelta(days=10))
    c.refresh_from_db()
    assert c.status == ContractStatus.RENEWED
    assert new.previous == c and new.start == c.end + dt.timedelta(days=1)
    assert new.status == ContractStatus.ACTIVE and not new.is_first
    assert [p.package_id for p in new.packages.all()] == [world.basic.pk]


def test_permissions_and_scope(world):
    finance = UserFactory(username="fin", role=Role.FINANCE, region=world.county)
    with pytest.raises(Forbidden):
        s.contract_sign(**sign_kwargs(world, actor=finance))
    other_inst = InstitutionFactory(region=world.township, kind=InstitutionKind.THC)
    stranger_team = TeamFactory(institution=other_inst)
    stranger = UserFactory(username="stranger", role=Role.DOCTOR, team=stranger_team, institution=other_inst)
    with pytest.raises(NotFound):
        s.contract_sign(**sign_kwargs(world, actor=stranger))
    c = s.contract_sign(**sign_kwargs(world)).contracts[0]
    with pytest.raises(NotFound):
        s.contract_terminate(
            actor=stranger, contract=c, reason="moved", confirmed_by_team=True, confirmed_by_resident=True
        )


def test_combination_signing(world):
    hosp2 = InstitutionFactory(
        region=world.county, kind=InstitutionKind.SECONDARY_HOSPITAL, level="secondary"
    )
    hosp3 = InstitutionFactory(region=world.county, kind=InstitutionKind.TERTIARY_HOSPITAL, level="tertiary")
    with pytest.raises(InvalidCombination):  # a township centre cannot
        s.contract_sign(**sign_kwargs(world, combination_district=hosp2, combination_city=hosp3))
    world.inst.kind = InstitutionKind.CHC
    world.inst.save()
    with pytest.raises(InvalidCombination):
        s.contract_sign(**sign_kwargs(world, combination_district=hosp3))
    result = s.contract_sign(**sign_kwargs(world, combination_district=hosp2, combination_city=hosp3))
    assert result.agreement.combination_city == hosp3


def test_deceased_resident_cannot_sign(world):
    world.single.deceased_on = world.today
    world.single.save()
    with pytest.raises(ValidationFailed):
        s.contract_sign(**sign_kwargs(world))
