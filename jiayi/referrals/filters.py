"""One filter per list, shared by the page (built from request.GET) and the API (Query[...])."""

import datetime as dt
from typing import Annotated, Literal

from django.db.models import Q
from ninja import FilterLookup, FilterSchema
from pydantic import ValidationError


class ReferralFilter(FilterSchema):
    q: Annotated[
        str | None, FilterLookup(["resident__name__icontains", "reason__icontains", "department__icontains"])
    ] = None
    # "in" / "out": the user's receiving or sending side (applied in queries.referrals_for).
    box: Literal["in", "out"] | None = None
    status: str | None = None
    direction: Literal["up", "down"] | None = None
    department: Annotated[str | None, FilterLookup("department__icontains")] = None
    urgency: str | None = None
    via_family_doctor: bool | None = None
    date_from: Annotated[dt.date | None, FilterLookup("requested_at__date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("requested_at__date__lte")] = None
    resident: Annotated[int | None, FilterLookup("resident_id")] = None

    def filter_box(self, value) -> Q:
        return Q()

    def filter_status(self, value: str | None) -> Q:
        if not value:
            return Q()
        if value == "open":
            return Q(status__in=["requested", "accepted", "scheduled"])
        return Q(status=value)


class SlotPoolFilter(FilterSchema):
    department: Annotated[str | None, FilterLookup("department__icontains")] = None
    kind: str | None = None
    hospital: Annotated[int | None, FilterLookup("hospital_id")] = None
    date_from: Annotated[dt.date | None, FilterLookup("date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("date__lte")] = None


def from_get(schema: type[FilterSchema], params, **defaults) -> tuple[FilterSchema, list[str]]:
    """Build a filter from a page's query string; a malformed value is dropped and reported."""
    data = {k: params.get(k) for k in schema.model_fields if params.get(k, "") != ""}
    for k, v in defaults.items():
        if k not in params:
            data.setdefault(k, v)
        elif params.get(k) == "all":
            data.pop(k, None)
    data = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        return schema(**data), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return schema(**{k: v for k, v in data.items() if k not in bad}), sorted(bad)
