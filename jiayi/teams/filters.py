"""One filter per list, shared by the page (built from request.GET) and the API (Query[...])."""

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema
from pydantic import ValidationError

from .models import Profession


class PractitionerFilter(FilterSchema):
    q: Annotated[
        str | None, FilterLookup(["name__icontains", "licence_no__icontains", "department__icontains"])
    ] = None
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    profession: str | None = None
    title: str | None = None
    retired: Annotated[bool | None, FilterLookup("is_retired")] = None
    tcm: bool | None = None
    active: Annotated[bool | None, FilterLookup("is_active")] = True

    def filter_tcm(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        able = Q(tcm_capable=True) | Q(profession=Profession.TCM)
        return able if value else ~able


class TeamFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "leader__name__icontains"])] = None
    institution: Annotated[int | None, FilterLookup("institution_id")] = None
    # Only on querysets annotated with `has_tcm` (queries.with_tcm_flag).
    no_tcm: bool | None = None
    active: Annotated[bool | None, FilterLookup("is_active")] = True

    def filter_no_tcm(self, value: bool | None) -> Q:
        if value is None:
            return Q()
        return Q(has_tcm=not value)


def from_get(schema: type[FilterSchema], params) -> tuple[FilterSchema, list[str]]:
    """Build a filter from a page's query string. Empty values mean "any"; a malformed value is
    dropped (and reported) instead of failing the page."""
    data = {k: params.get(k) for k in schema.model_fields if params.get(k, "") != ""}
    # Unticked "active only" checkbox on the page sends active=all.
    if data.get("active") == "all":
        data["active"] = None
    try:
        return schema(**data), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return schema(**{k: v for k, v in data.items() if k not in bad}), sorted(bad)
