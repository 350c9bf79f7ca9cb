import datetime as dt

import pytest

from jiayi.care import services as cs
from jiayi.care.errors import IllegalTransition, NotEligible
from jiayi.care.models import RxStatus
from jiayi.care.prescriptions import eligible_conditions, prescription_issue, prescription_stop
from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from jiayi.registry.models import KeyPopulationRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MEDS = [{"name": "氨氯地平片", "dose": "5mg", "frequency": "每日一次"}]


def _hypertensive(cw, resident):
    cs.risk_assess(
        actor=cw.user,
        resident=resident,
        condition="hypertension",
        colour="yellow",
        reason="血压控制欠佳",
        practitioner=cw.doctor,
    )


def _issue(cw, resident=None, **kw):
    args = dict(
        actor=cw.user,
        resident=resident or cw.single,
        practitioner=cw.doctor,
        condition="hypertension",
        medicines=MEDS,
        weeks=8,
    )
    args.update(kw)
    return prescription_issue(**args)


def test_issue_for_eligible_resident(cw):
    cw.sign(cw.single)
    _hypertensive(cw, cw.single)
    rx = _issue(cw)
    assert rx.status == RxStatus.ACTIVE and rx.weeks == 8
    assert rx.end == rx.start + dt.timedelta(days=55)
    assert rx.contract.resident_id == cw.single.pk and rx.team_id == cw.team.pk
    assert rx.medicines_text == "氨氯地平片 5mg 每日一次"
    assert AuditEvent.objects.filter(action="prescription_issue", object_id=str(rx.pk)).exists()


@pytest.mark.parametrize("weeks", [3, 13, 0])
def test_weeks_outside_policy_range_refused(cw, weeks):
    cw.sign(cw.single)
    _hypertensive(cw, cw.single)
    with pytest.raises(ValidationFailed) as exc:
        _issue(cw, weeks=weeks)
    assert exc.value.details["field"] == "weeks"


def test_policy_range_is_read_from_policy(cw):
    cw.sign(cw.single)
    _hypertensive(cw, cw.single)
    cw.policy(long_rx_min_weeks=2, long_rx_max_weeks=6)
    assert _issue(cw, weeks=2).weeks == 2
    with pytest.raises(ValidationFailed):
        _issue(cw, weeks=8)


def test_ineligible_without_condition_or_contract(cw):
    _hypertensive(cw, cw.single)
    with pytest.raises(NotEligible, match="签约"):
        _issue(cw)  # no contract in force
    cw.sign(cw.single)
    with pytest.raises(NotEligible, match="2型糖尿病"):
        _issue(cw, condition="diabetes")  # no record of diabetes
    with pytest.raises(ValidationFailed):
        _issue(cw, condition="flu")


def test_key_population_record_makes_eligible(cw):
    cw.sign(cw.single)
    KeyPopulationRecord.objects.create(
        resident=cw.single, kind="copd", valid_from=cw.today - dt.timedelta(days=30)
    )
    assert eligible_conditions(cw.single) == ["copd"]
    assert _issue(cw, condition="copd").condition == "copd"


def test_medicines_required_and_permission(cw):
    cw.sign(cw.single)
    _hypertensive(cw, cw.single)
    with pytest.raises(ValidationFailed):
        _issue(cw, medicines=[{"name": " "}])
    finance = UserFactory(username="fin", role=Role.FINANCE, region=cw.county)
    with pytest.raises(Forbidden):
        _issue(cw, actor=finance)


def test_other_team_resident_not_found(cw):
    cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    with pytest.raises(NotFound):
        _issue(cw, resident=cw.son)


def test_stop_once(cw):
    cw.sign(cw.single)
    _hypertensive(cw, cw.single)
    rx = _issue(cw)
    with pytest.raises(ValidationFailed):
        prescription_stop(actor=cw.user, prescription=rx, reason=" ")
    rx = prescription_stop(actor=cw.user, prescription=rx, reason="改为住院治疗")
    assert rx.status == RxStatus.STOPPED and rx.stopped_on == cw.today
    with pytest.raises(IllegalTransition):
        prescription_stop(actor=cw.user, prescription=rx, reason="again")
