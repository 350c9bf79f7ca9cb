"""A care world: the contracts World, catalogue items, the doctor's login linked to a practitioner,
and two signed residents (one of another team, for scope tests)."""

import datetime as dt

import pytest

from jiayi.care.contact import contact_plan_sync
from jiayi.catalog.models import PackageItem, ServiceItem
from jiayi.contracts import services as s
from jiayi.contracts.models import Agreement
from tests.contracts.conftest import World, sign_kwargs


class CareWorld(World):
    def __init__(self):
        super().__init__()
        self.follow_up = ServiceItem.objects.create(
            code="FOLLOW_UP", name="随访", category="health_management"
        )
        self.home_visit = ServiceItem.objects.create(
            code="HOME_VISIT", name="上门服务", category="health_management"
        )
        self.assess_item = ServiceItem.objects.create(
            code="ANNUAL_ASSESSMENT", name="年度健康评估", category="health_management"
        )
        PackageItem.objects.create(package=self.basic, item=self.follow_up, quantity=4)
        PackageItem.objects.create(package=self.basic, item=self.assess_item, quantity=1)
        self.doctor.user = self.user
        self.doctor.save()
        self.user.refresh_from_db()

    def sign(self, resident, *, days_ago=0, team=None, doctor=None):
        """Sign `resident`; `days_ago` back-dates the signing so that the contact plan falls due."""
        start = self.today - dt.timedelta(days=days_ago)
        kw = sign_kwargs(self, resident=resident)
        if team is not None:
            kw.update(team=team, doctor=doctor, actor=self.admin)
        contract = s.contract_sign(**kw).contracts[0]
        if days_ago:
            Agreement.objects.filter(pk=contract.agreement_id).update(signed_on=start)
            contact_plan_sync(resident.pk)
        return contract


@pytest.fixture
def cw(db):
    return CareWorld()
