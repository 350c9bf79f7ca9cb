import pytest

from jiayi.core.models import Role
from jiayi.registry.models import InstitutionKind, InstitutionLevel
from jiayi.teams.models import Profession, TeamRole
from tests.factories import (
    InstitutionFactory,
    PractitionerFactory,
    TeamFactory,
    UserFactory,
    county,
    township,
    village,
)


class World:
    """Two primary institutions in one county (A and B), a hospital, and users of each kind."""


@pytest.fixture
def world(db):
    w = World()
    w.county = county()
    w.town_a = township(w.county, 1, "城东街道")
    w.town_b = township(w.county, 2, "城西街道")
    w.village_a = village(w.town_a, 1, "东一社区")
    w.village_a2 = village(w.town_a, 2, "东二社区")
    w.inst_a = InstitutionFactory(name="城东社区卫生服务中心", kind=InstitutionKind.CHC, region=w.town_a)
    w.station_a = InstitutionFactory(
        name="东一社区卫生服务站", kind=InstitutionKind.CHS, region=w.village_a, parent=w.inst_a
    )
    w.inst_b = InstitutionFactory(name="城西卫生院", kind=InstitutionKind.THC, region=w.town_b)
    w.hospital = InstitutionFactory(
        name="区人民医院",
        kind=InstitutionKind.SECONDARY_HOSPITAL,
        level=InstitutionLevel.SECONDARY,
        region=w.county,
    )
    w.sysadmin = UserFactory(username="sys", role=Role.SYSADMIN)
    w.admin_a = UserFactory(username="admin_a", role=Role.INSTITUTION_ADMIN, institution=w.inst_a)
    w.admin_b = UserFactory(username="admin_b", role=Role.INSTITUTION_ADMIN, institution=w.inst_b)
    w.finance = UserFactory(username="finance", role=Role.FINANCE, region=w.county)
    w.commission = UserFactory(username="commission", role=Role.COMMISSION, region=w.county)
    w.gp_a = PractitionerFactory(name="王医生", institution=w.inst_a, profession=Profession.GENERAL_PRACTICE)
    w.nurse_a = PractitionerFactory(name="李护士", institution=w.inst_a, profession=Profession.NURSE)
    w.gp_b = PractitionerFactory(name="赵医生", institution=w.inst_b, profession=Profession.GENERAL_PRACTICE)
    w.specialist = PractitionerFactory(
        name="陈主任",
        institution=w.hospital,
        home_institution=w.hospital,
        profession=Profession.SPECIALIST,
    )
    w.team_b = TeamFactory(name="城西一队", institution=w.inst_b, leader=w.gp_b)
    w.team_b.memberships.create(practitioner=w.gp_b, role=TeamRole.LEADER)
    return w
