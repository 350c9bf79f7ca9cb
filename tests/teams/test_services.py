import datetime as dt

import pytest

from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent
from jiayi.teams import errors, services
from jiayi.teams.models import Practitioner, Profession, TeamMembership, TeamRole
from tests.factories import PractitionerFactory, ResidentFactory

pytestmark = pytest.mark.django_db


def _audit(action, obj):
    return AuditEvent.objects.filter(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))


# --- practitioners -----------------------------------------------------------------------------


def test_practitioner_create_audited(world):
    p = services.practitioner_create(
        actor=world.admin_a,
        name=" 孙医生 ",
        profession=Profession.GENERAL_PRACTICE,
        institution=world.inst_a,
        licence_no="LIC-TEST-0001",
    )
    assert p.name == "孙医生" and p.county_code == world.inst_a.county_code
    assert _audit("create", p).get().after["licence_no"] == "LIC-TEST-0001"


def test_practitioner_blank_licence_is_null_and_not_duplicate(world):
    a = services.practitioner_create(
        actor=world.admin_a, name="甲", profession="nurse", institution=world.inst_a
    )
    b = services.practitioner_create(
        actor=world.admin_a, name="乙", profession="nurse", institution=world.inst_a, licence_no="  "
    )
    assert a.licence_no is None and b.licence_no is None


def test_practitioner_duplicate_licence_is_409(world):
    with pytest.raises(errors.DuplicateLicence) as exc:
        services.practitioner_create(
            actor=world.admin_a,
            name="重号",
            profession="gp",
            institution=world.inst_a,
            licence_no=world.gp_b.licence_no,
        )
    assert exc.value.status == 409 and exc.value.code == "duplicate_licence"
    assert world.gp_b.licence_no in str(exc.value.message)


def test_practitioner_tcm_profession_implies_tcm_capable(world):
    p = services.practitioner_create(
        actor=world.admin_a, name="中医", profession=Profession.TCM, institution=world.inst_a
    )
    assert p.tcm_capable is True
    services.practitioner_update(actor=world.admin_a, practitioner=p, tcm_capable=False)
    p.refresh_from_db()
    assert p.tcm_capable is True


def test_specialist_home_must_be_hospital(world):
    with pytest.raises(errors.NotHospital):
        services.practitioner_create(
            actor=world.admin_a,
            name="专科",
            profession=Profession.SPECIALIST,
            institution=world.inst_a,
            home_institution=world.inst_b,
        )
    # Working at the primary institution, sent down from the hospital: fine.
    p = services.practitioner_create(
        actor=world.sysadmin,
        name="下派专科",
        profession=Profession.SPECIALIST,
        institution=world.inst_a,
        home_institution=world.hospital,
    )
    assert p.home_institution == world.hospital
    # A specialist of the primary institution itself has no hospital to be sent from.
    with pytest.raises(errors.NotHospital):
        services.practitioner_create(
            actor=world.admin_a, name="无派出", profession=Profession.SPECIALIST, institution=world.inst_a
        )


def test_practitioner_create_other_institution_forbidden(world):
    with pytest.raises(Forbidden):
        services.practitioner_create(
            actor=world.admin_a, name="外", profession="gp", institution=world.inst_b
        )


def test_practitioner_finance_role_forbidden(world):
    with pytest.raises(Forbidden):
        services.practitioner_create(actor=world.finance, name="x", profession="gp", institution=world.inst_a)
    with pytest.raises(Forbidden):
        services.practitioner_update(actor=world.finance, practitioner=world.gp_a, name="y")


def test_practitioner_update_out_of_scope_not_found(world):
    with pytest.raises(NotFound):
        services.practitioner_update(actor=world.admin_a, practitioner=world.gp_b, name="改名")
    world.gp_b.refresh_from_db()
    assert world.gp_b.name == "赵医生"


def test_practitioner_update_records_diff(world):
    services.practitioner_update(actor=world.admin_a, practitioner=world.gp_a, title="chief", is_retired=True)
    ev = _audit("update", world.gp_a).get()
    ev.before.pop("updated_at")
    ev.after.pop("updated_at")
    assert ev.before == {"title": "attending", "is_retired": False}
    assert ev.after == {"title": "chief", "is_retired": True}


def test_practitioner_update_rejects_unknown_field(world):
    with pytest.raises(ValidationFailed):
        services.practitioner_update(actor=world.admin_a, practitioner=world.gp_a, county_code="999999")


def test_practitioner_update_cannot_move_to_foreign_institution(world):
    with pytest.raises(Forbidden):
        services.practitioner_update(actor=world.admin_a, practitioner=world.gp_a, institution=world.inst_b)


