"""Demo satisfaction data: online answers from signed residents, one callback sample worked through
by the commission, then one run of the quality-control detectors.

Residents answer online from their own phones; the demo has one resident login (`jumin`), so the
other online answers are written in bulk, checked by the service's own rules (`validate_answers`,
`satisfaction_of`, the questions' denial answers) exactly as `survey_response_submit` would, with
one audit event for the load. `jumin` answers for a household member through the service and
keeps their own contract unanswered, so the demo can show a resident filling in the form. The
callback sample and its answers go through the services with the commission login.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.audit import record_write
from jiayi.core.models import User
from jiayi.surveys import services as ss
from jiayi.surveys.models import (
    Answer,
    CallbackSample,
    CallbackTask,
    FlagKind,
    FlagStatus,
    QcFlag,
    Questionnaire,
    ResponseChannel,
    SurveyResponse,
)
from jiayi.surveys.presets import SATISFACTION_CODE, load_survey_presets
from jiayi.surveys.quality import qc_run

from . import seed

ONLINE_SHARE = 0.07  # of contracts in force answer online during the year
LOW_SHARE = 0.09  # residents of the weaker teams complain more, and answer more often
UNSATISFIED = 0.06
LOW_UNSATISFIED = 0.28
DENIALS = 0.008  # "I never signed": rare, and in the weaker teams
CALLBACK_PERCENT = Decimal("2")
CALLBACK_DONE, CALLBACK_UNREACHABLE = 0.6, 0.1

PRAISE = [
    "医生很负责，每次随访都很耐心。",
    "上门服务很方便，感谢家庭医生团队。",
    "希望能增加周末的门诊时间。",
    "量血压、查血糖很及时，希望继续保持。",
    "希望多开展健康讲座。",
    "医生电话随叫随到，很放心。",
]
COMPLAINTS = [
    "签约后很少有人联系，希望能定期随访。",
    "打电话经常找不到医生。",
    "服务包里的项目没有全部做到。",
    "希望上门服务能多一些，老人行动不方便。",
    "取药要跑好几趟，希望能开长期处方。",
]
DENIAL_NOTES = ["我不记得签过约，也没有医生联系过我。", "没有签过协议，不知道家庭医生是谁。"]
UNREACHABLE_NOTES = ["连续3次拨打无人接听", "电话号码为空号", "家属接听，本人外出务工无法联系"]


def _weighted(rng, table: list[tuple[str, float]]) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights=weights)[0]


def answers_for(rng, *, satisfied: bool, denies: bool = False) -> dict[str, str]:
    """One resident's answers to the preset questionnaire, consistent with their verdict."""
    if denies:
        return {
            "knows_signed": "no",
            "knows_doctor": "no",
            "attitude": _weighted(rng, [("3", 5), ("2", 3)]),
            "timeliness": _weighted(rng, [("rarely", 6), ("sometimes", 2)]),
            "package": _weighted(rng, [("unknown", 6), ("none", 4)]),
            "overall": _weighted(rng, [("3", 4), ("2", 4), ("1", 2)]),
            "suggestion": rng.choice(DENIAL_NOTES),
        }
    if satisfied:
        a = {
            "knows_signed": "yes",
            "knows_doctor": _weighted(rng, [("yes", 92), ("no", 8)]),
            "attitude": _weighted(rng, [("5", 60), ("4", 36), ("3", 4)]),
            "timeliness": _weighted(rng, [("always", 52), ("mostly", 42), ("sometimes", 6)]),
            "package": _weighted(rng, [("all", 58), ("most", 32), ("unknown", 10)]),
            "overall": _weighted(rng, [("5", 55), ("4", 45)]),
        }
        if rng.random() < 0.2:
            a["suggestion"] = rng.choice(PRAISE)
        return a
    a = {
        "knows_signed": "yes",
        "knows_doctor": _weighted(rng, [("yes", 60), ("no", 40)]),
        "attitude": _weighted(rng, [("4", 20), ("3", 50), ("2", 25), ("1", 5)]),
        "timeliness": _weighted(rng, [("mostly", 15), ("sometimes", 50), ("rarely", 35)]),
        "package": _weighted(rng, [("most", 20), ("few", 40), ("none", 15), ("unknown", 25)]),
        "overall": _weighted(rng, [("3", 70), ("2", 25), ("1", 5)]),
    }
    if rng.random() < 0.5:
        a["suggestion"] = rng.choice(COMPLAINTS)
    return a


