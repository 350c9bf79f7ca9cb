import datetime as dt

import pytest
from django.utils import timezone

from jiayi.catalog.models import ServiceItem
from jiayi.contracts import services as cs
from jiayi.contracts.models import Agreement, Contract
from jiayi.core.models import Role
from jiayi.surveys.models import Questionnaire
from jiayi.surveys.presets import SATISFACTION_CODE, load_survey_presets
from tests.contracts.conftest import World, sign_kwargs
from tests.factories import InstitutionFactory, PractitionerFactory, ResidentFactory, TeamFactory, UserFactory

GOOD = {
    "knows_signed": "yes",
    "knows_doctor": "yes",
    "attitude": "5",
    "timeliness": "always",
    "package": "all",
    "overall": "5",
}


class SurveyWorld(World):
    """The contracts world plus the preset questionnaire, QC users and a second institution."""

    def __init__(self):
        super().__init__()
        load_survey_presets()
        self.qn = Questionnaire.objects.get(code=SATISFACTION_CODE, version=1)
        self.commission = UserFactory(username="wjw", role=Role.COMMISSION, region=self.county)
        self.item = ServiceItem.objects.create(code="FOLLOW_UP", name="随访", category="health_management")
        # Another institution in the same county, with its own admin and team.
        self.inst2 = InstitutionFactory(region=self.township, name="第二卫生院")
        self.doctor3 = PractitionerFactory(institution=self.inst2, name="赵医生")
        self.team2 = TeamFactory(institution=self.inst2, leader=self.doctor3, name="赵医生团队")
        from jiayi.teams.models import TeamMembership, TeamRole

        TeamMembership.objects.create(team=self.team2, practitioner=self.doctor3, role=TeamRole.LEADER)
        self.admin2 = UserFactory(username="inst2", role=Role.INSTITUTION_ADMIN, institution=self.inst2)

    def sign(self, resident=None, *, start=None, team=None, doctor=None, actor=None):
        """Sign today; a past `start` is then written straight to the rows (signing refuses it)."""
        kw = sign_kwargs(self, resident=resident or self.single)
        if team is not None:
            kw.update(team=team, doctor=doctor, actor=actor or self.admin2)
        contract = cs.contract_sign(**kw).contracts[0]
        if start is not None:
            Contract.objects.filter(pk=contract.pk).update(start=start, end=start + dt.timedelta(days=364))
            Agreement.objects.filter(pk=contract.agreement_id).update(signed_on=start)
            contract.refresh_from_db()
        return contract

    def new_resident(self, name, inst=None):
        inst = inst or self.inst
        return ResidentFactory(name=name, institution=inst, region=self.village)

    def resident_user(self, resident, username=None):
        return UserFactory(username=username or f"r{resident.pk}", role=Role.RESIDENT, resident=resident)


@pytest.fixture
def sw(db):
    return SurveyWorld()


def days_ago(n):
    return timezone.localdate() - dt.timedelta(days=n)
