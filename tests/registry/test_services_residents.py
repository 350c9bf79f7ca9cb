import datetime as dt

import pytest

from jiayi.core.errors import DuplicateResident, Forbidden, InvalidNationalId, NotFound, ValidationFailed
from jiayi.core.models import AccessEvent, AuditEvent, Role
from jiayi.registry import services
from jiayi.registry.errors import OutOfScope, ResidentInactive, TeamNotEligible
from jiayi.registry.models import Relation, Resident
from jiayi.teams.models import TeamMembership, TeamRole
from tests.factories import (
    HouseholdFactory,
    PractitionerFactory,
    ResidentFactory,
    UserFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db

NID = "11010519491231002X"


def _create(world, actor=None, **kw):
    args = {
        "actor": actor or world.u.doctor,
        "name": "张三",
        "national_id": NID,
        "region": world.v1,
        "institution": world.a,
        "phone": "138 0013 8000",
    }
    args.update(kw)
    return services.resident_create(**args)


def test_create_encrypts_derives_and_audits(world):
    r = _create(world)
    assert r.id_masked == "1101**********002X"
    assert r.birth_date == dt.date(1949, 12, 31) and r.sex == "F"
    assert r.phone == "13800138000" and r.phone_masked == "138****8000"
    assert NID not in r.id_cipher
    event = AuditEvent.objects.get(action="create", object_type="registry.resident")
    assert event.actor == world.u.doctor
    assert NID not in str(event.after) and "id_cipher" not in event.after
    assert event.after["id_masked"] == "1101**********002X"


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("1101051949123100", "length"),
        ("110105194912310021", "check_digit"),
        ("110105194913310029", "birth_date"),
    ],
)
def test_create_rejects_bad_id(world, bad, reason):
    with pytest.raises(InvalidNationalId) as exc:
        _create(world, national_id=bad)
    assert exc.value.details["reason"] == reason
    assert exc.value.status == 422
    assert not Resident.objects.exists()


def test_create_rejects_duplicate_id(world):
    _create(world)
    with pytest.raises(DuplicateResident) as exc:
        _create(world, name="另一人", national_id=NID.lower())
    assert exc.value.status == 409
    assert Resident.objects.count() == 1


def test_create_rejects_bad_phone_and_empty_name(world):
    with pytest.raises(ValidationFailed):
        _create(world, phone="12345")
    with pytest.raises(ValidationFailed):
        _create(world, name="  ")


def test_create_refuses_region_of_other_county_and_township_level(world):
    with pytest.raises(ValidationFailed):
        _create(world, region=world.t1)
    far_village = world.far.region  # a county-level region of another county
    with pytest.raises(ValidationFailed):
        _create(world, region=far_village)


@pytest.mark.parametrize("role", [Role.FINANCE, Role.RESIDENT, Role.COMMISSION, Role.REFERRAL_DESK])
def test_create_forbidden_for_roles_without_permission(world, role):
    user = UserFactory(username=f"u-{role}", role=role, region=world.county, institution=world.a)
    with pytest.raises(Forbidden):
        _create(world, actor=user)


def test_create_outside_scope_is_refused_and_rolled_back(world):
    with pytest.raises(OutOfScope):
        _create(world, actor=world.u.inst_b)
    assert not Resident.objects.exists()
    assert not AuditEvent.objects.exists()


def test_create_into_household(world):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    r = _create(world, household=hh, relation=Relation.HEAD)
    hh.refresh_from_db()
    assert hh.head == r and r.relation == Relation.HEAD


def test_update_changes_id_and_rederives(world, resident_a):
    new_id = make_national_id(dt.date(1990, 1, 2), "F")
    r = services.resident_update(actor=world.u.doctor, resident=resident_a, national_id=new_id, name="李四")
    assert r.national_id == new_id and r.sex == "F" and r.birth_date == dt.date(1990, 1, 2)
    assert Resident.objects.with_national_id(new_id).get() == resident_a
    ev = AuditEvent.objects.get(action="update")
    assert set(ev.after) >= {"name", "id_masked", "birth_date", "sex"}
    assert "phone_masked" not in ev.after  # only what changed


def test_update_rejects_bad_and_duplicate_id(world, resident_a):
    other = ResidentFactory(institution=world.a, region=world.v1)
    with pytest.raises(InvalidNationalId):
        services.resident_update(actor=world.u.doctor, resident=resident_a, national_id="123")
    with pytest.raises(DuplicateResident):
        services.resident_update(actor=world.u.doctor, resident=resident_a, national_id=other.national_id)
    resident_a.refresh_from_db()
    assert resident_a.name == "李大爷"


def test_update_same_id_is_not_a_duplicate(world, resident_a):
    services.resident_update(actor=world.u.doctor, resident=resident_a, national_id=resident_a.national_id)


def test_update_out_of_scope_is_not_found(world, resident_b):
    with pytest.raises(NotFound):
        services.resident_update(actor=world.u.doctor, resident=resident_b, name="x")
    with pytest.raises(NotFound):
        services.resident_update(actor=world.u.inst_a, resident=resident_b, name="x")


