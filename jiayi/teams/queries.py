"""Reads of the teams app, always scoped to the user; capacity (R-TEAM-4) and the TCM flag (R-TEAM-3)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.errors import CapacityExceeded
from jiayi.registry.models import HOSPITAL_KINDS, Institution, Region, Resident

from .models import SIGNING_ROLES, Practitioner, Profession, Team, TeamMembership, TeamRole

# --- capacity (R-TEAM-4) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    used: int
    limit: int

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def over(self) -> bool:
        return self.used > self.limit

    @property
    def percent(self) -> int:
        """For a progress bar: 0–100."""
        if self.limit <= 0:
            return 100 if self.used else 0
        return min(100, round(self.used * 100 / self.limit))

    def __add__(self, other: "Capacity") -> "Capacity":
        return Capacity(self.used + other.used, self.limit + other.limit)


def capacity_limit(practitioner: Practitioner, on: dt.date | None = None) -> int:
    """The most residents one family doctor may sign: the policy of the practitioner's region for
    the year (R-POL, R-TEAM-4). The single place that decides; the bulk path goes through
    `_region_limit` too."""
    return _region_limit(practitioner.institution.region, (on or timezone.localdate()).year)


def _region_limit(region, year: int) -> int:
    from jiayi.policy.queries import policy_for

    return policy_for(region, year).capacity_per_doctor


def _limits(practitioners: list[Practitioner], on: dt.date | None) -> dict[int, int]:
    """Limits of many practitioners: one policy lookup per region, not per doctor."""
    year = (on or timezone.localdate()).year
    region_of = dict(
        Institution.objects.filter(pk__in={p.institution_id for p in practitioners}).values_list(
            "pk", "region_id"
        )
    )
    regions = Region.objects.in_bulk(set(region_of.values()))
    per_region = {rid: _region_limit(region, year) for rid, region in regions.items()}
    return {p.pk: per_region[region_of[p.institution_id]] for p in practitioners}


def _signed_residents():
    return Resident.objects.active()


def capacity_used(practitioner: Practitioner) -> int:
    """Active, living residents this practitioner is responsible for (kept by the contracts app)."""
    return _signed_residents().filter(responsible_doctor=practitioner).count()


def doctor_capacity(practitioner: Practitioner, on: dt.date | None = None) -> Capacity:
    return Capacity(capacity_used(practitioner), capacity_limit(practitioner, on))


def capacities(practitioners: Iterable[Practitioner], on: dt.date | None = None) -> dict[int, Capacity]:
    """Capacity of many practitioners with one grouped query (no query per doctor)."""
    practitioners = list(practitioners)
    used = dict(
        _signed_residents()
        .filter(responsible_doctor__in=[p.pk for p in practitioners])
        .order_by()
        .values_list("responsible_doctor")
        .annotate(n=Count("pk"))
    )
    limits = _limits(practitioners, on)
    return {p.pk: Capacity(used.get(p.pk, 0), limits[p.pk]) for p in practitioners}


def signing_doctors(*, team: Team | None = None, institution=None):
    """Practitioners holding an active signing role in a team, or in any team of an institution."""
    members = TeamMembership.objects.filter(is_active=True, role__in=SIGNING_ROLES)
    if team is not None:
        members = members.filter(team=team)
    if institution is not None:
        members = members.filter(team__institution=institution, team__is_active=True)
    return Practitioner.objects.filter(pk__in=members.values("practitioner_id")).order_by("name")


def team_doctor_capacities(team: Team, on: dt.date | None = None) -> list[tuple[Practitioner, Capacity]]:
    doctors = list(signing_doctors(team=team))
    caps = capacities(doctors, on)
    return [(d, caps[d.pk]) for d in doctors]


def institution_doctor_capacities(
    institution, on: dt.date | None = None
) -> list[tuple[Practitioner, Capacity]]:
    doctors = list(signing_doctors(institution=institution))
    caps = capacities(doctors, on)
    return [(d, caps[d.pk]) for d in doctors]


def check_capacity(practitioner: Practitioner, extra: int = 1, on: dt.date | None = None) -> Capacity:
    """Refuse signing `extra` more residents to a doctor who would go over the limit.

    Called inside the signing transaction: locking the doctor's row serialises concurrent
    signings for the same doctor, so two clerks cannot both take the last place.
    """
    if transaction.get_connection().in_atomic_block:
        Practitioner.objects.select_for_update(of=("self",)).filter(pk=practitioner.pk).exists()
    cap = doctor_capacity(practitioner, on)
    if cap.used + extra > cap.limit:
        raise CapacityExceeded(
            _("%(name)s 医生已签约 %(used)s 人，上限 %(limit)s 人，剩余 %(left)s 人，无法再签约 %(extra)s 人")
            % {
                "name": practitioner.name,
                "used": cap.used,
                "limit": cap.limit,
                "left": cap.left,
                "extra": extra,
            },
            details={
                "practitioner": practitioner.pk,
                "used": cap.used,
                "limit": cap.limit,
                "left": cap.left,
                "extra": extra,
            },
        )
    return cap


# --- TCM flag (R-TEAM-3) -----------------------------------------------------------------------


def _tcm_member_exists():
    return Exists(
        TeamMembership.objects.filter(
            team=OuterRef("pk"), is_active=True, practitioner__is_active=True
        ).filter(Q(practitioner__tcm_capable=True) | Q(practitioner__profession=Profession.TCM))
    )


def with_tcm_flag(teams):
    """Annotate `has_tcm`: the team has an active member who can provide TCM services."""
    return teams.annotate(has_tcm=_tcm_member_exists())


def teams_without_tcm(teams):
    return with_tcm_flag(teams).filter(has_tcm=False)


# --- practitioners -----------------------------------------------------------------------------


def practitioners_for(user):
    return Practitioner.objects.visible_to(user).select_related("institution", "home_institution")


def practitioner_get(user, pk) -> Practitioner:
    return practitioners_for(user).get_visible(user, pk=pk)


def practitioner_memberships(practitioner: Practitioner):
    return practitioner.memberships.select_related("team", "team__institution").order_by(
        "-is_active", "-since"
    )


# --- teams -------------------------------------------------------------------------------------


def _annotate_team_list(teams):
    signed = (
        _signed_residents()
        .filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return with_tcm_flag(teams).annotate(
        members_count=Count(
            "memberships__practitioner", filter=Q(memberships__is_active=True), distinct=True
        ),
        signed_count=Coalesce(Subquery(signed, output_field=IntegerField()), Value(0)),
    )


def teams_for(user):
    return _annotate_team_list(Team.objects.visible_to(user).select_related("institution", "leader"))


def team_get(user, pk) -> Team:
    return teams_for(user).get_visible(user, pk=pk)


def team_capacity_summary(teams: Iterable[Team], on: dt.date | None = None) -> dict[int, Capacity]:
    """Per team: residents signed with the team against the sum of its doctors' limits.

    Two queries for a whole page of teams: the signing memberships and the signed counts.
    """
    teams = list(teams)
    limits: dict[int, int] = defaultdict(int)
    members = (
        TeamMembership.objects.filter(team__in=teams, is_active=True, role__in=SIGNING_ROLES)
        .select_related("practitioner")
        .order_by()
    )
    members = list(members)
    limit_of = _limits([m.practitioner for m in members], on)
    seen = set()
    for m in members:
        if (m.team_id, m.practitioner_id) not in seen:
            seen.add((m.team_id, m.practitioner_id))
            limits[m.team_id] += limit_of[m.practitioner_id]
    signed = getattr(teams[0], "signed_count", None) if teams else None
    if signed is None:
        counts = dict(
            _signed_residents().filter(team__in=teams).order_by().values_list("team").annotate(n=Count("pk"))
        )
    else:
        counts = {t.pk: t.signed_count for t in teams}
    return {t.pk: Capacity(counts.get(t.pk, 0), limits.get(t.pk, 0)) for t in teams}


def team_memberships(team: Team):
    # Leader first, then signing doctors, then the rest: the order people read a team in.
    rank = Case(
        When(role=TeamRole.LEADER, then=Value(0)),
        When(role=TeamRole.FAMILY_DOCTOR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return team.memberships.select_related("practitioner", "practitioner__institution").order_by(
        "-is_active", rank, "since", "pk"
    )


def team_villages(team: Team):
    return team.villages.order_by("code")


def member_candidates(team: Team):
    """Who may join: active staff of the team's institution (and its stations/village clinics),
    and active hospital specialists (who join as specialists, "1+1+N")."""
    own = Q(institution_id__in=team.institution.descendant_ids())
    hospital = Q(institution__kind__in=HOSPITAL_KINDS) | Q(home_institution__kind__in=HOSPITAL_KINDS)
    return (
        Practitioner.objects.filter(is_active=True)
        .filter(own | hospital)
        .select_related("institution")
        .order_by("institution__code", "name")
    )


def leader_candidates(team: Team):
    from .models import DOCTOR_PROFESSIONS

    return (
        Practitioner.objects.filter(
            is_active=True,
            profession__in=DOCTOR_PROFESSIONS,
            institution_id__in=team.institution.descendant_ids(),
        )
        .exclude(pk=team.leader_id)
        .order_by("name")
    )


def team_with_members(user, pk) -> Team:
    """A team for the API: members prefetched (active first)."""
    return (
        teams_for(user)
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=TeamMembership.objects.select_related("practitioner").order_by("-is_active", "role"),
            ),
            "villages",
        )
        .get_visible(user, pk=pk)
    )


def require_staff(user) -> None:
    """Team and staff lists are for staff; a resident sees their own team on the resident pages."""
    from jiayi.core.errors import Forbidden
    from jiayi.core.models import Role
    from jiayi.core.permissions import role_of

    role = role_of(user)
    if role is None or role == Role.RESIDENT:
        raise Forbidden()
