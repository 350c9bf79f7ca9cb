"""Household services (R-REG-4): one head, members with their relation to the head.

Invariant kept by every function here: among a household's members exactly one has relation
"head" and it is `Household.head` — or the household is headless (head empty, e.g. after the
head died) and no living member has relation "head". Deceased members stay in the household
with the relation they had, so the family's history reads correctly.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import ValidationFailed
from jiayi.core.permissions import require_perm

from ..errors import (
    AlreadyInHousehold,
    AlreadyMember,
    DuplicateHousehold,
    HouseholdHeadRule,
    NotAMember,
    ResidentInactive,
)
from ..models import Household, Relation, Resident
from ..queries import suggest_relations
from ._common import UNSET, ensure_in_scope, given, locked

_PERM = "registry.change_household"


def _relations(household: Household) -> dict[str, str]:
    return {str(pk): rel for pk, rel in household.members.order_by("pk").values_list("pk", "relation")}


def _check_relation(relation: str) -> None:
    if relation not in Relation.values:
        raise ValidationFailed(_("与户主关系不正确"), details={"field": "relation"})


def attach_member(actor, household: Household, resident: Resident, relation: str) -> None:
    """Add a (locked, visible) resident to a (locked) household; shared with resident_create."""
    _check_relation(relation)
    if not resident.is_active or resident.deceased_on:
        raise ResidentInactive()
    if resident.household_id == household.pk:
        raise AlreadyMember(_("该居民已是本户成员"))
    if resident.household_id:
        raise AlreadyInHousehold()
    if resident.county_code != household.county_code:
        raise ValidationFailed(_("居民与家庭户不在同一区县"), details={"field": "resident"})
    if relation == Relation.HEAD:
        if household.head_id:
            raise HouseholdHeadRule(
                _("该户已有户主，如需更换请使用“更换户主”"), details={"field": "relation"}
            )
        household.head = resident
        household.save(update_fields=["head", "updated_at"])
    resident.household = household
    resident.relation = relation
    resident.save(update_fields=["household", "relation", "updated_at"])
    record_write(
        actor=actor,
        action="add_member",
        obj=household,
        after={"resident": resident.pk, "name": resident.name, "relation": relation},
    )


def household_create(
    *, actor, code: str, region, institution, address: str = "", head: Resident | None = None
) -> Household:
    require_perm(actor, _PERM)
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("户编号不能为空"), details={"field": "code"})
    if region.level != "village":
        raise ValidationFailed(_("请选择村/社区一级的区划"), details={"field": "region"})
    if region.county_code != institution.county_code:
        raise ValidationFailed(_("管理机构与村/社区不在同一区县"), details={"field": "institution"})
    with transaction.atomic():
        if Household.objects.filter(code=code).exists():
            raise DuplicateHousehold(details={"field": "code"})
        try:
            with transaction.atomic():
                household = Household.objects.create(
                    code=code, region=region, institution=institution, address=address or ""
                )
        except IntegrityError:
            raise DuplicateHousehold(details={"field": "code"}) from None
        ensure_in_scope(actor, household)
        record_write(actor=actor, action="create", obj=household, after=snapshot(household))
        if head is not None:
            attach_member(actor, household, locked(actor, head), Relation.HEAD)
    return household


def household_update(
    *, actor, household: Household, address=UNSET, region=UNSET, institution=UNSET
) -> Household:
    require_perm(actor, _PERM)
    with transaction.atomic():
        household = locked(actor, household)
        before = snapshot(household)
        if given(address):
            household.address = address or ""
        if given(region):
            if region.level != "village":
                raise ValidationFailed(_("请选择村/社区一级的区划"), details={"field": "region"})
            household.region = region
        if given(institution):
            household.institution = institution
        if household.region.county_code != household.institution.county_code:
            raise ValidationFailed(_("管理机构与村/社区不在同一区县"), details={"field": "institution"})
        household.save()
        ensure_in_scope(actor, household)
        record_write(actor=actor, action="update", obj=household, before=before, after=snapshot(household))
    return household


def household_add_member(*, actor, household: Household, resident: Resident, relation: str) -> Resident:
    require_perm(actor, _PERM)
    with transaction.atomic():
        household = locked(actor, household)
        resident = locked(actor, resident)
        attach_member(actor, household, resident, relation)
    return resident


def household_update_member(*, actor, household: Household, resident: Resident, relation: str) -> Resident:
    """Correct a member's relation to the head (the head itself changes only through change_head)."""
    require_perm(actor, _PERM)
    _check_relation(relation)
    with transaction.atomic():
        household = locked(actor, household)
        resident = locked(actor, resident)
        if resident.household_id != household.pk:
            raise NotAMember()
        if relation == Relation.HEAD or resident.pk == household.head_id:
            raise HouseholdHeadRule(_("户主请通过“更换户主”变更"), details={"field": "relation"})
        before = resident.relation
        resident.relation = relation
        resident.save(update_fields=["relation", "updated_at"])
        record_write(
            actor=actor,
            action="update_member",
            obj=household,
            before={"resident": resident.pk, "relation": before},
            after={"resident": resident.pk, "relation": relation},
        )
    return resident