def test_update_moving_out_of_scope_is_refused(world, resident_a):
    with pytest.raises(OutOfScope):
        services.resident_update(
            actor=world.u.inst_a, resident=resident_a, institution=world.b, region=world.v2
        )
    resident_a.refresh_from_db()
    assert resident_a.institution == world.a


def test_reveal_records_access_every_time(world, resident_a):
    for _ in range(2):
        value = services.resident_reveal_national_id(actor=world.u.doctor, resident=resident_a)
        assert value == resident_a.national_id
    events = AccessEvent.objects.filter(object_id=str(resident_a.pk), field="national_id")
    assert events.count() == 2 and events[0].actor == world.u.doctor


def test_reveal_refused_for_finance_and_out_of_scope(world, resident_a, resident_b):
    with pytest.raises(Forbidden):
        services.resident_reveal_national_id(actor=world.u.finance, resident=resident_a)
    with pytest.raises(NotFound):
        services.resident_reveal_national_id(actor=world.u.doctor, resident=resident_b)
    assert not AccessEvent.objects.exists()


def test_resident_may_reveal_own_id(world, resident_a, resident_b):
    me = UserFactory(username="me", role=Role.RESIDENT, resident=resident_a)
    assert services.resident_reveal_national_id(actor=me, resident=resident_a) == resident_a.national_id
    with pytest.raises(NotFound):
        services.resident_reveal_national_id(actor=me, resident=resident_b)


def test_record_death_of_plain_member(world, resident_a):
    r = services.resident_record_death(
        actor=world.u.doctor, resident=resident_a, deceased_on=dt.date(2024, 1, 1)
    )
    assert r.deceased_on == dt.date(2024, 1, 1) and not r.is_active
    with pytest.raises(ResidentInactive):
        services.resident_record_death(
            actor=world.u.doctor, resident=resident_a, deceased_on=dt.date(2024, 1, 2)
        )


def test_record_death_rejects_future_date(world, resident_a):
    with pytest.raises(ValidationFailed):
        services.resident_record_death(
            actor=world.u.doctor, resident=resident_a, deceased_on=dt.date.today() + dt.timedelta(days=1)
        )


def _family(world):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    head = ResidentFactory(name="户主", institution=world.a, region=world.v1)
    son = ResidentFactory(name="儿子", institution=world.a, region=world.v1)
    wife = ResidentFactory(name="儿媳", institution=world.a, region=world.v1)
    services.household_add_member(actor=world.u.doctor, household=hh, resident=head, relation=Relation.HEAD)
    services.household_add_member(actor=world.u.doctor, household=hh, resident=son, relation=Relation.CHILD)
    services.household_add_member(
        actor=world.u.doctor, household=hh, resident=wife, relation=Relation.CHILD_IN_LAW
    )
    return hh, head, son, wife


def test_death_of_head_with_new_head_rebases_relations(world):
    hh, head, son, wife = _family(world)
    services.resident_record_death(
        actor=world.u.doctor, resident=head, deceased_on=dt.date(2024, 5, 1), new_head=son
    )
    hh.refresh_from_db()
    assert hh.head == son
    rels = dict(hh.members.values_list("name", "relation"))
    assert rels == {"户主": Relation.PARENT, "儿子": Relation.HEAD, "儿媳": Relation.SPOUSE}


def test_death_of_head_without_new_head_leaves_household_headless(world):
    hh, head, son, wife = _family(world)
    services.resident_record_death(actor=world.u.doctor, resident=head, deceased_on=dt.date(2024, 5, 1))
    hh.refresh_from_db()
    assert hh.head is None
    assert AuditEvent.objects.filter(action="head_vacated").exists()
    living = hh.members.filter(deceased_on__isnull=True)
    assert not living.filter(relation=Relation.HEAD).exists()


def test_assign_team_and_doctor(world, resident_a):
    r = services.resident_assign_team(
        actor=world.u.inst_a, resident=resident_a, team=world.team, doctor=world.doctor
    )
    assert r.team == world.team and r.responsible_doctor == world.doctor
    assert AuditEvent.objects.filter(action="assign_team").exists()


def test_assign_team_rejections(world, resident_a):
    nurse = PractitionerFactory(institution=world.a)
    TeamMembership.objects.create(team=world.team, practitioner=nurse, role=TeamRole.NURSE)
    with pytest.raises(TeamNotEligible):
        services.resident_assign_team(actor=world.u.admin, resident=resident_a, team=world.team, doctor=nurse)
    with pytest.raises(TeamNotEligible):  # a team in another county
        from tests.factories import TeamFactory

        services.resident_assign_team(
            actor=world.u.admin, resident=resident_a, team=TeamFactory(institution=world.far)
        )
    world.team.is_active = False
    world.team.save()
    with pytest.raises(TeamNotEligible):
        services.resident_assign_team(actor=world.u.admin, resident=resident_a, team=world.team)
    with pytest.raises(NotFound):  # a team the actor cannot see
        services.resident_assign_team(actor=world.u.inst_a, resident=resident_a, team=world.team_b)


def test_assign_team_refuses_non_primary_institution(world, resident_a):
    from tests.factories import TeamFactory

    team = TeamFactory(institution=world.clinic)
    with pytest.raises(TeamNotEligible):
        services.resident_assign_team(actor=world.u.admin, resident=resident_a, team=team)
