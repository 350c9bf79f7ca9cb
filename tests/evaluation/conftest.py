import pytest

from jiayi.contracts import services as cs
from jiayi.core.models import Role
from tests.contracts.conftest import PNG, World
from tests.factories import UserFactory


class EvalWorld(World):
    """The contracts World (a township centre, two teams, the Li household) plus monitoring users."""

    def __init__(self):
        super().__init__()
        self.policy(signing_window_start="01-01", signing_window_end="12-31", renewal_reminder_days=400)
        self.commission = UserFactory(username="wjw", role=Role.COMMISSION, region=self.county)
        self.finance = UserFactory(username="cz", role=Role.FINANCE, region=self.county)
        self.sysadmin = UserFactory(username="sys", role=Role.SYSADMIN)

    def sign(self, resident, *, team=None, doctor=None, packages=None, **kw):
        team = team or self.team
        doctor = doctor or (self.doctor if team == self.team else self.doctor2)
        result = cs.contract_sign(
            actor=self.admin, resident=resident, team=team, doctor=doctor, packages=packages or [self.basic],
            channel="clinic", consent_mode="handwritten", signature_png=PNG, **kw,
        )  # fmt: skip
        return result.contracts[0]


@pytest.fixture
def ew(db):
    return EvalWorld()
