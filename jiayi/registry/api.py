"""REST API of the registry, mounted at /api/registry/. Thin: parse, call a query or a service."""

from ninja import Query, Router
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.errors import ValidationFailed

from . import queries, services
from .filters import (
    BaselineFilter,
    CommunityFilter,
    HouseholdFilter,
    InstitutionFilter,
    KeyPopulationFilter,
    RegionFilter,
    ResidentFilter,
)
from .models import FunctionalCommunity, Household, Institution, KeyPopulationRecord, Region, Resident
from .schemas import (
    AssignTeamIn,
    BaselineIn,
    BaselineOut,
    ChangeHeadIn,
    CommunityDetailOut,
    CommunityIn,
    CommunityMemberIn,
    CommunityOut,
    CommunityPatch,
    DeathIn,
    HouseholdDetailOut,
    HouseholdIn,
    HouseholdMemberIn,
    HouseholdOut,
    HouseholdPatch,
    InstitutionIn,
    InstitutionOut,
    InstitutionPatch,
    KeyPopulationEndIn,
    KeyPopulationIn,
    KeyPopulationOut,
    RegionIn,
    RegionOut,
    RegionPatch,
    RelationIn,
    ResidentDetailOut,
    ResidentIn,
    ResidentOut,
    ResidentPatch,
    RevealOut,
)

router = Router(tags=["registry"])

# Foreign keys in request bodies: the id field and the model it names. Each id is fetched
# through the user's scope, so an id they cannot see is a 404 like any other.
_REFS = {
    "region_id": Region,
    "institution_id": Institution,
    "parent_id": None,  # resolved per endpoint (an institution or a region)
    "household_id": Household,
    "resident_id": Resident,
    "head_id": Resident,
    "new_head_id": Resident,
}


def _get(user, model, pk):
    return None if pk is None else model.objects.get_visible(user, pk=pk)


def _resolve(user, data: dict, parent_model=None) -> dict:
    """Turn `x_id` keys into objects the user may see; `x_id: null` means "none"."""
    out = {}
    for key, value in data.items():
        if key in _REFS:
            model = _REFS[key] or parent_model
            if value is None and key in ("region_id", "institution_id"):
                raise ValidationFailed(details={"field": key})
            out[key.removesuffix("_id")] = _get(user, model, value)
        else:
            out[key] = value
    return out


def _resident_detail(user, r: Resident) -> Resident:
    r.kp_kinds = sorted(queries.key_populations_of(r))
    r.kp_records = list(queries.resident_key_populations(user, r))
    return r


# --- residents ---------------------------------------------------------------------------


@router.get("/residents", response=list[ResidentOut])
@paginate(PageNumberPagination)
def resident_list(request, filters: Query[ResidentFilter]):
    queries.require_people_access(request.auth)
    return queries.residents_search(request.auth, filter=filters)


@router.get("/residents/{pk}", response=ResidentDetailOut)
def resident_get(request, pk: int):
    queries.require_people_access(request.auth)
    return _resident_detail(request.auth, queries.resident_get(request.auth, pk))


@router.post("/residents", response={201: ResidentDetailOut})
def resident_create(request, payload: ResidentIn):
    user = request.auth
    r = services.resident_create(actor=user, **_resolve(user, payload.dict()))
    return 201, _resident_detail(user, queries.resident_get(user, r.pk))


@router.patch("/residents/{pk}", response=ResidentDetailOut)
def resident_update(request, pk: int, payload: ResidentPatch):
    user = request.auth
    r = queries.resident_get(user, pk)
    services.resident_update(actor=user, resident=r, **_resolve(user, payload.dict(exclude_unset=True)))
    return _resident_detail(user, queries.resident_get(user, pk))


@router.post("/residents/{pk}/reveal-national-id", response=RevealOut)
def resident_reveal_national_id(request, pk: int):
    user = request.auth
    r = queries.resident_get(user, pk)
    return {"national_id": services.resident_reveal_national_id(actor=user, resident=r)}


@router.post("/residents/{pk}/death", response=ResidentDetailOut)
def resident_record_death(request, pk: int, payload: DeathIn):
    user = request.auth
    r = queries.resident_get(user, pk)
    services.resident_record_death(
        actor=user,
        resident=r,
        deceased_on=payload.deceased_on,
        new_head=_get(user, Resident, payload.new_head_id),
    )
    return _resident_detail(user, queries.resident_get(user, pk))