def household_remove_member(*, actor, household: Household, resident: Resident) -> Resident:
    """Take a resident out of the household (moved away, split off). Nobody is deleted."""
    require_perm(actor, _PERM)
    with transaction.atomic():
        household = locked(actor, household)
        resident = locked(actor, resident)
        if resident.household_id != household.pk:
            raise NotAMember()
        if resident.pk == household.head_id:
            others = household.members.exclude(pk=resident.pk).filter(
                deceased_on__isnull=True, is_active=True
            )
            if others.exists():
                raise HouseholdHeadRule(_("户主不能直接移出，请先为本户更换户主"))
            household.head = None
            household.save(update_fields=["head", "updated_at"])
        before = {"resident": resident.pk, "name": resident.name, "relation": resident.relation}
        resident.household = None
        resident.relation = ""
        resident.save(update_fields=["household", "relation", "updated_at"])
        record_write(actor=actor, action="remove_member", obj=household, before=before)
    return resident


def change_head_locked(
    actor, household: Household, new_head: Resident, relations: dict[int, str] | None = None
) -> Household:
    """Re-base every member's relation on the new head; `relations` overrides the suggestions."""
    new_head = Resident.objects.select_for_update().get(pk=new_head.pk)
    if new_head.household_id != household.pk:
        raise NotAMember(_("新户主必须是本户成员"), details={"field": "new_head"})
    if not new_head.is_active or new_head.deceased_on:
        raise ResidentInactive(_("新户主必须是在世的有效居民"), details={"field": "new_head"})
    if household.head_id == new_head.pk:
        raise HouseholdHeadRule(_("该居民已是户主"), details={"field": "new_head"})
    members = list(household.members.select_for_update().order_by("pk"))
    member_ids = {m.pk for m in members}
    planned = suggest_relations(members, new_head)
    for pk, rel in (relations or {}).items():
        pk = int(pk)
        if pk not in member_ids or pk == new_head.pk:
            raise NotAMember(details={"resident": pk})
        _check_relation(rel)
        if rel == Relation.HEAD:
            raise HouseholdHeadRule(_("每户只能有一名户主"), details={"resident": pk})
        planned[pk] = rel
    before = {"head": household.head_id, "relations": _relations(household)}
    for m in members:
        m.relation = planned[m.pk]
        m.save(update_fields=["relation", "updated_at"])
    household.head = new_head
    household.save(update_fields=["head", "updated_at"])
    record_write(
        actor=actor,
        action="change_head",
        obj=household,
        before=before,
        after={"head": new_head.pk, "relations": _relations(household)},
    )
    return household


def household_change_head(
    *, actor, household: Household, new_head: Resident, relations: dict[int, str] | None = None
) -> Household:
    require_perm(actor, _PERM)
    with transaction.atomic():
        household = locked(actor, household)
        change_head_locked(actor, household, new_head, relations)
    return household