def build_surveys(*, seed_value: int, today: dt.date) -> int:
    """Online answers, a callback sample and a QC run; nothing when the county already has answers."""
    if SurveyResponse.objects.filter(county_code=seed.COUNTY6).exists():
        return 0
    load_survey_presets()
    qn = Questionnaire.objects.filter(code=SATISFACTION_CODE, is_active=True).order_by("-version").first()
    users = {u.username: u for u in User.objects.filter(username__in=["jumin", "wjw"])}
    if qn is None:
        return 0
    rng = random.Random(f"{seed_value}:surveys")
    with transaction.atomic():
        n = online_responses(rng, qn, today, exclude_household=_household_of(users.get("jumin")))
        if "jumin" in users:
            n += jumin_answers_for_member(rng, qn, users["jumin"], today)
        if "wjw" in users:
            n += callback_sample(rng, qn, users["wjw"], today, seed_value)
        qc_run(today=today, county=seed.COUNTY6)
        if "wjw" in users:
            check_flags(users["wjw"])
    return n


def check_flags(wjw: User) -> None:
    """The commission has already looked into two flags: one denial confirmed, one gap explained."""
    denied = QcFlag.objects.filter(county_code=seed.COUNTY6, kind=FlagKind.DENIED).order_by("pk").first()
    if denied is not None:
        ss.qc_flag_resolve(
            actor=wjw,
            flag=denied,
            status=FlagStatus.CONFIRMED,
            note="电话核实：居民称签约时未被告知服务内容，已责成团队重新履行知情同意并补签协议。",
        )
    unserved = QcFlag.objects.filter(county_code=seed.COUNTY6, kind=FlagKind.UNSERVED).order_by("pk").first()
    if unserved is not None:
        ss.qc_flag_resolve(
            actor=wjw,
            flag=unserved,
            status=FlagStatus.DISMISSED,
            note="居民长期在外务工，团队已按月电话随访，属实情况，予以排除。",
        )


def _household_of(user: User | None) -> int | None:
    return user.resident.household_id if user is not None and user.resident_id else None


def _low_teams(rng, by_team: dict[int, list]) -> set[int]:
    """A couple of teams whose residents are less satisfied (one in a small district); never the
    demo doctor's team."""
    own = User.objects.filter(username="yisheng").values_list("team_id", flat=True).first()
    # Among the larger teams, so that their rate rests on enough answers to mean something.
    sizes = sorted(((len(cs), t) for t, cs in by_team.items() if t != own), reverse=True)
    eligible = sorted(t for n, t in sizes[: max(3, len(sizes) // 5)] if n >= 20)
    k = 2 if len(by_team) >= 12 else 1
    return set(rng.sample(eligible, min(k, len(eligible))))


def _answered_at(rng, contract: Contract, today: dt.date) -> dt.datetime | None:
    """A moment this year, after the contract had run a few weeks, up to today."""
    lo = max(dt.date(today.year, 1, 6), contract.start + dt.timedelta(days=14))
    if lo > today:
        return None
    day = lo + dt.timedelta(days=rng.randint(0, (today - lo).days))
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0))) + dt.timedelta(
        minutes=rng.randint(0, 13 * 60)
    )
    return min(at, timezone.now() - dt.timedelta(minutes=10))


def online_responses(rng, qn: Questionnaire, today: dt.date, *, exclude_household: int | None) -> int:
    questions = list(qn.questions.order_by("order"))
    contracts = (
        Contract.objects.filter(county_code=seed.COUNTY6, status=ContractStatus.ACTIVE)
        .select_related("resident")
        .order_by("pk")
    )
    if exclude_household:
        contracts = contracts.exclude(resident__household_id=exclude_household)
    by_team: dict[int, list] = {}
    for c in contracts:
        by_team.setdefault(c.team_id, []).append(c)
    low = _low_teams(rng, by_team)
    picked = []  # (contract, low team?)
    for team_id in sorted(by_team):
        cs = by_team[team_id]
        share = LOW_SHARE if team_id in low else ONLINE_SHARE
        k = max(1, round(len(cs) * share))
        picked += [(c, team_id in low) for c in rng.sample(cs, min(k, len(cs)))]
    # Exact shares of unhappy residents, so the district lands near 90 % at any scale.
    verdicts = {}
    for is_low in (False, True):
        group = [c for c, lo in picked if lo == is_low]
        bad = set(
            rng.sample(range(len(group)), round(len(group) * (LOW_UNSATISFIED if is_low else UNSATISFIED)))
        )
        for i, c in enumerate(group):
            verdicts[c.pk] = i not in bad
    unhappy_low = [c.pk for c, lo in picked if lo and not verdicts[c.pk]]
    deniers = set(rng.sample(unhappy_low, min(len(unhappy_low), max(1, round(len(picked) * DENIALS)))))
    responses, answer_sets = [], []
    for c, _lo in picked:
        at = _answered_at(rng, c, today)
        if at is None:
            continue
        values = ss.validate_answers(
            questions, answers_for(rng, satisfied=verdicts[c.pk], denies=c.pk in deniers)
        )
        responses.append(
            SurveyResponse(
                questionnaire=qn,
                resident=c.resident,
                contract=c,
                team_id=c.team_id,
                institution_id=c.institution_id,
                channel=ResponseChannel.ONLINE,
                answered_at=at,
                is_satisfied=ss.satisfaction_of(questions, values),
                denies_signing=any(
                    q.pk in values and values[q.pk] in (q.denial_values or []) for q in questions
                ),
                county_code=c.resident.county_code,
                region_code=c.resident.region_code,
            )
        )
        answer_sets.append(values)
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    Answer.objects.bulk_create(
        [
            Answer(response=r, question_id=qid, value=v)
            for r, values in zip(responses, answer_sets, strict=True)
            for qid, v in values.items()
        ],
        batch_size=2000,
    )
    record_write(
        actor=None,
        action="demo_survey_load",
        object_type="surveys.surveyresponse",
        object_repr="演示数据：满意度调查线上答卷",
        county_code=seed.COUNTY6,
        after={"responses": len(responses), "questionnaire": qn.pk},
    )
    return len(responses)


