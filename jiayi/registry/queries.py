"""Registry reads. Everything a user sees comes through here, scoped with `visible_to(user)`."""

import datetime as dt

from django.db.models import Count, Q

from .filters import (
    BaselineFilter,
    CommunityFilter,
    HouseholdFilter,
    InstitutionFilter,
    RegionFilter,
    ResidentFilter,
)
from .models import (
    DERIVED_KINDS,
    CommunityMembership,
    FunctionalCommunity,
    Household,
    Institution,
    KeyPopulationKind,
    KeyPopulationRecord,
    PopulationBaseline,
    Region,
    Relation,
    Resident,
)

R = Relation
# Relation to the new head, by (the new head's relation to the old head, a member's relation to
# the old head). Suggestions only: the change-head form shows them for confirmation, because
# e.g. a daughter-in-law is the new head's wife only if he is the son she married.
_REBASE = {
    R.SPOUSE: {
        R.HEAD: R.SPOUSE,
        R.CHILD: R.CHILD,
        R.GRANDCHILD: R.GRANDCHILD,
        R.CHILD_IN_LAW: R.CHILD_IN_LAW,
    },
    R.CHILD: {
        R.HEAD: R.PARENT,
        R.SPOUSE: R.PARENT,
        R.CHILD: R.SIBLING,
        R.CHILD_IN_LAW: R.SPOUSE,
        R.GRANDCHILD: R.CHILD,
        R.PARENT: R.GRANDPARENT,
    },
    R.PARENT: {R.HEAD: R.CHILD, R.SPOUSE: R.CHILD_IN_LAW, R.CHILD: R.GRANDCHILD, R.SIBLING: R.CHILD},
    R.SIBLING: {R.HEAD: R.SIBLING, R.PARENT: R.PARENT, R.SIBLING: R.SIBLING},
    R.GRANDCHILD: {R.HEAD: R.GRANDPARENT, R.SPOUSE: R.GRANDPARENT},
}


def suggest_relations(members, new_head) -> dict[int, str]:
    """Each member's relation to `new_head` once they head the household (theirs becomes head)."""
    table = _REBASE.get(new_head.relation, {})
    out = {}
    for m in members:
        out[m.pk] = R.HEAD if m.pk == new_head.pk else table.get(m.relation, R.OTHER)
    return out


# --- residents ---------------------------------------------------------------------------


def key_populations_of(resident: Resident, on: dt.date | None = None) -> set[str]:
    """Recorded kinds valid on `on`, plus the derived elderly (≥ 65) and children (0–6)."""
    on = on or dt.date.today()
    kinds = set(
        KeyPopulationRecord.objects.filter(resident=resident).valid_on(on).values_list("kind", flat=True)
    )
    age = resident.age_on(on)
    for kind, (low, high) in DERIVED_KINDS.items():
        if age >= low and (high is None or age <= high):
            kinds.add(kind)
    return kinds


def key_population_labels(kinds) -> list[str]:
    return [KeyPopulationKind(k).label for k in KeyPopulationKind.values if k in kinds]


def residents_search(user, q: str | None = None, **filters):
    """Residents the user may see, matching the list filters (see ResidentFilter)."""
    flt = filters.pop("filter", None) or ResidentFilter(q=q, **filters)
    qs = flt.filter(Resident.objects.visible_to(user))
    return qs.select_related("region", "household", "team", "institution", "responsible_doctor").order_by(
        "name", "pk"
    )


def resident_get(user, pk) -> Resident:
    return Resident.objects.select_related(
        "region", "institution", "household", "household__head", "team", "responsible_doctor"
    ).get_visible(user, pk=pk)


def resident_key_populations(user, resident: Resident):
    return (
        KeyPopulationRecord.objects.visible_to(user).filter(resident=resident).order_by("-valid_from", "kind")
    )


def resident_communities(user, resident: Resident):
    visible = FunctionalCommunity.objects.visible_to(user)
    return (
        CommunityMembership.objects.filter(resident=resident, community__in=visible)
        .select_related("community")
        .order_by("left_on", "community__name")
    )


def household_members(household: Household):
    """Members of a household the caller already may see: the head first, the deceased last."""
    members = list(
        household.members.select_related("team", "responsible_doctor").order_by("birth_date", "pk")
    )
    return sorted(members, key=lambda m: (m.deceased_on is not None, m.pk != household.head_id))


# --- households ---------------------------------------------------------------------------


def households_search(user, flt: HouseholdFilter | None = None):
    flt = flt or HouseholdFilter()
    return (
        flt.filter(Household.objects.visible_to(user))
        .select_related("head", "region", "institution", "team")
        .annotate(member_count=Count("members", filter=Q(members__deceased_on__isnull=True)))
        .order_by("code")
    )


