from decimal import Decimal

import pytest

from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import AccessEvent, AuditEvent
from jiayi.surveys import services as s
from jiayi.surveys.errors import EmptyPopulation, TaskClosed
from jiayi.surveys.models import CallbackTask, ResponseChannel, TaskStatus

from .conftest import GOOD, days_ago

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "population,share,expected",
    [(120, "2", 3), (1000, "2", 20), (1001, "2", 21), (10, "2", 1), (50, "100", 50), (0, "2", 0)],
)
def test_sample_size_rounds_a_share_up(population, share, expected):
    assert s.sample_size(population, share_percent=Decimal(share)) == expected


def test_sample_size_by_count_is_capped_by_population():
    assert s.sample_size(30, count=5) == 5
    assert s.sample_size(3, count=5) == 3


def test_draw_is_reproducible_and_of_the_asked_size():
    ids = list(range(1, 1001))
    a = s.draw(ids, 42, 20)
    assert a == s.draw(list(reversed(ids)), 42, 20)  # the order ids arrive in does not matter
    assert len(a) == len(set(a)) == 20 and set(a) <= set(ids)
    assert a != s.draw(ids, 43, 20)


def _population(sw, n=5):
    contracts = [sw.sign(sw.single), sw.sign(sw.son), sw.sign(sw.grandpa)]
    for i in range(n - 3):
        contracts.append(sw.sign(sw.new_resident(f"甲{i}")))
    return contracts


def test_sample_draw_creates_tasks_reproducibly(sw):
    contracts = _population(sw, 6)
    a = s.callback_sample_draw(actor=sw.commission, title="2%回访", questionnaire=sw.qn, count=3, seed=7)
    b = s.callback_sample_draw(actor=sw.commission, title="再抽", questionnaire=sw.qn, count=3, seed=7)
    ids_a = sorted(a.tasks.values_list("contract_id", flat=True))
    assert ids_a == sorted(b.tasks.values_list("contract_id", flat=True))
    assert a.size == 3 and a.population_size == 6 and a.population_digest == b.population_digest
    assert ids_a == s.draw([c.pk for c in contracts], 7, 3)
    assert a.region_code == sw.county.prefix
    assert AuditEvent.objects.filter(action="callback_sample_draw", object_id=str(a.pk)).exists()
    task = a.tasks.first()
    assert task.institution == sw.inst and task.status == TaskStatus.PENDING


def test_sample_by_share_and_signed_range(sw):
    _population(sw, 4)
    old = sw.sign(sw.new_resident("老签约"), start=days_ago(200))
    sample = s.callback_sample_draw(
        actor=sw.commission,
        title="新签约",
        questionnaire=sw.qn,
        share_percent=Decimal("2"),
        signed_from=days_ago(30),
        signed_to=days_ago(0),
    )
    assert sample.population_size == 4 and sample.size == 1  # 2 % of 4 = 0.08 → 1
    assert not sample.tasks.filter(contract=old).exists()


def test_sample_rejections(sw):
    with pytest.raises(EmptyPopulation):
        s.callback_sample_draw(actor=sw.commission, title="空", questionnaire=sw.qn, count=1)
    sw.sign()
    with pytest.raises(ValidationFailed):
        s.callback_sample_draw(
            actor=sw.commission, title="两者", questionnaire=sw.qn, count=1, share_percent=Decimal(2)
        )
    with pytest.raises(ValidationFailed):
        s.callback_sample_draw(
            actor=sw.commission, title="比例", questionnaire=sw.qn, share_percent=Decimal(0)
        )
    with pytest.raises(ValidationFailed):
        s.callback_sample_draw(actor=sw.commission, title=" ", questionnaire=sw.qn, count=1)
    with pytest.raises(Forbidden):
        s.callback_sample_draw(actor=sw.user, title="医生", questionnaire=sw.qn, count=1)
    with pytest.raises(NotFound):  # another institution's team is out of the admin's scope
        s.callback_sample_draw(actor=sw.admin2, title="越权", questionnaire=sw.qn, count=1, team=sw.team)


def test_institution_admin_samples_only_own_contracts(sw):
    _population(sw, 3)
    res = sw.new_resident("二院", sw.inst2)
    mine = sw.sign(res, team=sw.team2, doctor=sw.doctor3)
    sample = s.callback_sample_draw(
        actor=sw.admin2, title="本院", questionnaire=sw.qn, share_percent=Decimal(50)
    )
    assert sample.population_size == 1 and list(sample.tasks.values_list("contract_id", flat=True)) == [
        mine.pk
    ]
    assert sample.institution == sw.inst2


def _task(sw):
    _population(sw, 3)
    sample = s.callback_sample_draw(actor=sw.commission, title="回访", questionnaire=sw.qn, count=1, seed=1)
    return sample.tasks.get()


def test_reveal_phone_records_access_and_attempt(sw):
    task = _task(sw)
    phone = s.callback_task_reveal_phone(actor=sw.commission, task=task)
    assert phone == task.resident.phone and len(phone) == 11
    assert AccessEvent.objects.filter(field="phone", object_id=str(task.resident_id)).count() == 1
    task.refresh_from_db()
    assert task.attempts == 1 and task.interviewer == sw.commission
    with pytest.raises(Forbidden):
        s.callback_task_reveal_phone(actor=sw.user, task=task)
    with pytest.raises(NotFound):
        s.callback_task_reveal_phone(actor=sw.admin2, task=task)


def test_callback_answers_close_the_task(sw):
    task = _task(sw)
    r = s.survey_response_submit(actor=sw.commission, questionnaire=sw.qn, task=task, answers=GOOD)
    assert (
        r.channel == ResponseChannel.CALLBACK
        and r.interviewer == sw.commission
        and r.contract == task.contract
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.response == r and task.completed_at
    with pytest.raises(TaskClosed):
        s.survey_response_submit(actor=sw.commission, questionnaire=sw.qn, task=task, answers=GOOD)
    with pytest.raises(TaskClosed):
        s.callback_task_mark_unreachable(actor=sw.commission, task=task, note="空号")


def test_unreachable_needs_a_note(sw):
    task = _task(sw)
    with pytest.raises(ValidationFailed):
        s.callback_task_mark_unreachable(actor=sw.commission, task=task, note=" ")
    s.callback_task_mark_unreachable(actor=sw.commission, task=task, note="三次无人接听")
    assert CallbackTask.objects.get(pk=task.pk).status == TaskStatus.UNREACHABLE


def test_bad_callback_answers_leave_the_task_open(sw):
    task = _task(sw)
    with pytest.raises(ValidationFailed):
        s.survey_response_submit(
            actor=sw.commission, questionnaire=sw.qn, task=task, answers={**GOOD, "overall": ""}
        )
    assert CallbackTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
