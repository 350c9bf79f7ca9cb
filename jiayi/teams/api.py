"""REST API of the teams app, mounted at /api/teams/. Thin: parse, call a query or a service."""

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.errors import NotFound
from jiayi.registry.models import Institution, Region

from . import queries, services
from .filters import PractitionerFilter, TeamFilter
from .models import Practitioner
from .schemas import (
    MemberEndIn,
    MemberIn,
    MemberOut,
    PractitionerDetailOut,
    PractitionerIn,
    PractitionerOut,
    PractitionerPatch,
    TeamDetailOut,
    TeamIn,
    TeamOut,
    TeamPatch,
    WorkforceOut,
)
from .workforce import default_root, workforce_report

router = Router(tags=["teams"])


def _institution(user, pk: int | None) -> Institution | None:
    if pk is None:
        return None
    return Institution.objects.get_visible(user, pk=pk)


def _villages(user, ids: list[int]) -> list[Region]:
    found = list(Region.objects.visible_to(user).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound(details={"field": "village_ids"})
    return found


def _cap(cap) -> dict:
    return {"used": cap.used, "limit": cap.limit, "left": cap.left, "percent": cap.percent}


# --- practitioners -----------------------------------------------------------------------------


@router.get("/practitioners", response=list[PractitionerOut])
@paginate(PageNumberPagination)
def practitioner_list(request, filters: Query[PractitionerFilter]):
    queries.require_staff(request.auth)
    return filters.filter(queries.practitioners_for(request.auth))


def _practitioner_detail(user, p: Practitioner) -> Practitioner:
    p.capacity = _cap(queries.doctor_capacity(p))
    p.memberships_list = list(queries.practitioner_memberships(p))
    return p


@router.get("/practitioners/{pk}", response=PractitionerDetailOut)
def practitioner_get(request, pk: int):
    queries.require_staff(request.auth)
    return _practitioner_detail(request.auth, queries.practitioner_get(request.auth, pk))


@router.post("/practitioners", response={201: PractitionerDetailOut})
def practitioner_create(request, payload: PractitionerIn):
    user = request.auth
    data = payload.dict()
    institution = _institution(user, data.pop("institution_id"))
    home = _institution(user, data.pop("home_institution_id"))
    p = services.practitioner_create(actor=user, institution=institution, home_institution=home, **data)
    return 201, _practitioner_detail(user, queries.practitioner_get(user, p.pk))


@router.patch("/practitioners/{pk}", response=PractitionerDetailOut)
def practitioner_patch(request, pk: int, payload: PractitionerPatch):
    user = request.auth
    p = queries.practitioner_get(user, pk)
    changes = payload.dict(exclude_unset=True)
    if "institution_id" in changes:
        changes["institution"] = _institution(user, changes.pop("institution_id"))
    if "home_institution_id" in changes:
        changes["home_institution"] = _institution(user, changes.pop("home_institution_id"))
    services.practitioner_update(actor=user, practitioner=p, **changes)
    return _practitioner_detail(user, queries.practitioner_get(user, pk))


@router.post("/practitioners/{pk}/deactivate", response=PractitionerOut)
def practitioner_deactivate(request, pk: int):
    p = queries.practitioner_get(request.auth, pk)
    return services.practitioner_deactivate(actor=request.auth, practitioner=p)


# --- teams -------------------------------------------------------------------------------------


@router.get("/teams", response=list[TeamOut])
@paginate(PageNumberPagination)
def team_list(request, filters: Query[TeamFilter]):
    queries.require_staff(request.auth)
    return filters.filter(queries.teams_for(request.auth))


def _team_detail(user, pk: int):
    team = queries.team_with_members(user, pk)
    team.members = list(team.memberships.all())
    team.doctors = [
        {"practitioner_id": d.pk, "name": d.name, "capacity": _cap(c)}
        for d, c in queries.team_doctor_capacities(team)
    ]
    return team


@router.get("/teams/{pk}", response=TeamDetailOut)
def team_get(request, pk: int):
    queries.require_staff(request.auth)
    return _team_detail(request.auth, pk)


@router.post("/teams", response={201: TeamDetailOut})
def team_create(request, payload: TeamIn):
    user = request.auth
    institution = _institution(user, payload.institution_id)
    leader = queries.practitioners_for(user).get_visible(user, pk=payload.leader_id)
    team = services.team_create(
        actor=user,
        institution=institution,
        name=payload.name,
        leader=leader,
        phone=payload.phone,
        is_individual=payload.is_individual,
        villages=_villages(user, payload.village_ids),
        since=payload.since,
    )
    return 201, _team_detail(user, team.pk)


@router.patch("/teams/{pk}", response=TeamDetailOut)
def team_patch(request, pk: int, payload: TeamPatch):
    user = request.auth
    team = queries.team_get(user, pk)
    changes = payload.dict(exclude_unset=True)
    village_ids = changes.pop("village_ids", None)
    leader_id = changes.pop("leader_id", None)
    if changes:
        services.team_update(actor=user, team=team, **changes)
    if village_ids is not None:
        services.team_set_villages(actor=user, team=team, villages=_villages(user, village_ids))
    if leader_id is not None:
        leader = queries.leader_candidates(team).filter(pk=leader_id).first()
        if leader is None:
            leader = queries.practitioners_for(user).get_visible(user, pk=leader_id)
        services.team_change_leader(actor=user, team=team, leader=leader)
    return _team_detail(user, pk)


@router.post("/teams/{pk}/deactivate", response=TeamOut)
def team_deactivate(request, pk: int):
    user = request.auth
    services.team_deactivate(actor=user, team=queries.team_get(user, pk))
    return queries.teams_for(user).get(pk=pk)


@router.post("/teams/{pk}/members", response={201: MemberOut})
def team_member_add(request, pk: int, payload: MemberIn):
    user = request.auth
    team = queries.team_get(user, pk)
    practitioner = queries.member_candidates(team).filter(pk=payload.practitioner_id).first()
    if practitioner is None:
        raise NotFound(details={"field": "practitioner_id"})
    m = services.team_add_member(
        actor=user, team=team, practitioner=practitioner, role=payload.role, since=payload.since
    )
    return 201, m


@router.post("/teams/{pk}/members/{member_id}/end", response=MemberOut)
def team_member_end(request, pk: int, member_id: int, payload: MemberEndIn):
    user = request.auth
    team = queries.team_get(user, pk)
    membership = team.memberships.filter(pk=member_id).first()
    if membership is None:
        raise NotFound()
    return services.team_end_membership(actor=user, membership=membership, until=payload.until)


# --- workforce (R-TEAM-5) ----------------------------------------------------------------------


@router.get("/workforce", response=WorkforceOut)
def workforce(request, region: str | None = None, year: int | None = None):
    user = request.auth
    queries.require_staff(user)
    root = Region.objects.get_visible(user, code=region) if region else default_root(user)
    report = workforce_report(user, root=root, year=year)
    return {
        "year": report.year,
        "target": report.target,
        "total": _row(report.total),
        "rows": [_row(r) for r in report.rows],
    }


def _row(r) -> dict:
    return {
        "name": r.name,
        "code": r.code,
        "level": r.level,
        "gps": r.gps,
        "population": r.population,
        "ratio": r.ratio,
        "meets_target": r.meets_target,
    }
