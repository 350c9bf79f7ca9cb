"""The one filter per catalogue list: pages build them from request.GET, the API takes them as Query."""

from typing import Annotated

from django.db.models import Q
from ninja import FilterLookup, FilterSchema

from jiayi.policy.filters import from_querydict

__all__ = ["ItemFilter", "PackageFilter", "from_querydict"]


class ItemFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = None
    category: Annotated[str | None, FilterLookup("category")] = None
    is_active: Annotated[bool | None, FilterLookup("is_active")] = None


class PackageFilter(FilterSchema):
    q: Annotated[str | None, FilterLookup(["name__icontains", "code__icontains"])] = None
    tier: Annotated[str | None, FilterLookup("tier")] = None
    status: Annotated[str | None, FilterLookup("status")] = None
    region: str | None = None  # region code (prefix) or "general"
    population: str | None = None  # one population token, e.g. "elderly", "fc_school"

    def filter_region(self, value):
        if not value:
            return Q()
        if value == "general":
            return Q(region__isnull=True)
        return Q(region__code__startswith=value.rstrip("0") or value)

    def filter_population(self, value):
        # JSON "contains" is not available on SQLite; the quoted token matches one list element.
        return Q(populations__icontains=f'"{value}"') if value else Q()
