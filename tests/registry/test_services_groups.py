import datetime as dt

import pytest

from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from jiayi.registry import services
from jiayi.registry.errors import (
    AlreadyInHousehold,
    AlreadyMember,
    DerivedKeyPopulation,
    DuplicateHousehold,
    DuplicateKeyPopulation,
    HouseholdHeadRule,
    NotAMember,
    OutOfScope,
)
from jiayi.registry.models import CommunityKind, KeyPopulationKind, KeyPopulationSource, Relation
from jiayi.registry.queries import key_populations_of
from tests.factories import HouseholdFactory, ResidentFactory, UserFactory, make_national_id

pytestmark = pytest.mark.django_db


def _res(world, **kw):
    kw.setdefault("institution", world.a)
    kw.setdefault("region", world.v1)
    return ResidentFactory(**kw)


# --- households ---------------------------------------------------------------------------


def test_household_create_with_head(world, resident_a):
    hh = services.household_create(
        actor=world.u.doctor, code="HH-1", region=world.v1, institution=world.a, head=resident_a
    )
    resident_a.refresh_from_db()
    assert hh.head == resident_a and resident_a.relation == Relation.HEAD
    assert AuditEvent.objects.filter(action="create", object_type="registry.household").exists()


def test_household_create_rejections(world):
    services.household_create(actor=world.u.doctor, code="HH-1", region=world.v1, institution=world.a)
    with pytest.raises(DuplicateHousehold):
        services.household_create(actor=world.u.doctor, code="HH-1", region=world.v1, institution=world.a)
    with pytest.raises(ValidationFailed):
        services.household_create(actor=world.u.doctor, code="HH-2", region=world.t1, institution=world.a)
    with pytest.raises(OutOfScope):
        services.household_create(actor=world.u.doctor, code="HH-3", region=world.v2, institution=world.b)
    with pytest.raises(Forbidden):
        services.household_create(actor=world.u.finance, code="HH-4", region=world.v1, institution=world.a)


def test_household_update_address(world):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    services.household_update(actor=world.u.doctor, household=hh, address="东一村3组5号")
    hh.refresh_from_db()
    assert hh.address == "东一村3组5号"


def test_add_member_rules(world, resident_a):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    other = HouseholdFactory(institution=world.a, region=world.v1)
    services.household_add_member(
        actor=world.u.doctor, household=hh, resident=resident_a, relation=Relation.HEAD
    )
    with pytest.raises(AlreadyMember):
        services.household_add_member(
            actor=world.u.doctor, household=hh, resident=resident_a, relation="spouse"
        )
    with pytest.raises(AlreadyInHousehold):
        services.household_add_member(
            actor=world.u.doctor, household=other, resident=resident_a, relation="head"
        )
    second = _res(world)
    with pytest.raises(HouseholdHeadRule):
        services.household_add_member(
            actor=world.u.doctor, household=hh, resident=second, relation=Relation.HEAD
        )
    with pytest.raises(ValidationFailed):
        services.household_add_member(actor=world.u.doctor, household=hh, resident=second, relation="cousin")


def test_add_member_out_of_scope(world, resident_b):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    with pytest.raises(NotFound):
        services.household_add_member(
            actor=world.u.doctor, household=hh, resident=resident_b, relation="child"
        )
    hh_b = HouseholdFactory(institution=world.b, region=world.v2)
    with pytest.raises(NotFound):
        services.household_add_member(
            actor=world.u.inst_a, household=hh_b, resident=resident_b, relation="child"
        )


def _family(world):
    hh = HouseholdFactory(institution=world.a, region=world.v1)
    people = {}
    for name, rel in [
        ("爷爷", "head"),
        ("奶奶", "spouse"),
        ("儿子", "child"),
        ("儿媳", "child_in_law"),
        ("孙子", "grandchild"),
    ]:
        people[name] = _res(world, name=name)
        services.household_add_member(actor=world.u.doctor, household=hh, resident=people[name], relation=rel)
    return hh, people