def test_practitioner_deactivate_ends_memberships(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    services.team_add_member(actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.NURSE)
    services.practitioner_deactivate(actor=world.admin_a, practitioner=world.nurse_a, on=dt.date(2030, 1, 1))
    world.nurse_a.refresh_from_db()
    assert world.nurse_a.is_active is False
    m = TeamMembership.objects.get(practitioner=world.nurse_a)
    assert m.is_active is False and m.until == dt.date(2030, 1, 1)
    assert Practitioner.objects.filter(pk=world.nurse_a.pk).exists()  # never deleted
    with pytest.raises(errors.InactiveRecord):
        services.practitioner_deactivate(actor=world.admin_a, practitioner=world.nurse_a)


def test_practitioner_deactivate_leader_refused(world):
    services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    with pytest.raises(errors.LeaderRequired):
        services.practitioner_deactivate(actor=world.admin_a, practitioner=world.gp_a)


# --- teams -------------------------------------------------------------------------------------


def test_team_create_leader_becomes_member(world):
    team = services.team_create(
        actor=world.admin_a,
        institution=world.inst_a,
        name="东区一队",
        leader=world.gp_a,
        villages=[world.village_a],
        since=dt.date(2025, 1, 1),
    )
    m = team.memberships.get()
    assert (m.practitioner, m.role, m.since, m.is_active) == (
        world.gp_a,
        TeamRole.LEADER,
        dt.date(2025, 1, 1),
        True,
    )
    assert list(team.villages.all()) == [world.village_a]
    assert _audit("create", team).get().after["villages"] == [world.village_a.pk]


def test_team_create_leader_from_station(world):
    doc = PractitionerFactory(institution=world.station_a, profession=Profession.VILLAGE_DOCTOR)
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="站队", leader=doc)
    assert team.leader == doc


def test_team_create_non_primary_institution(world):
    hospital_doc = PractitionerFactory(institution=world.hospital)
    with pytest.raises(errors.NotPrimaryInstitution) as exc:
        services.team_create(
            actor=world.sysadmin, institution=world.hospital, name="医院队", leader=hospital_doc
        )
    assert "二级医院" in str(exc.value.message)
    with pytest.raises(errors.NotPrimaryInstitution):
        services.team_create(actor=world.sysadmin, institution=world.station_a, name="站", leader=world.gp_a)


def test_team_create_non_doctor_leader(world):
    with pytest.raises(errors.NotFamilyDoctor) as exc:
        services.team_create(
            actor=world.admin_a, institution=world.inst_a, name="护士队", leader=world.nurse_a
        )
    assert "李护士" in str(exc.value.message)


def test_team_create_leader_from_other_institution(world):
    with pytest.raises(errors.NotInInstitution):
        services.team_create(actor=world.sysadmin, institution=world.inst_a, name="借人", leader=world.gp_b)


def test_team_create_village_from_other_county(world):
    from tests.factories import county, township, village

    far = village(township(county("500101", "万州区"), 1), 1)
    with pytest.raises(ValidationFailed):
        services.team_create(
            actor=world.admin_a, institution=world.inst_a, name="远", leader=world.gp_a, villages=[far]
        )


def test_team_create_forbidden_for_finance_and_other_admin(world):
    with pytest.raises(Forbidden):
        services.team_create(actor=world.finance, institution=world.inst_a, name="x", leader=world.gp_a)
    with pytest.raises(Forbidden):
        services.team_create(actor=world.admin_b, institution=world.inst_a, name="x", leader=world.gp_a)


def test_team_update_and_villages(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    services.team_update(actor=world.admin_a, team=team, name="东区一队", phone="023-1234567")
    services.team_set_villages(actor=world.admin_a, team=team, villages=[world.village_a, world.village_a2])
    team.refresh_from_db()
    assert team.name == "东区一队" and team.villages.count() == 2
    assert _audit("set_villages", team).exists()
    with pytest.raises(ValidationFailed):
        services.team_update(actor=world.admin_a, team=team, name="  ")


def test_team_out_of_scope_not_found(world):
    for call in (
        lambda: services.team_update(actor=world.admin_a, team=world.team_b, name="x"),
        lambda: services.team_set_villages(actor=world.admin_a, team=world.team_b, villages=[]),
        lambda: services.team_add_member(
            actor=world.admin_a, team=world.team_b, practitioner=world.gp_a, role=TeamRole.FAMILY_DOCTOR
        ),
        lambda: services.team_deactivate(actor=world.admin_a, team=world.team_b),
        lambda: services.team_change_leader(actor=world.admin_a, team=world.team_b, leader=world.gp_a),
        lambda: services.team_end_membership(actor=world.admin_a, membership=world.team_b.memberships.get()),
    ):
        with pytest.raises(NotFound):
            call()


def test_team_add_member_rules(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    m = services.team_add_member(
        actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.NURSE
    )
    assert m.is_active and m.since is not None
    # Same active role twice.
    with pytest.raises(errors.DuplicateMembership):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.NURSE
        )
    # A nurse cannot be a family doctor.
    with pytest.raises(errors.NotFamilyDoctor):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.FAMILY_DOCTOR
        )
    # The leader role is set through team_change_leader only.
    with pytest.raises(ValidationFailed):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.LEADER
        )
    with pytest.raises(ValidationFailed):
        services.team_add_member(actor=world.admin_a, team=team, practitioner=world.nurse_a, role="boss")


