import datetime as dt

import pytest

from jiayi.care.errors import IllegalTransition
from jiayi.care.homecare import homebed_admit, homebed_discharge, homebed_visit
from jiayi.care.models import BedStatus, ServiceChannel
from jiayi.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def _admit(cw, resident=None, **kw):
    args = dict(
        actor=cw.user, resident=resident or cw.grandpa, practitioner=cw.doctor, diagnosis="脑卒中后遗症"
    )
    args.update(kw)
    return homebed_admit(**args)


def test_lifecycle(cw):
    c = cw.sign(cw.grandpa)
    bed = _admit(cw)
    assert bed.status == BedStatus.ADMITTED and bed.contract_id == c.pk and bed.team_id == cw.team.pk
    result = homebed_visit(
        actor=cw.user,
        bed=bed,
        item=cw.home_visit,
        practitioner=cw.doctor,
        notes="查床",
        measurements={"sbp": 150, "dbp": 90},
    )
    assert result.record.channel == ServiceChannel.HOME_VISIT
    assert bed.visits.get().record_id == result.record.pk
    bed = homebed_discharge(actor=cw.user, bed=bed, summary="病情稳定，撤床")
    assert bed.status == BedStatus.DISCHARGED and bed.discharged_on == cw.today
    # A new bed may be opened after discharge.
    assert _admit(cw).status == BedStatus.ADMITTED


def test_illegal_transitions_refused(cw):
    cw.sign(cw.grandpa)
    bed = _admit(cw)
    with pytest.raises(IllegalTransition):
        _admit(cw)  # a second open bed
    homebed_discharge(actor=cw.user, bed=bed, summary="撤床")
    with pytest.raises(IllegalTransition):
        homebed_discharge(actor=cw.user, bed=bed, summary="再次撤床")
    with pytest.raises(IllegalTransition):
        homebed_visit(actor=cw.user, bed=bed, item=cw.home_visit, practitioner=cw.doctor)


def test_validation(cw):
    with pytest.raises(ValidationFailed):
        _admit(cw, diagnosis=" ")
    with pytest.raises(ValidationFailed):
        _admit(cw, admitted_on=cw.today + dt.timedelta(days=1))
    bed = _admit(cw, admitted_on=cw.today - dt.timedelta(days=5))
    with pytest.raises(ValidationFailed):
        homebed_discharge(actor=cw.user, bed=bed, summary="")
    with pytest.raises(ValidationFailed):
        homebed_discharge(actor=cw.user, bed=bed, summary="x", discharged_on=cw.today - dt.timedelta(days=6))
    with pytest.raises(ValidationFailed):
        homebed_visit(
            actor=cw.user,
            bed=bed,
            item=cw.home_visit,
            practitioner=cw.doctor,
            performed_on=cw.today - dt.timedelta(days=6),
        )


def test_other_team_not_found(cw):
    cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    with pytest.raises(NotFound):
        _admit(cw, resident=cw.son)
