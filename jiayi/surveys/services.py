"""Every write of the surveys app: responses, callback samples and tasks, quality-control outcomes.

Views, the API and commands call these; none re-implements a rule.
"""

import datetime as dt
import hashlib
import math
import random
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.contracts.models import IN_FORCE, Contract
from jiayi.core.audit import record_access, record_write, snapshot
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.core.scope import INSTITUTION, REGION
from jiayi.registry.models import Institution
from jiayi.teams.models import Team

from .errors import (
    AlreadyAnswered,
    AnswerInvalid,
    AnswerMissing,
    EmptyPopulation,
    FlagClosed,
    NoContract,
    QuestionnaireInactive,
    TaskClosed,
)
from .models import (
    Answer,
    CallbackSample,
    CallbackTask,
    FlagStatus,
    QcFlag,
    Question,
    QuestionKind,
    Questionnaire,
    ResponseChannel,
    SurveyResponse,
    TaskStatus,
)

MAX_TEXT = 1000

# --- responses -----------------------------------------------------------------------------------


def validate_answers(questions: list[Question], answers: dict[str, str]) -> dict[int, str]:
    """Answers by question code → by question id, each checked: required present, option valid."""
    by_code = {q.code: q for q in questions}
    unknown = sorted(set(answers) - set(by_code))
    if unknown:
        raise AnswerInvalid(
            _("问卷中没有题目：%(codes)s") % {"codes": "、".join(unknown)}, details={"field": unknown[0]}
        )
    out = {}
    for q in questions:
        raw = answers.get(q.code)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if q.required:
                raise AnswerMissing(
                    _("请回答第 %(n)s 题：%(text)s") % {"n": q.order, "text": q.text},
                    details={"field": q.code, "question": q.code},
                )
            continue
        if q.kind == QuestionKind.TEXT:
            if len(value) > MAX_TEXT:
                raise AnswerInvalid(
                    _("第 %(n)s 题的回答过长（最多 %(max)s 字）") % {"n": q.order, "max": MAX_TEXT},
                    details={"field": q.code, "question": q.code},
                )
        elif value not in {o["value"] for o in q.choices()}:
            raise AnswerInvalid(
                _("第 %(n)s 题的答案“%(v)s”不在可选范围内") % {"n": q.order, "v": value},
                details={"field": q.code, "question": q.code, "value": value},
            )
        out[q.pk] = value
    return out


def satisfaction_of(questions: list[Question], values: dict[int, str]) -> bool | None:
    """The satisfaction rule: satisfied when every answered question that counts toward satisfaction
    has a "satisfied" answer; None (left out of the rate) when no counting question was answered."""
    counting = [q for q in questions if q.counts_for_satisfaction and q.pk in values]
    if not counting:
        return None
    return all(values[q.pk] in (q.satisfied_values or []) for q in counting)


def _denies(questions: list[Question], values: dict[int, str]) -> bool:
    return any(q.pk in values and values[q.pk] in (q.denial_values or []) for q in questions)


def survey_response_submit(
    *,
    actor,
    questionnaire: Questionnaire,
    answers: dict[str, str],
    contract: Contract | None = None,
    task: CallbackTask | None = None,
    answered_at: dt.datetime | None = None,
) -> SurveyResponse:
    """A resident's online answers for their own contract, or an interviewer's callback answers for
    a task (which closes the task). Every required question and every option is checked."""
    with transaction.atomic():
        if task is not None:
            require_perm(actor, "surveys.callback")
            task = _lock_task(actor, task.pk)
            contract, channel, interviewer = task.contract, ResponseChannel.CALLBACK, actor
        else:
            require_perm(actor, "surveys.answer_online")
            channel, interviewer = ResponseChannel.ONLINE, None
            contract = _own_contract(actor, contract)
        if not questionnaire.is_active:
            raise QuestionnaireInactive()
        questions = list(questionnaire.questions.order_by("order"))
        values = validate_answers(questions, answers)
        now = answered_at or timezone.now()
        if channel == ResponseChannel.ONLINE:
            _check_not_answered(questionnaire, contract, now)
        response = SurveyResponse.objects.create(
            questionnaire=questionnaire,
            resident=contract.resident,
            contract=contract,
            team=contract.team,
            institution=contract.institution,
            channel=channel,
            answered_at=now,
            interviewer=interviewer,
            submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
            is_satisfied=satisfaction_of(questions, values),
            denies_signing=_denies(questions, values),
        )
        Answer.objects.bulk_create(
            [Answer(response=response, question_id=qid, value=v) for qid, v in values.items()]
        )
        record_write(actor=actor, action="survey_response_submit", obj=response, after=snapshot(response))
        if task is not None:
            before = snapshot(task)
            task.status, task.response, task.interviewer = TaskStatus.DONE, response, actor
            task.completed_at = now
            task.save(update_fields=["status", "response", "interviewer", "completed_at"])
            record_write(
                actor=actor, action="callback_task_done", obj=task, before=before, after=snapshot(task)
            )
        if response.denies_signing:
            from .quality import raise_denied_flag

            raise_denied_flag(response, timezone.localdate(now))
    return response


