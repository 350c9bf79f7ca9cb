"""The demo's optional-app rows: referrals in every state, slot pools, survey answers, a callback
sample and quality-control flags."""

import io
import math
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from jiayi.contracts.models import Contract
from jiayi.core.models import AuditEvent, User
from jiayi.demo import extras, reset_district, seed
from jiayi.referrals.filters import ReferralFilter
from jiayi.referrals.models import Referral, ReferralEvent, Slot, SlotPool
from jiayi.referrals.queries import referrals_for, waiting_for_team
from jiayi.surveys.models import (
    Answer,
    CallbackSample,
    CallbackTask,
    FlagKind,
    QcFlag,
    ResponseChannel,
    SurveyResponse,
    TaskStatus,
)
from jiayi.surveys.queries import satisfaction_rate, satisfaction_table
from jiayi.surveys.services import satisfaction_of

SCALE = 0.004


@pytest.fixture
def district(db):
    call_command("demo", scale=SCALE, stdout=io.StringIO())


def _state() -> tuple:
    return (
        Referral.objects.count(),
        ReferralEvent.objects.count(),
        SlotPool.objects.count(),
        Slot.objects.filter(referral__isnull=False).count(),
        SurveyResponse.objects.count(),
        Answer.objects.count(),
        CallbackSample.objects.count(),
        CallbackTask.objects.count(),
        QcFlag.objects.count(),
    )


@pytest.mark.django_db
def test_referrals_in_every_state_with_their_history(district):
    states = Counter(Referral.objects.values_list("direction", "status"))
    for key in [
        ("up", "requested"),
        ("up", "accepted"),
        ("up", "scheduled"),
        ("up", "completed"),
        ("up", "rejected"),
        ("up", "cancelled"),
        ("down", "requested"),
        ("down", "returned"),
    ]:
        assert states[key] >= 1, key
    assert 20 <= Referral.objects.count() <= 40
    assert not Referral.objects.filter(status__in=["rejected", "cancelled"], close_reason="").exists()
    now = timezone.now()
    for r in Referral.objects.prefetch_related("events"):
        events = list(r.events.all())
        assert events[0].action == "request" and events[0].at == r.requested_at
        assert [e.at for e in events] == sorted(e.at for e in events) and events[-1].at <= now
        assert events[-1].to_status == r.status
        assert r.via_family_doctor and r.contract_id
    # A down-referral follows its up-referral back to the team of the resident's contract.
    for down in Referral.objects.filter(direction="down").select_related("up_referral", "contract"):
        assert down.up_referral.status in ("accepted", "completed")
        assert down.to_team_id == down.contract.team_id == down.up_referral.from_team_id
        assert down.requested_at >= down.up_referral.completed_at
    assert AuditEvent.objects.filter(action="referral_request").count() == Referral.objects.count()
    assert Referral.objects.filter(direction="up").values("from_team").distinct().count() >= 4


@pytest.mark.django_db
def test_scheduled_referrals_hold_reserved_future_slots(district):
    pools = SlotPool.objects.filter(hospital__code=seed.LEAD_HOSPITAL)
    today = timezone.localdate()
    assert pools.count() >= 10
    assert all(today < p.date <= today + timezone.timedelta(days=14) for p in pools)
    assert all(p.reserved_count >= 1 for p in pools)
    assert AuditEvent.objects.filter(action="slotpool_publish").count() == pools.count()
    for r in Referral.objects.filter(status="scheduled"):
        slot = r.slot
        assert slot.reserved and slot.starts_at > timezone.now()
        assert slot.pool.department == r.department and slot.pool.hospital_id == r.to_institution_id
        assert r.appointment_at == slot.starts_at and slot.booked_at == r.scheduled_at
    # A cancelled booking gave its slot back, and its appointment with it.
    assert not Slot.objects.filter(referral__status="cancelled").exists()
    cancelled_after_booking = Referral.objects.filter(status="cancelled", events__action="schedule")
    assert cancelled_after_booking.exists()
    assert not cancelled_after_booking.filter(appointment_at__isnull=False).exists()


@pytest.mark.django_db
def test_workbench_and_desk_see_waiting_referrals(district):
    yisheng = User.objects.get(username="yisheng")
    waiting = list(waiting_for_team(yisheng, team_id=yisheng.team_id))
    assert 2 <= len(waiting) <= 3
    assert {r.direction for r in waiting} == {"up", "down"}
    desk = User.objects.get(username="zhuanzhen")
    incoming = referrals_for(desk, ReferralFilter(box="in"))
    assert incoming.filter(status="requested").count() >= 3
    assert incoming.exclude(to_institution=desk.institution).count() == 0
    mine = referrals_for(yisheng, ReferralFilter(box="out"))
    assert set(mine.values_list("status", flat=True)) >= {"requested", "scheduled", "rejected", "cancelled"}


