"""One filter per list, shared by the page (built from request.GET) and the API (Query[...])."""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.utils import timezone
from ninja import FilterLookup, FilterSchema
from pydantic import ValidationError


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


class ResponseFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["resident__name__icontains"])] = None
    questionnaire: Annotated[int | None, FilterLookup("questionnaire_id")] = None
    channel: str | None = None
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    team: Annotated[int | None, FilterLookup("team_id")] = None
    satisfied: Annotated[bool | None, FilterLookup("is_satisfied")] = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def filter_date_from(self, value):
        return Q(answered_at__gte=_day_start(value)) if value else Q()

    def filter_date_to(self, value):
        return Q(answered_at__lt=_day_start(value + dt.timedelta(days=1))) if value else Q()


class SampleFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["title__icontains"])] = None
    institution: Annotated[int | None, FilterLookup("institution_id")] = None


class TaskFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["resident__name__icontains"])] = None
    sample: Annotated[int | None, FilterLookup("sample_id")] = None
    status: str | None = None
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    team: Annotated[int | None, FilterLookup("team_id")] = None


class FlagFilter(FilterSchema):
    q: Annotated[
        str | None,
        FilterLookup(
            ["contract__resident__name__icontains", "practitioner__name__icontains", "team__name__icontains"]
        ),
    ] = None
    kind: str | None = None
    status: str | None = "open"
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    date_from: Annotated[dt.date | None, FilterLookup("detected_on__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("detected_on__lte")] = None


def from_get(schema: type[FilterSchema], params) -> tuple[FilterSchema, list[str]]:
    """Build a filter from a query string. Empty means "any" ("all" for a field with a default);
    a malformed value is dropped and reported instead of failing the page."""
    data = {k: params.get(k) for k in schema.model_fields if params.get(k, "") != ""}
    for k, v in list(data.items()):
        if v == "all":
            data[k] = None
    try:
        return schema(**data), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return schema(**{k: v for k, v in data.items() if k not in bad}), sorted(bad)
