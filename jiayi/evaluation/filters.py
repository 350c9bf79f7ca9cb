"""The filters of the evaluation pages; each page builds it from request.GET, the API takes it as Query."""

from typing import Annotated

from django.utils import timezone
from ninja import FilterLookup, FilterSchema
from pydantic import Field, ValidationError


class DashboardFilter(FilterSchema):
    """Drill-down: no institution = the region's institutions; institution = its teams; team = one team."""

    year: int = Field(default_factory=lambda: timezone.localdate().year, ge=2000, le=2100)
    institution: int | None = None
    team: int | None = None
    sort: str | None = None  # "gap" puts the lagging institutions first (SCENARIOS 4)


class LineFilter(FilterSchema):
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    team: Annotated[int | None, FilterLookup("team_id")] = None
    q: Annotated[str | None, FilterLookup(["team__name__icontains", "institution__name__icontains"])] = None


def from_querydict(cls, data):
    """A filter from a QueryDict, dropping blank and invalid values (a page never 500s)."""
    raw = {k: data.get(k) for k in cls.model_fields if data.get(k) not in (None, "")}
    try:
        return cls(**raw)
    except ValidationError as exc:
        bad = {e["loc"][0] for e in exc.errors() if e.get("loc")}
        return cls(**{k: v for k, v in raw.items() if k not in bad})


def sort_rows(rows, sort: str | None):
    if sort == "gap":
        return sorted(rows, key=lambda r: (-(r.gap or 0), r.progress if r.progress is not None else 999))
    if sort == "progress":
        return sorted(rows, key=lambda r: r.progress if r.progress is not None else 999)
    return rows