@router.post("/residents/{pk}/team", response=ResidentDetailOut)
def resident_assign_team(request, pk: int, payload: AssignTeamIn):
    from jiayi.teams.models import Practitioner, Team

    user = request.auth
    r = queries.resident_get(user, pk)
    services.resident_assign_team(
        actor=user,
        resident=r,
        team=_get(user, Team, payload.team_id),
        doctor=_get(user, Practitioner, payload.doctor_id),
    )
    return _resident_detail(user, queries.resident_get(user, pk))


# --- households --------------------------------------------------------------------------


def _household_detail(user, pk) -> Household:
    hh = queries.household_get(user, pk)
    hh.member_list = queries.household_members(hh)
    return hh


@router.get("/households", response=list[HouseholdOut])
@paginate(PageNumberPagination)
def household_list(request, filters: Query[HouseholdFilter]):
    queries.require_people_access(request.auth)
    return queries.households_search(request.auth, filters)


@router.get("/households/{pk}", response=HouseholdDetailOut)
def household_get(request, pk: int):
    queries.require_people_access(request.auth)
    return _household_detail(request.auth, pk)


@router.post("/households", response={201: HouseholdDetailOut})
def household_create(request, payload: HouseholdIn):
    user = request.auth
    hh = services.household_create(actor=user, **_resolve(user, payload.dict()))
    return 201, _household_detail(user, hh.pk)


@router.patch("/households/{pk}", response=HouseholdDetailOut)
def household_update(request, pk: int, payload: HouseholdPatch):
    user = request.auth
    hh = queries.household_get(user, pk)
    services.household_update(actor=user, household=hh, **_resolve(user, payload.dict(exclude_unset=True)))
    return _household_detail(user, pk)


@router.post("/households/{pk}/members", response={201: HouseholdDetailOut})
def household_add_member(request, pk: int, payload: HouseholdMemberIn):
    user = request.auth
    hh = queries.household_get(user, pk)
    services.household_add_member(
        actor=user,
        household=hh,
        resident=_get(user, Resident, payload.resident_id),
        relation=payload.relation,
    )
    return 201, _household_detail(user, pk)


@router.patch("/households/{pk}/members/{resident_id}", response=HouseholdDetailOut)
def household_update_member(request, pk: int, resident_id: int, payload: RelationIn):
    user = request.auth
    hh = queries.household_get(user, pk)
    services.household_update_member(
        actor=user, household=hh, resident=_get(user, Resident, resident_id), relation=payload.relation
    )
    return _household_detail(user, pk)


@router.delete("/households/{pk}/members/{resident_id}", response=HouseholdDetailOut)
def household_remove_member(request, pk: int, resident_id: int):
    """Takes the resident out of the household; the resident record itself stays."""
    user = request.auth
    hh = queries.household_get(user, pk)
    services.household_remove_member(actor=user, household=hh, resident=_get(user, Resident, resident_id))
    return _household_detail(user, pk)


@router.post("/households/{pk}/change-head", response=HouseholdDetailOut)
def household_change_head(request, pk: int, payload: ChangeHeadIn):
    user = request.auth
    hh = queries.household_get(user, pk)
    services.household_change_head(
        actor=user,
        household=hh,
        new_head=_get(user, Resident, payload.new_head_id),
        relations=payload.relations,
    )
    return _household_detail(user, pk)


# --- key populations ---------------------------------------------------------------------


@router.get("/key-populations", response=list[KeyPopulationOut])
@paginate(PageNumberPagination)
def keypopulation_list(request, filters: Query[KeyPopulationFilter]):
    queries.require_people_access(request.auth)
    return filters.filter(KeyPopulationRecord.objects.visible_to(request.auth)).order_by("pk")


@router.post("/key-populations", response={201: KeyPopulationOut})
def keypopulation_add(request, payload: KeyPopulationIn):
    user = request.auth
    return 201, services.keypopulation_add(actor=user, **_resolve(user, payload.dict()))


@router.post("/key-populations/{pk}/end", response=KeyPopulationOut)
def keypopulation_end(request, pk: int, payload: KeyPopulationEndIn):
    user = request.auth
    record = KeyPopulationRecord.objects.get_visible(user, pk=pk)
    return services.keypopulation_end(actor=user, record=record, valid_to=payload.valid_to)


# --- functional communities --------------------------------------------------------------


