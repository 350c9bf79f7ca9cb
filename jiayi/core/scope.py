"""Scopes: what part of the people-data a user may see.

A user's role and scope object turn into a `Scope`; every people-data model has a queryset
with `visible_to(user)` that turns the scope into a filter (NetBox's `restrict()`), and views
and the API read only through it. Fetching by id outside the scope is "not found", never a leak.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from .errors import NotFound
from .models import INSTITUTION_ROLES, REGION_ROLES, TEAM_ROLES, Role

ALL = "all"
REGION = "region"
INSTITUTION = "institution"
TEAM = "team"
SELF = "self"
NONE = "none"


@dataclass(frozen=True)
class Scope:
    kind: str
    region_prefix: str = ""
    county_code: str = ""
    institution_ids: frozenset[int] = field(default_factory=frozenset)
    team_id: int | None = None
    team_institution_id: int | None = None
    resident_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        return self.kind == ALL


NO_SCOPE = Scope(kind=NONE)


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser or user.role == Role.SYSADMIN:
        return Scope(kind=ALL)
    if user.role in REGION_ROLES and user.region_id:
        region = user.region
        return Scope(kind=REGION, region_prefix=region.prefix, county_code=region.county_code)
    if user.role in INSTITUTION_ROLES and user.institution_id:
        inst = user.institution
        return Scope(
            kind=INSTITUTION,
            institution_ids=frozenset(inst.descendant_ids()),
            county_code=inst.county_code,
        )
    if user.role in TEAM_ROLES and user.team_id:
        team = user.team
        return Scope(
            kind=TEAM,
            team_id=team.pk,
            team_institution_id=team.institution_id,
            institution_ids=frozenset({team.institution_id}),
            county_code=team.county_code,
        )
    if user.role == Role.RESIDENT and user.resident_id:
        resident = user.resident
        ids = {resident.pk}
        if resident.household_id and resident.household.head_id == resident.pk:
            ids |= set(resident.household.members.values_list("pk", flat=True))
        return Scope(kind=SELF, resident_ids=frozenset(ids), county_code=resident.county_code)
    return NO_SCOPE


class ScopedQuerySet(models.QuerySet):
    """Subclasses say how each scope kind maps to a filter; unknown kinds see nothing."""

    def scope_filter(self, scope: Scope) -> Q | None:  # pragma: no cover - overridden
        return None

    def visible_to(self, user) -> "ScopedQuerySet":
        scope = user.scope if hasattr(user, "scope") else NO_SCOPE
        if scope.sees_all:
            return self.all()
        if scope.kind == NONE:
            return self.none()
        q = self.scope_filter(scope)
        return self.filter(q) if q is not None else self.none()

    def get_visible(self, user, **lookup):
        """One object the user may see, or NotFound (the same answer whether it exists or not)."""
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise NotFound() from None


def nothing() -> Q:
    return Q(pk__in=[])


def signed_scope(scope: Scope, *, resident: str = "resident_id") -> Q:
    """The scope rule of tables that carry the signing team, its institution and the region code
    (contracts, service records, contact plans…): region by code prefix, institution with its
    stations, the team's own rows, a resident's own (and household's) rows."""
    if scope.kind == REGION:
        return Q(region_code__startswith=scope.region_prefix)
    if scope.kind == INSTITUTION:
        return Q(institution_id__in=scope.institution_ids)
    if scope.kind == TEAM:
        return Q(team_id=scope.team_id)
    if scope.kind == SELF:
        return Q(**{f"{resident}__in": scope.resident_ids})
    return nothing()
