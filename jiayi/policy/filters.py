"""The one filter of the policy list: the page builds it from request.GET, the API takes it as Query."""

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema
from pydantic import ValidationError


class PolicyFilter(FilterSchema):
    q: Annotated[
        str | None, FilterLookup(["title__icontains", "region__name__icontains", "document__icontains"])
    ] = None
    year: Annotated[int | None, FilterLookup("year")] = None
    preset: Annotated[str | None, FilterLookup("preset")] = None
    region: str | None = None  # a region code (prefix match); "national" for the national rows

    def filter_region(self, value):
        if not value:
            return Q()
        if value == "national":
            return Q(region__isnull=True)
        return Q(region__code__startswith=value.rstrip("0") or value)


def from_querydict(cls, data):
    """Build a FilterSchema from a QueryDict, dropping blank and invalid values (a page never 500s)."""
    raw = {k: data.get(k) for k in cls.model_fields if data.get(k) not in (None, "")}
    try:
        return cls(**raw)
    except ValidationError as exc:
        bad = {e["loc"][0] for e in exc.errors() if e.get("loc")}
        return cls(**{k: v for k, v in raw.items() if k not in bad})