def _community_detail(user, pk) -> FunctionalCommunity:
    c = queries.community_get(user, pk)
    c.member_list = list(queries.community_members(user, c))
    return c


@router.get("/communities", response=list[CommunityOut])
@paginate(PageNumberPagination)
def community_list(request, filters: Query[CommunityFilter]):
    queries.require_people_access(request.auth)
    return queries.communities_search(request.auth, filters)


@router.get("/communities/{pk}", response=CommunityDetailOut)
def community_get(request, pk: int):
    queries.require_people_access(request.auth)
    return _community_detail(request.auth, pk)


@router.post("/communities", response={201: CommunityDetailOut})
def community_create(request, payload: CommunityIn):
    user = request.auth
    c = services.community_create(actor=user, **_resolve(user, payload.dict()))
    return 201, _community_detail(user, c.pk)


@router.patch("/communities/{pk}", response=CommunityDetailOut)
def community_update(request, pk: int, payload: CommunityPatch):
    user = request.auth
    c = queries.community_get(user, pk)
    services.community_update(actor=user, community=c, **_resolve(user, payload.dict(exclude_unset=True)))
    return _community_detail(user, pk)


@router.post("/communities/{pk}/members", response={201: CommunityDetailOut})
def community_add_member(request, pk: int, payload: CommunityMemberIn):
    user = request.auth
    c = queries.community_get(user, pk)
    services.community_add_member(actor=user, community=c, **_resolve(user, payload.dict()))
    return 201, _community_detail(user, pk)


@router.delete("/communities/{pk}/members/{resident_id}", response=CommunityDetailOut)
def community_remove_member(request, pk: int, resident_id: int):
    """Ends the membership today (the row stays, with its leaving date)."""
    user = request.auth
    c = queries.community_get(user, pk)
    services.community_remove_member(actor=user, community=c, resident=_get(user, Resident, resident_id))
    return _community_detail(user, pk)


# --- institutions, regions, baselines ----------------------------------------------------


@router.get("/institutions", response=list[InstitutionOut])
@paginate(PageNumberPagination)
def institution_list(request, filters: Query[InstitutionFilter]):
    queries.require_staff(request.auth)
    return queries.institutions_search(request.auth, filters)


@router.get("/institutions/{pk}", response=InstitutionOut)
def institution_get(request, pk: int):
    queries.require_staff(request.auth)
    return queries.institution_get(request.auth, pk)


@router.post("/institutions", response={201: InstitutionOut})
def institution_create(request, payload: InstitutionIn):
    user = request.auth
    inst = services.institution_create(actor=user, **_resolve(user, payload.dict(), parent_model=Institution))
    return 201, queries.institution_get(user, inst.pk)


@router.patch("/institutions/{pk}", response=InstitutionOut)
def institution_update(request, pk: int, payload: InstitutionPatch):
    user = request.auth
    inst = queries.institution_get(user, pk)
    data = _resolve(user, payload.dict(exclude_unset=True), parent_model=Institution)
    services.institution_update(actor=user, institution=inst, **data)
    return queries.institution_get(user, pk)


@router.get("/regions", response=list[RegionOut])
@paginate(PageNumberPagination)
def region_list(request, filters: Query[RegionFilter]):
    queries.require_staff(request.auth)
    return queries.regions_search(request.auth, filters)


@router.get("/regions/{pk}", response=RegionOut)
def region_get(request, pk: int):
    queries.require_staff(request.auth)
    return queries.region_get(request.auth, pk)


@router.post("/regions", response={201: RegionOut})
def region_create(request, payload: RegionIn):
    user = request.auth
    region = services.region_create(actor=user, **_resolve(user, payload.dict(), parent_model=Region))
    return 201, region


@router.patch("/regions/{pk}", response=RegionOut)
def region_update(request, pk: int, payload: RegionPatch):
    user = request.auth
    region = queries.region_get(user, pk)
    return services.region_update(actor=user, region=region, **payload.dict(exclude_unset=True))


@router.get("/baselines", response=list[BaselineOut])
@paginate(PageNumberPagination)
def baseline_list(request, filters: Query[BaselineFilter]):
    queries.require_staff(request.auth)
    return queries.baselines_search(request.auth, filters)


@router.put("/baselines", response=BaselineOut)
def baseline_set(request, payload: BaselineIn):
    """Insert or replace the count for (institution, year, population)."""
    user = request.auth
    return services.baseline_set(actor=user, **_resolve(user, payload.dict()))