def _own_contract(actor, contract: Contract | None) -> Contract:
    """The contract in force the resident (or their household head) answers about."""
    contracts = Contract.objects.visible_to(actor).filter(status__in=IN_FORCE).select_related("resident")
    if contract is not None:
        found = contracts.filter(pk=contract.pk).first()
    else:
        # Without a choice, the resident's own contract (a household head may pick a member's).
        found = contracts.filter(resident_id=getattr(actor, "resident_id", None)).first()
    if found is None:
        raise NoContract()
    return found


def _check_not_answered(questionnaire, contract, now) -> None:
    year = timezone.localtime(now).year
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    if SurveyResponse.objects.filter(
        questionnaire=questionnaire,
        contract=contract,
        channel=ResponseChannel.ONLINE,
        answered_at__gte=start,
        answered_at__lt=start.replace(year=year + 1),
    ).exists():
        raise AlreadyAnswered()


# --- callback samples ------------------------------------------------------------------------------


def sample_size(population: int, *, share_percent: Decimal | None = None, count: int | None = None) -> int:
    """How many contracts to draw. A share is rounded up, so the sample is never below the share
    (2 % of 120 = 2.4 → 3; of 1,000 → 20); a count larger than the population takes it all."""
    if population <= 0:
        return 0
    if share_percent is not None:
        return min(population, math.ceil(Decimal(population) * Decimal(share_percent) / Decimal(100)))
    return min(population, int(count or 0))


def draw(ids: list[int], seed: int, k: int) -> list[int]:
    """The sample: `k` of the ids (sorted first), chosen by a PRNG seeded with `seed`. Pure, so a
    recorded seed and population reproduce the same sample anywhere."""
    return sorted(random.Random(seed).sample(sorted(ids), k))


