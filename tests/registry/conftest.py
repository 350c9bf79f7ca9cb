"""A small county: two township centres (A with a village clinic, B), villages, a team, users."""

import datetime as dt
from types import SimpleNamespace

import pytest

from jiayi.core.models import Role
from jiayi.registry.models import InstitutionKind, InstitutionLevel
from jiayi.teams.models import TeamMembership, TeamRole
from tests.factories import (
    InstitutionFactory,
    PractitionerFactory,
    ResidentFactory,
    TeamFactory,
    UserFactory,
    county,
    make_national_id,
    township,
    village,
)


@pytest.fixture
def world(db):
    c = county()
    t1, t2 = township(c, 1, "城东街道"), township(c, 2, "城西街道")
    v1, v2 = village(t1, 1, "东一村"), village(t2, 1, "西一村")
    a = InstitutionFactory(code="A001", name="城东卫生院", kind=InstitutionKind.THC, region=t1)
    clinic = InstitutionFactory(
        code="A001-01",
        name="东一村卫生室",
        kind=InstitutionKind.VILLAGE_CLINIC,
        level=InstitutionLevel.VILLAGE,
        region=v1,
        parent=a,
    )
    b = InstitutionFactory(code="B001", name="城西卫生院", kind=InstitutionKind.THC, region=t2)
    other_county = county("500115", "长寿区")
    far = InstitutionFactory(code="C001", name="外县卫生院", region=other_county)
    doctor = PractitionerFactory(name="谭医生", institution=a)
    team = TeamFactory(name="谭医生团队", institution=a, leader=doctor)
    TeamMembership.objects.create(team=team, practitioner=doctor, role=TeamRole.LEADER)
    team_b = TeamFactory(name="城西团队", institution=b)
    users = SimpleNamespace(
        admin=UserFactory(username="sys", role=Role.SYSADMIN),
        commission=UserFactory(username="wjw", role=Role.COMMISSION, region=c),
        commission_far=UserFactory(username="wjw2", role=Role.COMMISSION, region=other_county),
        finance=UserFactory(username="cz", role=Role.FINANCE, region=c),
        inst_a=UserFactory(username="insta", role=Role.INSTITUTION_ADMIN, institution=a),
        inst_b=UserFactory(username="instb", role=Role.INSTITUTION_ADMIN, institution=b),
        doctor=UserFactory(username="tan", role=Role.DOCTOR, team=team),
    )
    return SimpleNamespace(
        county=c,
        other_county=other_county,
        t1=t1,
        t2=t2,
        v1=v1,
        v2=v2,
        a=a,
        clinic=clinic,
        b=b,
        far=far,
        team=team,
        team_b=team_b,
        doctor=doctor,
        u=users,
    )


@pytest.fixture
def resident_a(world):
    return ResidentFactory(
        name="李大爷",
        national_id=make_national_id(dt.date(1952, 3, 1), "M"),
        phone="13800001111",
        institution=world.a,
        region=world.v1,
    )


@pytest.fixture
def resident_b(world):
    return ResidentFactory(name="王大妈", institution=world.b, region=world.v2)