def test_team_add_hospital_specialist(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    m = services.team_add_member(
        actor=world.admin_a, team=team, practitioner=world.specialist, role=TeamRole.SPECIALIST
    )
    assert m.role == TeamRole.SPECIALIST
    with pytest.raises(errors.NotFamilyDoctor):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.specialist, role=TeamRole.FAMILY_DOCTOR
        )
    # A hospital clinician joins from outside only as a specialist.
    clinician = PractitionerFactory(institution=world.hospital, profession=Profession.OTHER_CLINICAL)
    with pytest.raises(errors.NotInInstitution):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=clinician, role=TeamRole.FAMILY_DOCTOR
        )
    services.team_add_member(actor=world.admin_a, team=team, practitioner=clinician, role=TeamRole.SPECIALIST)
    # Staff of another primary institution cannot join at all.
    with pytest.raises(errors.NotInInstitution):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.gp_b, role=TeamRole.SPECIALIST
        )


def test_end_membership_and_rejoin(world):
    team = services.team_create(
        actor=world.admin_a,
        institution=world.inst_a,
        name="一队",
        leader=world.gp_a,
        since=dt.date(2025, 1, 1),
    )
    m = services.team_add_member(
        actor=world.admin_a,
        team=team,
        practitioner=world.nurse_a,
        role=TeamRole.NURSE,
        since=dt.date(2025, 3, 1),
    )
    with pytest.raises(ValidationFailed):
        services.team_end_membership(actor=world.admin_a, membership=m, until=dt.date(2025, 2, 1))
    services.team_end_membership(actor=world.admin_a, membership=m, until=dt.date(2025, 6, 30))
    m.refresh_from_db()
    assert (m.is_active, m.until) == (False, dt.date(2025, 6, 30))
    with pytest.raises(errors.InactiveRecord):
        services.team_end_membership(actor=world.admin_a, membership=m)
    # The ended row stays; the nurse may join again.
    services.team_add_member(actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.NURSE)
    assert team.memberships.filter(practitioner=world.nurse_a).count() == 2
    leader_m = team.memberships.get(role=TeamRole.LEADER)
    with pytest.raises(errors.LeaderRequired):
        services.team_end_membership(actor=world.admin_a, membership=leader_m)


def test_change_leader(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    new = PractitionerFactory(name="新队长", institution=world.inst_a, profession=Profession.TCM)
    services.team_add_member(actor=world.admin_a, team=team, practitioner=new, role=TeamRole.FAMILY_DOCTOR)
    services.team_change_leader(actor=world.admin_a, team=team, leader=new, since=dt.date(2030, 1, 1))
    team.refresh_from_db()
    assert team.leader == new
    active = set(team.memberships.filter(is_active=True).values_list("practitioner__name", "role"))
    assert active == {("新队长", TeamRole.LEADER), ("王医生", TeamRole.FAMILY_DOCTOR)}
    assert _audit("change_leader", team).get().after["leader_id"] == new.pk
    with pytest.raises(ValidationFailed):
        services.team_change_leader(actor=world.admin_a, team=team, leader=new)
    with pytest.raises(errors.NotFamilyDoctor):
        services.team_change_leader(actor=world.admin_a, team=team, leader=world.nurse_a)


def test_change_leader_without_keeping_previous(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    new = PractitionerFactory(institution=world.inst_a)
    services.team_change_leader(actor=world.admin_a, team=team, leader=new, keep_previous=False)
    assert not team.memberships.filter(is_active=True, practitioner=world.gp_a).exists()


def test_team_deactivate(world):
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    r = ResidentFactory(institution=world.inst_a, team=team, responsible_doctor=world.gp_a)
    with pytest.raises(errors.TeamHasResidents) as exc:
        services.team_deactivate(actor=world.admin_a, team=team)
    assert "1" in str(exc.value.message)
    r.is_active = False
    r.save()
    services.team_deactivate(actor=world.admin_a, team=team)
    team.refresh_from_db()
    assert team.is_active is False
    assert not team.memberships.filter(is_active=True).exists()
    with pytest.raises(errors.InactiveRecord):
        services.team_add_member(
            actor=world.admin_a, team=team, practitioner=world.nurse_a, role=TeamRole.NURSE
        )
    # Now the former leader may be deactivated.
    services.practitioner_deactivate(actor=world.admin_a, practitioner=world.gp_a)
