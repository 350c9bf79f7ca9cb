"""Reads of the surveys app, always scoped: responses, satisfaction rates, callbacks, QC flags.

Satisfaction rate (R-EVA-6) = satisfied responses ÷ responses with a satisfaction answer, over the
responses answered in [start, end] (local dates, inclusive). A response is satisfied when every
counting question it answers has a "satisfied" answer; for the preset questionnaire that is the
overall question answered 4 or 5 of 5 (see presets.py and services.satisfaction_of).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from jiayi.care.models import ServiceRecord
from jiayi.contracts.models import IN_FORCE, Contract
from jiayi.core.errors import Forbidden
from jiayi.core.permissions import require_perm
from jiayi.core.scope import NONE, Scope
from jiayi.teams.queries import doctor_capacity

from .models import (
    CallbackSample,
    CallbackTask,
    FlagKind,
    QcFlag,
    Questionnaire,
    SurveyResponse,
)

# National target for satisfaction (seed 004); Zhoucun asks 95 %. Rows below it are highlighted.
SATISFACTION_TARGET = Decimal("85")


def _scoped(qs, user_or_scope):
    """`visible_to` for a User, or the same filter for a Scope (callers such as dashboards hold one)."""
    if isinstance(user_or_scope, Scope):
        if user_or_scope.sees_all:
            return qs
        if user_or_scope.kind == NONE:
            return qs.none()
        q = qs.scope_filter(user_or_scope)
        return qs.filter(q) if q is not None else qs.none()
    return qs.visible_to(user_or_scope)


def _period(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    satisfied: int

    @property
    def rate(self) -> Decimal | None:
        """Percent with one decimal, or None when nobody answered."""
        if not self.responses:
            return None
        return (Decimal(self.satisfied) * 100 / Decimal(self.responses)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    @property
    def below_target(self) -> bool:
        return self.rate is not None and self.rate < SATISFACTION_TARGET


def _rated(user_or_scope, start, end):
    lo, hi = _period(start, end)
    return _scoped(SurveyResponse.objects.all(), user_or_scope).filter(
        answered_at__gte=lo, answered_at__lt=hi, is_satisfied__isnull=False
    )


_COUNTS = {"responses": Count("pk"), "satisfied": Count("pk", filter=Q(is_satisfied=True))}


def satisfaction_rate(
    user_or_scope, *, institution=None, team=None, region=None, start: dt.date, end: dt.date
) -> Satisfaction:
    """Satisfaction of a team, an institution (with its stations) or a region, within the caller's scope."""
    qs = _rated(user_or_scope, start, end)
    if team is not None:
        qs = qs.filter(team_id=getattr(team, "pk", team))
    if institution is not None:
        ids = institution.descendant_ids() if hasattr(institution, "descendant_ids") else {institution}
        qs = qs.filter(institution_id__in=ids)
    if region is not None:
        qs = qs.filter(region_code__startswith=region.prefix)
    row = qs.aggregate(**_COUNTS)
    return Satisfaction(row["responses"], row["satisfied"])


@dataclass(frozen=True)
class SatisfactionRow:
    pk: int
    name: str
    institution_name: str
    value: Satisfaction


def satisfaction_table(user, *, group: str, start: dt.date, end: dt.date, institution=None):
    """One row per team or per institution: one grouped query."""
    qs = _rated(user, start, end)
    if institution is not None:
        qs = qs.filter(institution_id__in=institution.descendant_ids())
    if group == "team":
        fields = ("team_id", "team__name", "institution__name")
    else:
        fields = ("institution_id", "institution__name", "institution__name")
    rows = qs.order_by().values(*fields).annotate(**_COUNTS).order_by(fields[2], fields[1])
    return [
        SatisfactionRow(
            r[fields[0]], r[fields[1]], r[fields[2]], Satisfaction(r["responses"], r["satisfied"])
        )
        for r in rows
    ]


# --- questionnaires and responses ---------------------------------------------------------------------


def questionnaires(active_only: bool = False):
    qs = Questionnaire.objects.annotate(n_questions=Count("questions"))
    return qs.filter(is_active=True) if active_only else qs


def questionnaire_get(pk) -> Questionnaire:
    from jiayi.core.errors import NotFound

    found = Questionnaire.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound()
    return found


