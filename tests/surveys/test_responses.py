import datetime as dt

import pytest
from django.utils import timezone

from jiayi.core.errors import Forbidden
from jiayi.core.scope import scope_for
from jiayi.surveys import queries as q
from jiayi.surveys import services as s
from jiayi.surveys.errors import (
    AlreadyAnswered,
    AnswerInvalid,
    AnswerMissing,
    NoContract,
    QuestionnaireInactive,
)
from jiayi.surveys.models import FlagKind, QcFlag, ResponseChannel

from .conftest import GOOD

pytestmark = pytest.mark.django_db


def _answer(sw, user, contract=None, **over):
    return s.survey_response_submit(
        actor=user, questionnaire=sw.qn, contract=contract, answers={**GOOD, **over}
    )


def test_online_response_is_stored_with_contract_team_and_satisfaction(sw):
    contract = sw.sign()
    user = sw.resident_user(sw.single)
    r = _answer(sw, user, suggestion="  希望多上门  ")
    assert r.channel == ResponseChannel.ONLINE and r.contract == contract
    assert r.team == sw.team and r.institution == sw.inst and r.is_satisfied is True
    assert r.answers.get(question__code="suggestion").value == "希望多上门"
    assert r.answers.count() == 7


def test_missing_required_answer_is_refused(sw):
    sw.sign()
    user = sw.resident_user(sw.single)
    answers = dict(GOOD)
    del answers["attitude"]
    with pytest.raises(AnswerMissing) as exc:
        s.survey_response_submit(actor=user, questionnaire=sw.qn, answers=answers)
    assert exc.value.details["field"] == "attitude"
    with pytest.raises(AnswerMissing):
        _answer(sw, user, overall="   ")


@pytest.mark.parametrize("code,value", [("overall", "6"), ("timeliness", "never"), ("knows_signed", "maybe")])
def test_bad_option_is_refused(sw, code, value):
    sw.sign()
    with pytest.raises(AnswerInvalid) as exc:
        _answer(sw, sw.resident_user(sw.single), **{code: value})
    assert exc.value.details["field"] == code


def test_unknown_question_and_overlong_text_are_refused(sw):
    sw.sign()
    user = sw.resident_user(sw.single)
    with pytest.raises(AnswerInvalid):
        _answer(sw, user, nonsense="1")
    with pytest.raises(AnswerInvalid):
        _answer(sw, user, suggestion="长" * 1001)


def test_one_online_answer_per_contract_and_year(sw):
    sw.sign()
    user = sw.resident_user(sw.single)
    _answer(sw, user)
    with pytest.raises(AlreadyAnswered):
        _answer(sw, user)


def test_resident_answers_only_about_own_contract(sw):
    other = sw.sign(sw.son)
    user = sw.resident_user(sw.single)
    with pytest.raises(NoContract):
        _answer(sw, user)  # no contract of their own
    sw.sign()
    with pytest.raises(NoContract):
        _answer(sw, user, contract=other)


def test_staff_cannot_answer_online_and_inactive_questionnaire_refused(sw):
    sw.sign()
    with pytest.raises(Forbidden):
        _answer(sw, sw.user)
    sw.qn.is_active = False
    sw.qn.save()
    with pytest.raises(QuestionnaireInactive):
        _answer(sw, sw.resident_user(sw.single))


def test_denial_raises_a_quality_flag_at_once(sw):
    contract = sw.sign()
    r = _answer(sw, sw.resident_user(sw.single), knows_signed="no")
    assert r.denies_signing
    flag = QcFlag.objects.get(kind=FlagKind.DENIED)
    assert flag.contract == contract and flag.institution == sw.inst and flag.details["answer"] == "否"


def test_satisfaction_arithmetic(sw):
    """4 rated responses at inst (3 satisfied) → 75.0 %; inst2 1 of 2 → 50.0 %; county 4 of 6."""
    people = [sw.single, sw.son, sw.grandpa, sw.boy]
    for i, (resident, overall) in enumerate(zip(people, ["5", "4", "4", "3"], strict=True)):
        sw.sign(resident)
        _answer(sw, sw.resident_user(resident, f"u{i}"), overall=overall)
    for i, overall in enumerate(["5", "2"]):
        res = sw.new_resident(f"二院居民{i}", sw.inst2)
        sw.sign(res, team=sw.team2, doctor=sw.doctor3)
        _answer(sw, sw.resident_user(res, f"v{i}"), overall=overall)
    today = timezone.localdate()
    start, end = today.replace(month=1, day=1), today
    inst = q.satisfaction_rate(sw.commission, institution=sw.inst, start=start, end=end)
    assert (inst.responses, inst.satisfied, str(inst.rate)) == (4, 3, "75.0")
    assert inst.below_target
    team2 = q.satisfaction_rate(sw.commission, team=sw.team2, start=start, end=end)
    assert str(team2.rate) == "50.0"
    region = q.satisfaction_rate(scope_for(sw.commission), region=sw.county, start=start, end=end)
    assert (region.responses, region.satisfied, str(region.rate)) == (6, 4, "66.7")
    # The institution admin sees only its own responses, whatever it asks for.
    own = q.satisfaction_rate(sw.admin, start=start, end=end)
    assert own.responses == 4
    assert q.satisfaction_rate(sw.admin, institution=sw.inst2, start=start, end=end).responses == 0
    # Out of the period: nothing.
    before = q.satisfaction_rate(
        sw.commission, start=start - dt.timedelta(days=30), end=start - dt.timedelta(days=1)
    )
    assert before.responses == 0 and before.rate is None
    rows = {r.name: r.value for r in q.satisfaction_table(sw.commission, group="team", start=start, end=end)}
    assert str(rows["王医生团队"].rate) == "75.0" and str(rows["赵医生团队"].rate) == "50.0"
    inst_rows = q.satisfaction_table(sw.commission, group="institution", start=start, end=end)
    assert sorted(r.value.responses for r in inst_rows) == [2, 4]
