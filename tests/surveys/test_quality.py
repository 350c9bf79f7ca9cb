import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayi.care.models import ServiceRecord
from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.surveys import quality
from jiayi.surveys import queries as q
from jiayi.surveys import services as s
from jiayi.surveys.errors import FlagClosed
from jiayi.surveys.models import FlagKind, FlagStatus, QcFlag

from .conftest import GOOD, days_ago

pytestmark = pytest.mark.django_db


def _record(sw, contract, on, practitioner=None, status="valid"):
    return ServiceRecord.objects.create(
        resident=contract.resident,
        contract=contract,
        item=sw.item,
        performed_on=on,
        institution=sw.inst,
        channel="face_to_face",
        practitioner=practitioner or sw.doctor,
        team=contract.team,
        status=status,
    )


def test_months_before_clips_the_day():
    assert quality.months_before(dt.date(2024, 8, 31), 6) == dt.date(2024, 2, 29)
    assert quality.months_before(dt.date(2024, 3, 15), 6) == dt.date(2023, 9, 15)


def test_unserved_positive_and_negative(sw):
    today = timezone.localdate()
    unserved = sw.sign(sw.single, start=days_ago(220))
    _record(sw, unserved, days_ago(210))  # served once, long ago
    _record(sw, unserved, days_ago(10), status="void")  # a voided record does not count
    served = sw.sign(sw.son, start=days_ago(220))
    _record(sw, served, days_ago(30))
    sw.sign(sw.grandpa, start=days_ago(20))  # too new to judge
    assert quality.detect_unserved(today) == 1
    flag = QcFlag.objects.get(kind=FlagKind.UNSERVED)
    assert flag.contract == unserved and flag.details["last_service_on"] == days_ago(210).isoformat()
    assert flag.region_code == sw.inst.region_code and flag.county_code == sw.inst.county_code
    # A new service and a new gap later is a new situation: a new key.
    _record(sw, unserved, days_ago(200))
    assert quality.detect_unserved(today) == 1
    assert QcFlag.objects.filter(kind=FlagKind.UNSERVED).count() == 2


def test_denied_detector_positive_and_negative(sw):
    sw.sign(sw.single)
    sw.sign(sw.son)
    r1 = s.survey_response_submit(actor=sw.resident_user(sw.single), questionnaire=sw.qn, answers=GOOD)
    QcFlag.objects.all().delete()
    r2 = s.survey_response_submit(
        actor=sw.resident_user(sw.son), questionnaire=sw.qn, answers={**GOOD, "knows_signed": "no"}
    )
    QcFlag.objects.all().delete()  # the detector finds it even if the submit-time flag was missed
    assert quality.detect_denied(timezone.localdate()) == 1
    flag = QcFlag.objects.get()
    assert flag.details["response_id"] == r2.pk and r1.pk != r2.pk


def test_rate_positive_and_negative(sw, settings):
    settings.JIAYI_QC_MAX_RECORDS_PER_DAY = 5
    c = sw.sign(sw.single, start=days_ago(30))
    for _ in range(6):
        _record(sw, c, days_ago(2))
    for _ in range(5):
        _record(sw, c, days_ago(3), practitioner=sw.doctor2)  # at the limit: fine
    for _ in range(9):
        _record(sw, c, days_ago(20))  # outside the look-back window
    assert quality.detect_rates(timezone.localdate()) == 1
    flag = QcFlag.objects.get(kind=FlagKind.RATE)
    assert flag.practitioner == sw.doctor and flag.details["records"] == 6
    ev = q.flag_evidence(sw.commission, flag)
    assert len(ev.records) == 6


def test_over_capacity_positive_and_negative(sw):
    sw.sign(sw.single)
    sw.sign(sw.son)
    assert quality.detect_over_capacity(timezone.localdate()) == 0
    sw.policy(capacity_per_doctor=1)
    assert quality.detect_over_capacity(timezone.localdate()) == 1
    flag = QcFlag.objects.get(kind=FlagKind.CAPACITY)
    assert flag.practitioner == sw.doctor and flag.details["used"] == 2 and flag.details["limit"] == 1


def test_qc_command_is_idempotent(sw, settings):
    settings.JIAYI_QC_MAX_RECORDS_PER_DAY = 1
    c = sw.sign(sw.single, start=days_ago(220))
    _record(sw, c, days_ago(1))
    _record(sw, c, days_ago(1))
    sw.sign(sw.son, start=days_ago(220))
    out = StringIO()
    call_command("qc", stdout=out)
    assert "unserved=1" in out.getvalue() and "improbable_rate=1" in out.getvalue()
    first = QcFlag.objects.count()
    out = StringIO()
    call_command("qc", "--date", timezone.localdate().isoformat(), stdout=out)
    assert QcFlag.objects.count() == first == 2
    assert "unserved=0" in out.getvalue()
    # A dismissed flag is not raised again either.
    flag = QcFlag.objects.get(kind=FlagKind.UNSERVED)
    s.qc_flag_resolve(actor=sw.commission, flag=flag, status=FlagStatus.DISMISSED, note="已电话核实有服务")
    call_command("qc", stdout=StringIO())
    assert QcFlag.objects.count() == 2


def test_working_a_flag_and_its_scope(sw):
    sw.sign(sw.single, start=days_ago(220))
    quality.detect_unserved(timezone.localdate())
    flag = QcFlag.objects.get()
    with pytest.raises(ValidationFailed):
        s.qc_flag_resolve(actor=sw.admin, flag=flag, status=FlagStatus.CONFIRMED, note="")
    with pytest.raises(ValidationFailed):
        s.qc_flag_resolve(actor=sw.admin, flag=flag, status="open", note="x")
    with pytest.raises(Forbidden):
        s.qc_flag_resolve(actor=sw.user, flag=flag, status=FlagStatus.CONFIRMED, note="x")
    with pytest.raises(NotFound):  # another institution's admin
        s.qc_flag_resolve(actor=sw.admin2, flag=flag, status=FlagStatus.CONFIRMED, note="x")
    with pytest.raises(NotFound):
        q.flag_get(sw.admin2, flag.pk)
    assert list(q.flags_for(sw.admin)) == [flag] and q.flags_for(sw.admin2).count() == 0
    s.qc_flag_resolve(actor=sw.admin, flag=flag, status=FlagStatus.CONFIRMED, note="确认未履约，已约谈")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED and flag.resolved_by == sw.admin and flag.resolved_at
    with pytest.raises(FlagClosed):
        s.qc_flag_resolve(actor=sw.admin, flag=flag, status=FlagStatus.DISMISSED, note="改")
