"""One filter definition per list: the page builds it from the query string, the API from `Query[...]`."""

import datetime as dt
import re

from django.db.models import Exists, OuterRef, Q
from ninja import FilterSchema
from pydantic import ValidationError

from jiayi.core import nationalid
from jiayi.core.crypto import blind_index

from .fields import normalize_phone
from .models import DERIVED_KINDS, KeyPopulationKind, KeyPopulationRecord, Region

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1\d{10}$")


def years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return on.replace(year=on.year - years, day=28)


def age_range_q(age_min: int | None, age_max: int | None, on: dt.date | None = None) -> Q:
    """Residents aged age_min … age_max (inclusive) on a date, as a birth-date range (indexed)."""
    on = on or dt.date.today()
    q = Q()
    if age_min is not None:
        q &= Q(birth_date__lte=years_before(on, age_min))
    if age_max is not None:
        q &= Q(birth_date__gt=years_before(on, age_max + 1))
    return q


def key_population_q(kind: str, on: dt.date | None = None) -> Q:
    """Residents in a key population on a date: derived from the birth date, or a valid record."""
    on = on or dt.date.today()
    if kind in DERIVED_KINDS:
        low, high = DERIVED_KINDS[kind]
        return age_range_q(low, high, on)
    records = KeyPopulationRecord.objects.valid_on(on).filter(kind=kind, resident_id=OuterRef("pk"))
    return Q(Exists(records))


def _region_prefix_q(region_id, field="region_code") -> Q:
    region = Region.objects.filter(pk=region_id).first()
    return Q(**{f"{field}__startswith": region.prefix}) if region else Q(pk__in=[])


class ResidentFilter(FilterSchema):
    q: str | None = None
    region: int | None = None
    institution: int | None = None
    team: int | None = None
    household: int | None = None
    key_population: str | None = None
    sex: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    status: str | None = None  # active / deceased / inactive; empty = everybody

    def filter_q(self, value):
        """A whole ID or mobile number (exact, via the blind index), a household code or a name prefix."""
        value = (value or "").strip()
        if not value:
            return Q()
        nid = nationalid.normalize(value)
        if _ID_SHAPE.match(nid):
            return Q(id_index=blind_index("nid", nid))
        phone = normalize_phone(value)
        if _MOBILE.match(phone):
            return Q(phone_index=blind_index("phone", phone))
        return Q(name__startswith=value) | Q(household__code=value)

    def filter_region(self, value):
        return _region_prefix_q(value) if value else Q()

    def filter_key_population(self, value):
        if not value or value not in KeyPopulationKind.values:
            return Q()
        return key_population_q(value)

    def filter_age_min(self, value):
        return age_range_q(value, None) if value is not None else Q()

    def filter_age_max(self, value):
        return age_range_q(None, value) if value is not None else Q()

    def filter_status(self, value):
        if value == "active":
            return Q(is_active=True, deceased_on__isnull=True)
        if value == "deceased":
            return Q(deceased_on__isnull=False)
        if value == "inactive":
            return Q(is_active=False)
        return Q()

    def filter_institution(self, value):
        return Q(institution_id=value) if value else Q()

    def filter_team(self, value):
        return Q(team_id=value) if value else Q()

    def filter_household(self, value):
        return Q(household_id=value) if value else Q()

    def filter_sex(self, value):
        return Q(sex=value) if value else Q()


class HouseholdFilter(FilterSchema):
    q: str | None = None
    region: int | None = None
    institution: int | None = None
    team: int | None = None
    headless: bool | None = None

    def filter_q(self, value):
        """A household code (prefix) or the head's name (prefix)."""
        value = (value or "").strip()
        if not value:
            return Q()
        return Q(code__startswith=value) | Q(head__name__startswith=value)

    def filter_region(self, value):
        return _region_prefix_q(value) if value else Q()

    def filter_institution(self, value):
        return Q(institution_id=value) if value else Q()

    def filter_team(self, value):
        return Q(team_id=value) if value else Q()

    def filter_headless(self, value):
        return Q(head__isnull=True) if value else Q()


class CommunityFilter(FilterSchema):
    q: str | None = None
    kind: str | None = None
    institution: int | None = None
    is_active: bool | None = None

    def filter_q(self, value):
        return Q(name__icontains=value.strip()) if value and value.strip() else Q()

    def filter_kind(self, value):
        return Q(kind=value) if value else Q()

    def filter_institution(self, value):
        return Q(institution_id=value) if value else Q()


class InstitutionFilter(FilterSchema):
    q: str | None = None
    kind: str | None = None
    level: str | None = None
    region: int | None = None
    parent: int | None = None
    is_active: bool | None = None

    def filter_q(self, value):
        value = (value or "").strip()
        return Q(name__icontains=value) | Q(code__startswith=value) if value else Q()

    def filter_kind(self, value):
        return Q(kind=value) if value else Q()

    def filter_level(self, value):
        return Q(level=value) if value else Q()

    def filter_region(self, value):
        return _region_prefix_q(value) if value else Q()

    def filter_parent(self, value):
        return Q(parent_id=value) if value else Q()


class RegionFilter(FilterSchema):
    q: str | None = None
    parent: int | None = None
    level: str | None = None

    def filter_q(self, value):
        value = (value or "").strip()
        return Q(name__contains=value) | Q(code__startswith=value) if value else Q()

    def filter_parent(self, value):
        return Q(parent_id=value) if value else Q()

    def filter_level(self, value):
        return Q(level=value) if value else Q()


class BaselineFilter(FilterSchema):
    institution: int | None = None
    year: int | None = None
    population: str | None = None

    def filter_institution(self, value):
        return Q(institution_id=value) if value else Q()

    def filter_population(self, value):
        return Q(population=value) if value else Q()


class KeyPopulationFilter(FilterSchema):
    resident: int | None = None
    kind: str | None = None
    valid_on: dt.date | None = None

    def filter_resident(self, value):
        return Q(resident_id=value) if value else Q()

    def filter_kind(self, value):
        return Q(kind=value) if value else Q()

    def filter_valid_on(self, value):
        if not value:
            return Q()
        return (Q(valid_from__lte=value) | Q(valid_from__isnull=True)) & (
            Q(valid_to__gte=value) | Q(valid_to__isnull=True)
        )


def from_query(cls: type[FilterSchema], querydict) -> FilterSchema:
    """Build a filter from a page's query string; a malformed value is ignored, never a 500."""
    data = {k: querydict.get(k) for k in cls.model_fields if querydict.get(k) not in (None, "")}
    try:
        return cls(**data)
    except ValidationError as exc:
        bad = {str(err["loc"][0]) for err in exc.errors() if err.get("loc")}
        return cls(**{k: v for k, v in data.items() if k not in bad})