def jumin_answers_for_member(rng, qn: Questionnaire, jumin: User, today: dt.date) -> int:
    """The demo resident, a household head, has answered for a family member through the service."""
    member = (
        Contract.objects.visible_to(jumin)
        .filter(status=ContractStatus.ACTIVE)
        .exclude(resident_id=jumin.resident_id)
        .order_by("pk")
        .first()
    )
    at = _answered_at(rng, member, today) if member else None
    if at is None:
        return 0
    ss.survey_response_submit(
        actor=jumin,
        questionnaire=qn,
        contract=member,
        answers=answers_for(rng, satisfied=True),
        answered_at=at,
    )
    return 1


def callback_sample(rng, qn: Questionnaire, wjw: User, today: dt.date, seed_value: int) -> int:
    """2 % of this year's new contracts, drawn by the commission a week ago and partly worked."""
    if CallbackSample.objects.filter(region_code__startswith=seed.COUNTY6).exists():
        return 0
    from jiayi.surveys.errors import EmptyPopulation

    try:
        sample = ss.callback_sample_draw(
            actor=wjw,
            title=f"{today.year}年新签约居民电话回访（2%）",
            questionnaire=qn,
            share_percent=CALLBACK_PERCENT,
            signed_from=dt.date(today.year, 1, 1),
            signed_to=today,
            seed=seed_value,
        )
    except EmptyPopulation:
        return 0
    now = timezone.localtime()
    drawn = timezone.make_aware(dt.datetime.combine(now.date() - dt.timedelta(days=7), dt.time(9, 10)))
    CallbackSample.objects.filter(pk=sample.pk).update(created_at=drawn)
    tasks = list(CallbackTask.objects.filter(sample=sample).select_related("resident").order_by("pk"))
    rng.shuffle(tasks)
    # Residents with a phone on record are reached; those without one cannot be called at all.
    reachable = [t for t in tasks if t.resident.phone_masked]
    silent = [t for t in tasks if not t.resident.phone_masked]
    n_done = round(len(tasks) * CALLBACK_DONE)
    n_unreachable = max(1, round(len(tasks) * CALLBACK_UNREACHABLE)) if len(tasks) > 2 else 0
    to_answer, rest = reachable[:n_done], reachable[n_done:]
    no_phone = silent[:n_unreachable]
    no_answer = rest[: n_unreachable - len(no_phone)]
    for task in no_phone:
        ss.callback_task_mark_unreachable(actor=wjw, task=task, note="未登记联系电话")
    for task in no_answer:
        ss.callback_task_reveal_phone(actor=wjw, task=task)
        ss.callback_task_mark_unreachable(actor=wjw, task=task, note=rng.choice(UNREACHABLE_NOTES))
    for task in to_answer:
        ss.callback_task_reveal_phone(actor=wjw, task=task)
        day = drawn.date() + dt.timedelta(days=rng.randint(0, 7))
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
        at = min(at + dt.timedelta(minutes=rng.randint(0, 8 * 60)), now - dt.timedelta(minutes=10))
        ss.survey_response_submit(
            actor=wjw,
            questionnaire=qn,
            task=task,
            answers=answers_for(rng, satisfied=rng.random() > 0.1),
            answered_at=at,
        )
    done = len(to_answer)
    return done
