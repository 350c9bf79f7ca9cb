import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayi.catalog.models import PackageStatus, ServicePackage, Tier
from jiayi.core.models import Role
from jiayi.policy.models import PolicySetting
from jiayi.registry.models import Household, InstitutionKind, Relation
from jiayi.teams.models import Profession, TeamMembership, TeamRole
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


class World:
    """A township centre with one team of two doctors, packages, and a few residents."""

    def __init__(self):
        self.county = county()
        self.township = township(self.county)
        self.village = village(self.township)
        self.inst = InstitutionFactory(region=self.township, kind=InstitutionKind.THC)
        self.doctor = PractitionerFactory(institution=self.inst, name="王医生")
        self.doctor2 = PractitionerFactory(
            institution=self.inst, name="李医生", profession=Profession.VILLAGE_DOCTOR
        )
        self.team = TeamFactory(institution=self.inst, leader=self.doctor, name="王医生团队")
        TeamMembership.objects.create(team=self.team, practitioner=self.doctor, role=TeamRole.LEADER)
        TeamMembership.objects.create(team=self.team, practitioner=self.doctor2, role=TeamRole.FAMILY_DOCTOR)
        self.user = UserFactory(username="doc", role=Role.TEAM_LEADER, team=self.team, institution=self.inst)
        self.other_team = TeamFactory(institution=self.inst, leader=self.doctor2, name="李医生团队")
        TeamMembership.objects.create(team=self.other_team, practitioner=self.doctor2, role=TeamRole.LEADER)
        self.admin = UserFactory(username="inst", role=Role.INSTITUTION_ADMIN, institution=self.inst)
        since = dt.date(2020, 1, 1)
        self.basic = ServicePackage.objects.create(
            code="BASIC",
            name="基础服务包",
            tier=Tier.BASIC,
            populations=["all"],
            valid_from=since,
            status=PackageStatus.ACTIVE,
        )
        self.elderly = ServicePackage.objects.create(
            code="ELDER",
            name="老年人服务包",
            tier=Tier.PERSONALISED,
            populations=["elderly"],
            valid_from=since,
            price=Decimal("120.00"),
            fee_insurance=Decimal("60.00"),
            fee_resident=Decimal("60.00"),
            status=PackageStatus.ACTIVE,
        )
        self.family_pkg = ServicePackage.objects.create(
            code="FAMILY",
            name="家庭服务包",
            tier=Tier.PERSONALISED,
            populations=["family"],
            valid_from=since,
            price=Decimal("30.00"),
            fee_public_health=Decimal("30.00"),
            status=PackageStatus.ACTIVE,
        )
        self.household = Household.objects.create(
            code="HH-LI", region=self.village, institution=self.inst, address="石门村3组"
        )
        today = timezone.localdate()
        self.grandpa = self.resident("李大爷", age=72, relation=Relation.HEAD)
        self.son = self.resident("李明", age=40, relation=Relation.CHILD)
        self.boy = self.resident("李小宝", age=4, relation=Relation.GRANDCHILD, sex="M")
        self.household.head = self.grandpa
        self.household.save()
        self.single = self.resident("张三", age=30, household=False)
        self.today = today

    def resident(self, name, *, age, relation=None, sex="M", household=True):
        today = timezone.localdate()
        birth = dt.date(today.year - age, 1, 15)
        if birth > today.replace(year=today.year - age):
            birth = dt.date(today.year - age - 1, 1, 15)
        return ResidentFactory(
            name=name,
            national_id=make_national_id(birth=birth, sex=sex),
            institution=self.inst,
            region=self.village,
            household=self.household if household else None,
            relation=relation or "",
        )

    def policy(self, **values):
        """The county's own policy for this year (and so the rules the services read)."""
        setting, _ = PolicySetting.objects.update_or_create(
            region=self.county,
            year=timezone.localdate().year,
            defaults={"allowed_terms": [1, 2, 3], **values},
        )
        return setting


@pytest.fixture
def world(db):
    return World()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def sign_kwargs(world, **over):
    kw = dict(
        actor=world.user,
        resident=world.single,
        team=world.team,
        doctor=world.doctor,
        packages=[world.basic],
        channel="clinic",
        consent_mode="handwritten",
        signature_png=PNG,
    )
    kw.update(over)
    return kw
