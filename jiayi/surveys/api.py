"""REST API of the surveys app, mounted at /api/surveys/. Thin: parse, call a query or a service."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from jiayi.contracts.models import Contract
from jiayi.core.permissions import require_perm
from jiayi.registry.models import Institution
from jiayi.teams.models import Team

from . import queries, services
from .filters import FlagFilter, ResponseFilter, SampleFilter, TaskFilter

router = Router(tags=["surveys"])


class QuestionOut(Schema):
    id: int
    order: int
    code: str
    text: str
    kind: str
    required: bool
    counts_for_satisfaction: bool
    satisfied_values: list[str]
    options: list[dict]

    @staticmethod
    def resolve_options(obj):
        return obj.choices()


class QuestionnaireOut(Schema):
    id: int
    code: str
    version: int
    title: str
    description: str
    is_active: bool


class QuestionnaireDetailOut(QuestionnaireOut):
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj):
        return list(obj.questions.order_by("order"))


class ResponseOut(Schema):
    id: int
    questionnaire_id: int
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    contract_id: int
    team_id: int
    institution_id: int
    channel: str
    answered_at: dt.datetime
    interviewer_id: int | None
    is_satisfied: bool | None
    denies_signing: bool


class AnswerOut(Schema):
    question: str
    value: str


class ResponseDetailOut(ResponseOut):
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj):
        return [{"question": q.code, "value": v} for q, v in queries.response_answers(obj) if v is not None]


class ResponseIn(Schema):
    questionnaire_id: int
    contract_id: int | None = None
    answers: dict[str, str]


class CallbackAnswersIn(Schema):
    answers: dict[str, str]


class NoteIn(Schema):
    note: str


class SatisfactionRowOut(Schema):
    id: int
    name: str
    institution_name: str
    responses: int
    satisfied: int
    rate: Decimal | None


class SatisfactionOut(Schema):
    start: dt.date
    end: dt.date
    group: str
    responses: int
    satisfied: int
    rate: Decimal | None
    rows: list[SatisfactionRowOut]


class SampleOut(Schema):
    id: int
    title: str
    questionnaire_id: int
    share_percent: Decimal | None
    requested_count: int | None
    institution_id: int | None
    team_id: int | None
    signed_from: dt.date | None
    signed_to: dt.date | None
    first_only: bool
    seed: int
    population_size: int
    population_digest: str
    size: int
    created_at: dt.datetime


class SampleIn(Schema):
    title: str
    questionnaire_id: int
    share_percent: Decimal | None = None
    count: int | None = None
    institution_id: int | None = None
    team_id: int | None = None
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None
    first_only: bool = False
    seed: int | None = None


class TaskOut(Schema):
    id: int
    sample_id: int
    contract_id: int
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    phone_masked: str = Field(..., alias="resident.phone_masked")
    team_id: int
    institution_id: int
    status: str
    attempts: int
    outcome_note: str
    response_id: int | None
    completed_at: dt.datetime | None


class PhoneOut(Schema):
    phone: str


class FlagOut(Schema):
    id: int
    kind: str
    subject_type: str
    contract_id: int | None
    practitioner_id: int | None
    team_id: int | None
    institution_id: int
    detected_on: dt.date
    details: dict
    status: str
    outcome_note: str
    resolved_by_id: int | None
    resolved_at: dt.datetime | None


class ResolveIn(Schema):
    status: str
    note: str


# --- questionnaires and responses -------------------------------------------------------------------


@router.get("/questionnaires", response=list[QuestionnaireOut])
def questionnaire_list(request, active: bool | None = None):
    qs = queries.questionnaires(active_only=bool(active))
    return qs.order_by("code", "-version")


@router.get("/questionnaires/{pk}", response=QuestionnaireDetailOut)
def questionnaire_get(request, pk: int):
    return queries.questionnaire_get(pk)


@router.get("/responses", response=list[ResponseOut])
@paginate(PageNumberPagination)
def response_list(request, filters: Query[ResponseFilter]):
    return filters.filter(queries.responses_for(request.auth))


def _response_detail(user, pk):
    return queries.response_get(user, pk)


@router.get("/responses/{pk}", response=ResponseDetailOut)
def response_get(request, pk: int):
    return _response_detail(request.auth, pk)


@router.post("/responses", response={201: ResponseDetailOut})
def response_submit(request, payload: ResponseIn):
    """A resident answers online for their own contract (or, as head, a household member's)."""
    user = request.auth
    qn = queries.questionnaire_get(payload.questionnaire_id)
    contract = None
    if payload.contract_id is not None:
        contract = Contract.objects.get_visible(user, pk=payload.contract_id)
    r = services.survey_response_submit(
        actor=user, questionnaire=qn, contract=contract, answers=payload.answers
    )
    return Status(201, _response_detail(user, r.pk))


@router.get("/satisfaction", response=SatisfactionOut)
def satisfaction(
    request,
    group: str = "team",
    start: dt.date | None = None,
    end: dt.date | None = None,
    institution: int | None = None,
):
    user = request.auth
    require_perm(user, "surveys.view_responses")
    today = timezone.localdate()
    start, end = start or today.replace(month=1, day=1), end or today
    inst = Institution.objects.get_visible(user, pk=institution) if institution else None
    group = "institution" if group == "institution" else "team"
    rows = queries.satisfaction_table(user, group=group, start=start, end=end, institution=inst)
    total = queries.satisfaction_rate(user, institution=inst, start=start, end=end)
    return {
        "start": start,
        "end": end,
        "group": group,
        "responses": total.responses,
        "satisfied": total.satisfied,
        "rate": total.rate,
        "rows": [
            {
                "id": r.pk,
                "name": r.name,
                "institution_name": r.institution_name,
                "responses": r.value.responses,
                "satisfied": r.value.satisfied,
                "rate": r.value.rate,
            }
            for r in rows
        ],
    }


# --- callbacks --------------------------------------------------------------------------------------


@router.get("/samples", response=list[SampleOut])
@paginate(PageNumberPagination)
def sample_list(request, filters: Query[SampleFilter]):
    return filters.filter(queries.samples_for(request.auth))


@router.get("/samples/{pk}", response=SampleOut)
def sample_get(request, pk: int):
    return queries.sample_get(request.auth, pk)


@router.post("/samples", response={201: SampleOut})
def sample_draw(request, payload: SampleIn):
    user = request.auth
    data = payload.dict()
    qn = queries.questionnaire_get(data.pop("questionnaire_id"))
    inst_id, team_id = data.pop("institution_id"), data.pop("team_id")
    sample = services.callback_sample_draw(
        actor=user,
        questionnaire=qn,
        institution=Institution.objects.get_visible(user, pk=inst_id) if inst_id else None,
        team=Team.objects.get_visible(user, pk=team_id) if team_id else None,
        **data,
    )
    return Status(201, sample)


@router.get("/tasks", response=list[TaskOut])
@paginate(PageNumberPagination)
def task_list(request, filters: Query[TaskFilter]):
    return filters.filter(queries.tasks_for(request.auth))


@router.get("/tasks/{pk}", response=TaskOut)
def task_get(request, pk: int):
    return queries.task_get(request.auth, pk)


@router.post("/tasks/{pk}/phone", response=PhoneOut)
def task_reveal_phone(request, pk: int):
    """The resident's whole phone number for the call; recorded as an access event."""
    task = queries.task_get(request.auth, pk)
    return {"phone": services.callback_task_reveal_phone(actor=request.auth, task=task)}


@router.post("/tasks/{pk}/complete", response=ResponseDetailOut)
def task_complete(request, pk: int, payload: CallbackAnswersIn):
    user = request.auth
    task = queries.task_get(user, pk)
    r = services.survey_response_submit(
        actor=user, questionnaire=task.sample.questionnaire, task=task, answers=payload.answers
    )
    return _response_detail(user, r.pk)


@router.post("/tasks/{pk}/unreachable", response=TaskOut)
def task_unreachable(request, pk: int, payload: NoteIn):
    task = queries.task_get(request.auth, pk)
    return services.callback_task_mark_unreachable(actor=request.auth, task=task, note=payload.note)


# --- quality control ----------------------------------------------------------------------------------


@router.get("/qc/flags", response=list[FlagOut])
@paginate(PageNumberPagination)
def flag_list(request, filters: Query[FlagFilter]):
    return filters.filter(queries.flags_for(request.auth))


@router.get("/qc/flags/{pk}", response=FlagOut)
def flag_get(request, pk: int):
    return queries.flag_get(request.auth, pk)


@router.post("/qc/flags/{pk}/resolve", response=FlagOut)
def flag_resolve(request, pk: int, payload: ResolveIn):
    flag = queries.flag_get(request.auth, pk)
    return services.qc_flag_resolve(actor=request.auth, flag=flag, status=payload.status, note=payload.note)