def household_get(user, pk) -> Household:
    return Household.objects.select_related("head", "region", "institution", "team").get_visible(user, pk=pk)


def residents_without_household(user, q: str):
    """Candidates to add to a household: living residents with no household, found like the list."""
    if not (q or "").strip():
        return Resident.objects.none()
    return residents_search(user, q=q, status="active").filter(household__isnull=True)[:20]


# --- functional communities ---------------------------------------------------------------


def communities_search(user, flt: CommunityFilter | None = None):
    flt = flt or CommunityFilter()
    return (
        flt.filter(FunctionalCommunity.objects.visible_to(user))
        .select_related("institution", "region")
        .annotate(member_count=Count("memberships", filter=Q(memberships__left_on__isnull=True)))
        .order_by("name")
    )


def community_get(user, pk) -> FunctionalCommunity:
    return FunctionalCommunity.objects.select_related("institution", "region").get_visible(user, pk=pk)


def community_members(user, community: FunctionalCommunity, *, current_only=True):
    rows = CommunityMembership.objects.filter(
        community=community, resident__in=Resident.objects.visible_to(user)
    ).select_related("resident", "resident__region")
    if current_only:
        rows = rows.filter(left_on__isnull=True)
    return rows.order_by("resident__name")


# --- institutions, regions, baselines -----------------------------------------------------


def institutions_search(user, flt: InstitutionFilter | None = None):
    flt = flt or InstitutionFilter()
    return (
        flt.filter(Institution.objects.visible_to(user))
        .select_related("region", "parent", "alliance")
        .order_by("code")
    )


def institution_get(user, pk) -> Institution:
    return Institution.objects.select_related("region", "parent", "alliance").get_visible(user, pk=pk)


def institution_children(user, institution: Institution):
    return Institution.objects.visible_to(user).filter(parent=institution).select_related("region")


def institution_team_count(institution: Institution) -> int:
    return institution.teams.filter(is_active=True).count()


def institution_options(user, *, primary_only=False):
    qs = Institution.objects.visible_to(user).filter(is_active=True)
    if primary_only:
        qs = qs.primary()
    return qs.order_by("code")


def regions_search(user, flt: RegionFilter | None = None):
    flt = flt or RegionFilter()
    return flt.filter(Region.objects.visible_to(user)).select_related("parent").order_by("code")


def region_get(user, pk) -> Region:
    return Region.objects.select_related("parent").get_visible(user, pk=pk)


def region_roots(user):
    """The top of the tree the user sees: regions whose parent they cannot see (or none)."""
    visible = Region.objects.visible_to(user)
    return visible.exclude(parent__in=visible).order_by("code")


def region_children(user, region: Region):
    return (
        Region.objects.visible_to(user)
        .filter(parent=region)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def region_options(user, *, level: str | None = None):
    """Regions for a dropdown, in code order so the tree reads top-down."""
    qs = Region.objects.visible_to(user)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")


def region_stats(user, region: Region) -> dict:
    return {
        "residents": Resident.objects.visible_to(user).filter(region_code__startswith=region.prefix).count(),
        "institutions": Institution.objects.visible_to(user)
        .filter(region_code__startswith=region.prefix)
        .count(),
    }


def baselines_search(user, flt: BaselineFilter | None = None):
    flt = flt or BaselineFilter()
    return flt.filter(PopulationBaseline.objects.visible_to(user)).select_related("institution")


def baseline_years(user) -> list[int]:
    return list(
        PopulationBaseline.objects.visible_to(user)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- who may read people data -------------------------------------------------------------


def require_people_access(user) -> None:
    """Residents, households and communities are for those who serve people (and the people).

    Finance and referral-desk users have a region/hospital scope for their own work, but no
    business with the registry's personal data.
    """
    from jiayi.core.errors import Forbidden
    from jiayi.core.models import Role
    from jiayi.core.permissions import role_of

    if role_of(user) in (None, Role.FINANCE, Role.REFERRAL_DESK):
        raise Forbidden()


def require_staff(user) -> None:
    """Reference data (institutions, regions, baselines) is for staff."""
    from jiayi.core.errors import Forbidden
    from jiayi.core.models import Role
    from jiayi.core.permissions import role_of

    if role_of(user) in (None, Role.RESIDENT):
        raise Forbidden()


def managed_institutions(user):
    """Institutions whose people the user looks after: the choices on resident/household forms."""
    from jiayi.core.scope import INSTITUTION, TEAM

    qs = Institution.objects.visible_to(user).filter(is_active=True)
    if user.scope.kind in (INSTITUTION, TEAM):
        qs = qs.filter(pk__in=user.scope.institution_ids)
    return qs.order_by("code")