def population_digest(ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


def sample_population(
    actor, *, institution=None, team=None, signed_from=None, signed_to=None, first_only=False
):
    """Contracts in force the actor may see, narrowed by the sample's filters ("new contracts":
    signed within the date range)."""
    qs = Contract.objects.visible_to(actor).filter(status__in=IN_FORCE)
    if institution is not None:
        qs = qs.filter(institution_id__in=institution.descendant_ids())
    if team is not None:
        qs = qs.filter(team=team)
    if signed_from is not None:
        qs = qs.filter(agreement__signed_on__gte=signed_from)
    if signed_to is not None:
        qs = qs.filter(agreement__signed_on__lte=signed_to)
    if first_only:
        qs = qs.filter(is_first=True)
    return qs


def callback_sample_draw(
    *,
    actor,
    title: str,
    questionnaire: Questionnaire,
    share_percent: Decimal | None = None,
    count: int | None = None,
    institution: Institution | None = None,
    team: Team | None = None,
    signed_from: dt.date | None = None,
    signed_to: dt.date | None = None,
    first_only: bool = False,
    seed: int | None = None,
) -> CallbackSample:
    """Draw a reproducible random sample of contracts and create one callback task per contract."""
    require_perm(actor, "surveys.callback_sample")
    _check_sample_args(title, share_percent, count, signed_from, signed_to)
    if institution is not None:
        institution = Institution.objects.get_visible(actor, pk=institution.pk)
    if team is not None:
        team = Team.objects.get_visible(actor, pk=team.pk)
    if not questionnaire.is_active:
        raise QuestionnaireInactive()
    seed = secrets.randbits(48) if seed is None else int(seed)
    with transaction.atomic():
        ids = list(
            sample_population(
                actor,
                institution=institution,
                team=team,
                signed_from=signed_from,
                signed_to=signed_to,
                first_only=first_only,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise EmptyPopulation()
        k = sample_size(len(ids), share_percent=share_percent, count=count)
        chosen = draw(ids, seed, k)
        scope = actor.scope
        if institution is None and scope.kind == INSTITUTION:
            institution = actor.institution
        region_code = (
            scope.region_prefix if scope.kind == REGION else (institution.region_code if institution else "")
        )
        sample = CallbackSample.objects.create(
            title=title.strip(),
            questionnaire=questionnaire,
            share_percent=share_percent,
            requested_count=count if share_percent is None else None,
            institution=institution,
            team=team,
            signed_from=signed_from,
            signed_to=signed_to,
            first_only=first_only,
            seed=seed,
            population_size=len(ids),
            population_digest=population_digest(ids),
            size=len(chosen),
            created_by=actor,
            region_code=region_code,
        )
        _create_tasks(sample, chosen)
        record_write(actor=actor, action="callback_sample_draw", obj=sample, after=snapshot(sample))
    return sample


def _check_sample_args(title, share_percent, count, signed_from, signed_to) -> None:
    if not (title or "").strip():
        raise ValidationFailed(_("请填写抽样名称"), details={"field": "title"})
    if (share_percent is None) == (count is None):
        raise ValidationFailed(_("请填写抽样比例或抽样数量（二选一）"), details={"field": "share_percent"})
    if share_percent is not None and not (Decimal(0) < Decimal(share_percent) <= Decimal(100)):
        raise ValidationFailed(_("抽样比例应在 0 到 100 之间"), details={"field": "share_percent"})
    if count is not None and int(count) < 1:
        raise ValidationFailed(_("抽样数量至少为 1"), details={"field": "count"})
    if signed_from and signed_to and signed_from > signed_to:
        raise ValidationFailed(_("签约日期起不能晚于止"), details={"field": "signed_to"})


def _create_tasks(sample: CallbackSample, contract_ids: list[int], batch: int = 1000) -> None:
    for i in range(0, len(contract_ids), batch):
        rows = list(
            Contract.objects.filter(pk__in=contract_ids[i : i + batch])
            .order_by("pk")
            .values_list("pk", "resident_id", "team_id", "institution_id", "institution__region_code")
        )
        CallbackTask.objects.bulk_create(
            CallbackTask(
                sample=sample,
                contract_id=pk,
                resident_id=resident_id,
                team_id=team_id,
                institution_id=inst_id,
                region_code=region_code,
            )
            for pk, resident_id, team_id, inst_id, region_code in rows
        )


# --- callback tasks --------------------------------------------------------------------------------


def _lock_task(actor, pk) -> CallbackTask:
    task = (
        CallbackTask.objects.visible_to(actor)
        .filter(pk=pk)
        .select_for_update(of=("self",))
        .select_related("contract", "contract__resident")
        .first()
    )
    if task is None:
        raise NotFound()
    if task.status != TaskStatus.PENDING:
        raise TaskClosed()
    return task


def callback_task_reveal_phone(*, actor, task: CallbackTask) -> str:
    """The resident's whole phone number for the call: an access event and one more attempt."""
    require_perm(actor, "surveys.callback")
    with transaction.atomic():
        task = _lock_task(actor, task.pk)
        before = snapshot(task, ["attempts", "interviewer"])
        task.attempts += 1
        task.interviewer = actor
        task.save(update_fields=["attempts", "interviewer"])
        record_access(actor=actor, obj=task.resident, field="phone")
        record_write(
            actor=actor,
            action="callback_task_dial",
            obj=task,
            before=before,
            after=snapshot(task, ["attempts", "interviewer"]),
        )
        return task.resident.phone


def callback_task_mark_unreachable(*, actor, task: CallbackTask, note: str) -> CallbackTask:
    require_perm(actor, "surveys.callback")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("请说明无法联系的情况（如空号、多次无人接听）"), details={"field": "note"})
    with transaction.atomic():
        task = _lock_task(actor, task.pk)
        before = snapshot(task)
        task.status, task.outcome_note, task.interviewer = TaskStatus.UNREACHABLE, note[:300], actor
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "outcome_note", "interviewer", "completed_at"])
        record_write(
            actor=actor, action="callback_task_unreachable", obj=task, before=before, after=snapshot(task)
        )
    return task


# --- quality-control flags -------------------------------------------------------------------------


def qc_flag_resolve(*, actor, flag: QcFlag, status: str, note: str) -> QcFlag:
    """Record the outcome of checking a flag: a confirmed problem or dismissed, with a note."""
    require_perm(actor, "surveys.quality")
    if status not in (FlagStatus.CONFIRMED, FlagStatus.DISMISSED):
        raise ValidationFailed(_("请选择核查结论"), details={"field": "status"})
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("请填写核查说明"), details={"field": "note"})
    with transaction.atomic():
        flag = QcFlag.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=flag.pk).first()
        if flag is None:
            raise NotFound()
        if flag.status != FlagStatus.OPEN:
            raise FlagClosed()
        before = snapshot(flag, ["status", "outcome_note", "resolved_by", "resolved_at"])
        flag.status, flag.outcome_note, flag.resolved_by = status, note[:300], actor
        flag.resolved_at = timezone.now()
        flag.save(update_fields=["status", "outcome_note", "resolved_by", "resolved_at"])
        record_write(
            actor=actor,
            action="qc_flag_resolve",
            obj=flag,
            before=before,
            after=snapshot(flag, ["status", "outcome_note", "resolved_by", "resolved_at"]),
        )
    return flag