def test_change_head_keeps_exactly_one_head(world):
    hh, p = _family(world)
    services.household_change_head(actor=world.u.doctor, household=hh, new_head=p["儿子"])
    hh.refresh_from_db()
    assert hh.head == p["儿子"]
    rels = dict(hh.members.values_list("name", "relation"))
    assert rels == {"爷爷": "parent", "奶奶": "parent", "儿子": "head", "儿媳": "spouse", "孙子": "child"}
    assert hh.members.filter(relation=Relation.HEAD).count() == 1
    ev = AuditEvent.objects.get(action="change_head")
    assert ev.before["head"] == p["爷爷"].pk and ev.after["head"] == p["儿子"].pk


def test_change_head_with_explicit_relations_and_rejections(world):
    hh, p = _family(world)
    services.household_change_head(
        actor=world.u.doctor, household=hh, new_head=p["奶奶"], relations={p["儿媳"].pk: "other"}
    )
    assert dict(hh.members.values_list("name", "relation"))["儿媳"] == "other"
    with pytest.raises(HouseholdHeadRule):  # already head
        services.household_change_head(actor=world.u.doctor, household=hh, new_head=p["奶奶"])
    with pytest.raises(HouseholdHeadRule):  # two heads
        services.household_change_head(
            actor=world.u.doctor, household=hh, new_head=p["儿子"], relations={p["孙子"].pk: "head"}
        )
    stranger = _res(world)
    with pytest.raises(NotAMember):
        services.household_change_head(actor=world.u.doctor, household=hh, new_head=stranger)
    services.resident_record_death(actor=world.u.doctor, resident=p["孙子"], deceased_on=dt.date(2024, 1, 1))
    from jiayi.registry.errors import ResidentInactive

    with pytest.raises(ResidentInactive):
        services.household_change_head(actor=world.u.doctor, household=hh, new_head=p["孙子"])
    assert hh.members.filter(relation=Relation.HEAD).count() == 1


def test_remove_member_and_head_rule(world):
    hh, p = _family(world)
    with pytest.raises(HouseholdHeadRule):
        services.household_remove_member(actor=world.u.doctor, household=hh, resident=p["爷爷"])
    services.household_remove_member(actor=world.u.doctor, household=hh, resident=p["孙子"])
    p["孙子"].refresh_from_db()
    assert p["孙子"].household is None and p["孙子"].relation == ""
    with pytest.raises(NotAMember):
        services.household_remove_member(actor=world.u.doctor, household=hh, resident=p["孙子"])


def test_update_member_relation(world):
    hh, p = _family(world)
    services.household_update_member(actor=world.u.doctor, household=hh, resident=p["孙子"], relation="other")
    with pytest.raises(HouseholdHeadRule):
        services.household_update_member(
            actor=world.u.doctor, household=hh, resident=p["孙子"], relation="head"
        )
    with pytest.raises(HouseholdHeadRule):
        services.household_update_member(
            actor=world.u.doctor, household=hh, resident=p["爷爷"], relation="child"
        )


# --- key populations ----------------------------------------------------------------------


def test_keypopulation_add_and_derived(world):
    old = _res(world, national_id=make_national_id(dt.date(1950, 1, 1), "M"))
    rec = services.keypopulation_add(
        actor=world.u.doctor,
        resident=old,
        kind=KeyPopulationKind.HYPERTENSION,
        source=KeyPopulationSource.PUBLIC_HEALTH,
        valid_from=dt.date(2020, 1, 1),
    )
    assert key_populations_of(old) == {"hypertension", "elderly"}
    assert key_populations_of(old, on=dt.date(2019, 6, 1)) == {"elderly"}  # before the record
    assert key_populations_of(old, on=dt.date(2014, 6, 1)) == set()  # 64 then
    services.keypopulation_end(actor=world.u.doctor, record=rec, valid_to=dt.date(2021, 1, 1))
    assert "hypertension" not in key_populations_of(old)
    assert "hypertension" in key_populations_of(old, on=dt.date(2020, 6, 1))


