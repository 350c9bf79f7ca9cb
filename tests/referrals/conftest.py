import datetime as dt

import pytest
from django.utils import timezone

from jiayi.contracts.models import Agreement, Contract
from jiayi.core.models import Role
from jiayi.registry.models import InstitutionKind, InstitutionLevel, MedicalAlliance
from jiayi.teams.models import TeamMembership, TeamRole
from tests.factories import (
    InstitutionFactory,
    PractitionerFactory,
    ResidentFactory,
    TeamFactory,
    UserFactory,
    county,
    township,
    village,
)

PASSWORD = "pass-word-123"


class World:
    """A county with a township centre (two teams), a second centre, a district (secondary)
    hospital in the centre's alliance, a city (tertiary) hospital, residents and logins."""

    def __init__(self, code6="500114", name="黔江区"):
        self.county = county(code6, name)
        self.township = township(self.county)
        self.village = village(self.township)
        self.alliance = MedicalAlliance.objects.create(
            name=f"{name}医共体", kind="county", region=self.county
        )
        self.centre = InstitutionFactory(
            region=self.township, kind=InstitutionKind.THC, name="城西卫生院", alliance=self.alliance
        )
        self.centre2 = InstitutionFactory(region=self.township, kind=InstitutionKind.THC, name="城东卫生院")
        self.hospital = InstitutionFactory(
            region=self.county,
            kind=InstitutionKind.SECONDARY_HOSPITAL,
            level=InstitutionLevel.SECONDARY,
            name="区人民医院",
            alliance=self.alliance,
        )
        self.city_hospital = InstitutionFactory(
            region=self.county,
            kind=InstitutionKind.TERTIARY_HOSPITAL,
            level=InstitutionLevel.TERTIARY,
            name="市中心医院",
        )
        self.doctor = PractitionerFactory(institution=self.centre, name="王医生")
        self.team = TeamFactory(institution=self.centre, leader=self.doctor, name="王医生团队")
        TeamMembership.objects.create(team=self.team, practitioner=self.doctor, role=TeamRole.LEADER)
        self.doctor2 = PractitionerFactory(institution=self.centre2, name="赵医生")
        self.team2 = TeamFactory(institution=self.centre2, leader=self.doctor2, name="赵医生团队")
        self.doc = UserFactory(
            username=f"doc{code6}", role=Role.TEAM_LEADER, team=self.team, display_name="王医生"
        )
        self.doctor.user = self.doc
        self.doctor.save()
        self.doc2 = UserFactory(username=f"doc2{code6}", role=Role.DOCTOR, team=self.team2)
        self.nurse = UserFactory(username=f"nurse{code6}", role=Role.TEAM_MEMBER, team=self.team)
        self.desk = UserFactory(
            username=f"desk{code6}",
            role=Role.REFERRAL_DESK,
            institution=self.hospital,
            display_name="转诊专窗",
        )
        self.city_desk = UserFactory(
            username=f"citydesk{code6}", role=Role.REFERRAL_DESK, institution=self.city_hospital
        )
        self.centre_admin = UserFactory(
            username=f"centre{code6}", role=Role.INSTITUTION_ADMIN, institution=self.centre
        )
        self.commission = UserFactory(username=f"wjw{code6}", role=Role.COMMISSION, region=self.county)
        self.signed = ResidentFactory(
            name="李大爷", institution=self.centre, region=self.village, team=self.team
        )
        self.unsigned = ResidentFactory(name="张三", institution=self.centre, region=self.village)
        self.contract = self.sign(self.signed)

    def sign(self, resident, team=None, doctor=None):
        team, doctor = team or self.team, doctor or self.doctor
        today = timezone.localdate()
        agreement = Agreement.objects.create(
            kind="individual",
            institution=team.institution,
            team=team,
            doctor=doctor,
            party=resident,
            channel="clinic",
            signed_on=today,
            consent_mode="online",
        )
        return Contract.objects.create(
            agreement=agreement,
            resident=resident,
            institution=team.institution,
            team=team,
            doctor=doctor,
            status="active",
            start=today,
            end=today + dt.timedelta(days=364),
        )


@pytest.fixture
def world(db):
    return World()


def future_date(days=10) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)