def responses_for(user):
    require_perm(user, "surveys.view_responses")
    return SurveyResponse.objects.visible_to(user).select_related(
        "questionnaire", "resident", "team", "institution", "interviewer"
    )


def response_get(user, pk) -> SurveyResponse:
    """Staff within scope, or the resident who answered."""
    return SurveyResponse.objects.select_related(
        "questionnaire", "resident", "team", "institution"
    ).get_visible(user, pk=pk)


def response_answers(response: SurveyResponse) -> list[tuple]:
    """(question, label of the answer or None) for every question, in order."""
    answers = {a.question_id: a.value for a in response.answers.all()}
    return [
        (q, q.label_of(answers[q.pk]) if q.pk in answers else None)
        for q in response.questionnaire.questions.all()
    ]


def own_responses(user, limit: int = 20):
    """A resident's own answers (their household's, for a head)."""
    return SurveyResponse.objects.visible_to(user).select_related("questionnaire", "resident")[:limit]


def own_contracts(user):
    """The contracts in force a resident may answer about (their own; a head's household too)."""
    return (
        Contract.objects.visible_to(user)
        .filter(status__in=IN_FORCE)
        .select_related("resident", "team", "doctor")
        .order_by("pk")
    )


# --- callbacks -------------------------------------------------------------------------------------------


def require_callbacks(user) -> None:
    require_perm(user, "surveys.callback")


def samples_for(user):
    require_callbacks(user)
    return CallbackSample.objects.visible_to(user).select_related(
        "questionnaire", "institution", "team", "created_by"
    )


def sample_get(user, pk) -> CallbackSample:
    return samples_for(user).get_visible(user, pk=pk)


def sample_progress(sample: CallbackSample) -> dict[str, int]:
    return dict(sample.tasks.order_by().values_list("status").annotate(n=Count("pk")))


def tasks_for(user):
    require_callbacks(user)
    return CallbackTask.objects.visible_to(user).select_related(
        "sample", "resident", "team", "institution", "contract", "contract__doctor", "interviewer"
    )


def task_get(user, pk) -> CallbackTask:
    return tasks_for(user).get_visible(user, pk=pk)


# --- quality-control flags ------------------------------------------------------------------------------


def flags_for(user):
    require_perm(user, "surveys.quality")
    return QcFlag.objects.visible_to(user).select_related(
        "institution", "team", "practitioner", "contract", "resolved_by"
    )


def flag_get(user, pk) -> QcFlag:
    return flags_for(user).get_visible(user, pk=pk)


def flag_counts(user) -> dict[str, int]:
    """Open flags per kind, for the tabs of the QC screen."""
    return dict(flags_for(user).filter(status="open").order_by().values_list("kind").annotate(n=Count("pk")))


@dataclass
class Evidence:
    records: list
    records_title: str = ""
    response: SurveyResponse | None = None
    answers: list | None = None
    capacity: object | None = None


def flag_evidence(user, flag: QcFlag) -> Evidence:
    """What a checker needs to judge a flag: the contract's last services, the day's records of the
    practitioner, the answers that denied signing, or the doctor's capacity."""
    if flag.kind == FlagKind.UNSERVED and flag.contract_id:
        records = list(
            ServiceRecord.objects.filter(contract_id=flag.contract_id)
            .select_related("item", "practitioner")
            .order_by("-performed_on", "-pk")[:10]
        )
        return Evidence(records=records, records_title="contract")
    if flag.kind == FlagKind.RATE and flag.practitioner_id:
        day = dt.date.fromisoformat(flag.details["day"])
        records = list(
            ServiceRecord.objects.filter(practitioner_id=flag.practitioner_id, performed_on=day)
            .select_related("item", "resident")
            .order_by("pk")[:200]
        )
        return Evidence(records=records, records_title="day")
    if flag.kind == FlagKind.DENIED:
        response = SurveyResponse.objects.filter(pk=flag.details.get("response_id")).first()
        return Evidence(
            records=[], response=response, answers=response_answers(response) if response else None
        )
    if flag.kind == FlagKind.CAPACITY and flag.practitioner_id:
        return Evidence(records=[], capacity=doctor_capacity(flag.practitioner))
    return Evidence(records=[])


def require_quality(user) -> None:
    if user is None:
        raise Forbidden()
    require_perm(user, "surveys.quality")