def test_key_populations_of_child_boundaries(world):
    kid = _res(world, national_id=make_national_id(dt.date(2020, 3, 10), "F"))
    assert key_populations_of(kid, on=dt.date(2027, 3, 9)) == {"child"}  # still 6
    assert key_populations_of(kid, on=dt.date(2027, 3, 10)) == set()  # 7 today
    assert "elderly" not in key_populations_of(kid)


@pytest.mark.parametrize("kind", [KeyPopulationKind.ELDERLY, KeyPopulationKind.CHILD])
def test_keypopulation_refuses_derived_kinds(world, resident_a, kind):
    with pytest.raises(DerivedKeyPopulation) as exc:
        services.keypopulation_add(actor=world.u.doctor, resident=resident_a, kind=kind, source="doctor")
    assert "出生日期" in str(exc.value.message)


def test_keypopulation_rejections(world, resident_a, resident_b):
    services.keypopulation_add(actor=world.u.doctor, resident=resident_a, kind="diabetes", source="his")
    with pytest.raises(DuplicateKeyPopulation):
        services.keypopulation_add(
            actor=world.u.doctor,
            resident=resident_a,
            kind="diabetes",
            source="his",
            valid_from=dt.date(2024, 1, 1),
        )
    with pytest.raises(ValidationFailed):
        services.keypopulation_add(
            actor=world.u.doctor,
            resident=resident_a,
            kind="copd",
            source="his",
            valid_from=dt.date(2024, 2, 1),
            valid_to=dt.date(2024, 1, 1),
        )
    with pytest.raises(ValidationFailed):  # a man cannot be pregnant
        services.keypopulation_add(
            actor=world.u.doctor, resident=resident_a, kind="pregnant", source="doctor"
        )
    with pytest.raises(NotFound):
        services.keypopulation_add(actor=world.u.doctor, resident=resident_b, kind="copd", source="his")
    with pytest.raises(Forbidden):
        services.keypopulation_add(actor=world.u.finance, resident=resident_a, kind="copd", source="his")


# --- functional communities ---------------------------------------------------------------


def test_community_lifecycle(world, resident_a):
    c = services.community_create(
        actor=world.u.doctor,
        name="东城敬老院",
        kind=CommunityKind.NURSING_HOME,
        region=world.v1,
        institution=world.a,
        contact_name="周院长",
        contact_phone="023-79221234",
    )
    services.community_update(actor=world.u.doctor, community=c, address="东一村8号")
    m = services.community_add_member(actor=world.u.doctor, community=c, resident=resident_a, role="老人")
    with pytest.raises(AlreadyMember):
        services.community_add_member(actor=world.u.doctor, community=c, resident=resident_a)
    services.community_remove_member(actor=world.u.doctor, community=c, resident=resident_a)
    m.refresh_from_db()
    assert m.left_on == dt.date.today()
    with pytest.raises(NotAMember):
        services.community_remove_member(actor=world.u.doctor, community=c, resident=resident_a)
    again = services.community_add_member(actor=world.u.doctor, community=c, resident=resident_a)
    assert again.pk == m.pk and again.left_on is None


def test_community_rejections(world, resident_b):
    with pytest.raises(ValidationFailed):
        services.community_create(
            actor=world.u.doctor, name="x", kind="club", region=world.v1, institution=world.a
        )
    with pytest.raises(ValidationFailed):
        services.community_create(
            actor=world.u.doctor,
            name="x",
            kind="school",
            region=world.v1,
            institution=world.a,
            contact_phone="1",
        )
    with pytest.raises(OutOfScope):
        services.community_create(
            actor=world.u.doctor, name="x", kind="school", region=world.v2, institution=world.b
        )
    member = UserFactory(username="nurse", role=Role.TEAM_MEMBER, team=world.team)
    with pytest.raises(Forbidden):
        services.community_create(actor=member, name="x", kind="school", region=world.v1, institution=world.a)
    c = services.community_create(
        actor=world.u.doctor, name="小学", kind="school", region=world.v1, institution=world.a
    )
    with pytest.raises(NotFound):
        services.community_add_member(actor=world.u.doctor, community=c, resident=resident_b)
    with pytest.raises(NotFound):
        services.community_update(actor=world.u.inst_b, community=c, name="y")