@pytest.mark.django_db
def test_survey_responses_and_satisfaction(district):
    online = SurveyResponse.objects.filter(channel=ResponseChannel.ONLINE)
    assert online.count() >= 50
    # At most one online answer per contract a year, from residents with a contract in force.
    assert not online.values("contract").annotate(n=Count("pk")).filter(n__gt=1).exists()
    year_start = timezone.localdate().replace(month=1, day=1)
    assert not online.filter(answered_at__date__lt=year_start).exists()
    assert not online.filter(answered_at__gt=timezone.now()).exists()
    for r in online.prefetch_related("answers", "questionnaire__questions")[:40]:
        questions = list(r.questionnaire.questions.all())
        values = {a.question_id: a.value for a in r.answers.all()}
        assert len(values) >= len(questions) - 1  # only the suggestion is optional
        assert r.is_satisfied == satisfaction_of(questions, values)
        assert r.team_id == r.contract.team_id and r.county_code == seed.COUNTY6
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    overall = satisfaction_rate(admin, start=year_start, end=today)
    assert 85 <= overall.rate <= 95
    teams = satisfaction_table(admin, group="team", start=year_start, end=today)
    low = [row for row in teams if row.value.responses >= 3 and row.value.below_target]
    assert low, "a weaker team"
    # The demo resident answered for a family member, and can still answer for themselves.
    jumin = User.objects.get(username="jumin")
    assert SurveyResponse.objects.filter(submitted_by=jumin).exclude(resident=jumin.resident).count() == 1
    assert not SurveyResponse.objects.filter(resident=jumin.resident).exists()


@pytest.mark.django_db
def test_callback_sample_and_quality_flags(district):
    sample = CallbackSample.objects.get()
    year_start = timezone.localdate().replace(month=1, day=1)
    population = Contract.objects.in_force().filter(agreement__signed_on__gte=year_start).count()
    assert sample.population_size == population
    assert sample.size == math.ceil(population * 0.02) == sample.tasks.count()
    tasks = Counter(sample.tasks.values_list("status", flat=True))
    assert (
        tasks[TaskStatus.DONE] >= 1 and tasks[TaskStatus.DONE] + tasks[TaskStatus.UNREACHABLE] < sample.size
    )
    for task in sample.tasks.filter(status=TaskStatus.DONE).select_related("response"):
        assert (
            task.response.channel == ResponseChannel.CALLBACK
            and task.response.contract_id == task.contract_id
        )
        assert task.response.answered_at >= sample.created_at
    flags = Counter(QcFlag.objects.values_list("kind", flat=True))
    denials = SurveyResponse.objects.filter(denies_signing=True).count()
    assert denials >= 1 and flags[FlagKind.DENIED] == denials
    assert sum(flags.values()) > denials
    assert AuditEvent.objects.filter(action="qc_run").count() == 1
    resolved = QcFlag.objects.exclude(status="open")
    assert set(resolved.values_list("status", flat=True)) == {"confirmed", "dismissed"}
    assert all(f.outcome_note and f.resolved_by.username == "wjw" for f in resolved)


@pytest.mark.django_db
def test_second_run_adds_nothing_and_reset_removes_everything(district):
    before = _state()
    out = io.StringIO()
    call_command("demo", scale=SCALE, stdout=out)
    assert "已存在" in out.getvalue() and _state() == before
    today = timezone.localdate()
    assert extras.referrals(seed_value=2024, today=today) == 0
    assert extras.survey_responses(seed_value=2024, today=today) == 0
    assert _state() == before
    reset_district()
    assert _state() == (0,) * len(before)
    assert not Slot.objects.exists()


@pytest.mark.django_db
def test_extras_are_deterministic_for_the_seed(district):
    def fingerprint():
        return (
            sorted(
                Referral.objects.values_list(
                    "resident__id_index", "direction", "status", "department", "to_institution__code"
                )
            ),
            sorted(
                SurveyResponse.objects.filter(channel=ResponseChannel.ONLINE).values_list(
                    "resident__id_index", "is_satisfied", "denies_signing"
                )
            ),
            sorted(CallbackTask.objects.values_list("resident__id_index", "status")),
        )

    first = fingerprint()
    call_command("demo", scale=SCALE, reset=True, stdout=io.StringIO())
    assert fingerprint() == first
    assert Referral.objects.filter(Q(status="scheduled") & Q(slot__isnull=True)).count() == 0
