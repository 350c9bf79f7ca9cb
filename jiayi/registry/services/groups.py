"""Key populations (R-REG-5) and functional communities (R-REG-6)."""

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import ValidationFailed
from jiayi.core.permissions import require_perm

from ..errors import AlreadyMember, DerivedKeyPopulation, DuplicateKeyPopulation, NotAMember, ResidentInactive
from ..fields import parse_phone
from ..models import (
    DERIVED_KINDS,
    CommunityKind,
    CommunityMembership,
    FunctionalCommunity,
    KeyPopulationKind,
    KeyPopulationRecord,
    KeyPopulationSource,
    Resident,
)
from ..signals import key_population_changed
from ._common import UNSET, ensure_in_scope, given, locked

_KP_PERM = "registry.change_keypopulation"
_COMMUNITY_PERM = "registry.change_community"


def _check_period(valid_from, valid_to) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationFailed(_("截止日期不能早于起始日期"), details={"field": "valid_to"})


def keypopulation_add(
    *,
    actor,
    resident: Resident,
    kind: str,
    source: str,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    note: str = "",
) -> KeyPopulationRecord:
    require_perm(actor, _KP_PERM)
    if kind in DERIVED_KINDS:
        raise DerivedKeyPopulation(
            _("“%(kind)s”由出生日期自动判定，无需登记") % {"kind": KeyPopulationKind(kind).label},
            details={"field": "kind"},
        )
    if kind not in KeyPopulationKind.values:
        raise ValidationFailed(_("重点人群类别不正确"), details={"field": "kind"})
    if source not in KeyPopulationSource.values:
        raise ValidationFailed(_("来源不正确"), details={"field": "source"})
    _check_period(valid_from, valid_to)
    with transaction.atomic():
        resident = locked(actor, resident)
        if resident.deceased_on:
            raise ResidentInactive()
        if kind == KeyPopulationKind.PREGNANT and resident.sex != "F":
            raise ValidationFailed(_("孕产妇只能登记女性居民"), details={"field": "kind"})
        # Two periods of the same kind may not overlap (open ends count as unbounded).
        overlapping = KeyPopulationRecord.objects.filter(resident=resident, kind=kind)
        if valid_to:
            overlapping = overlapping.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to))
        if valid_from:
            overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        if overlapping.exists():
            raise DuplicateKeyPopulation(details={"field": "kind"})
        record = KeyPopulationRecord.objects.create(
            resident=resident,
            kind=kind,
            source=source,
            valid_from=valid_from,
            valid_to=valid_to,
            note=note or "",
        )
        record_write(actor=actor, action="create", obj=record, after=snapshot(record))
        key_population_changed.send(sender=KeyPopulationRecord, resident_ids=[record.resident_id])
    return record


def keypopulation_end(*, actor, record: KeyPopulationRecord, valid_to: dt.date) -> KeyPopulationRecord:
    """Close a record's validity (cured, moved out of the category); the record is kept."""
    require_perm(actor, _KP_PERM)
    if valid_to is None:
        raise ValidationFailed(_("请填写截止日期"), details={"field": "valid_to"})
    with transaction.atomic():
        record = locked(actor, record)
        _check_period(record.valid_from, valid_to)
        before = snapshot(record)
        record.valid_to = valid_to
        record.save(update_fields=["valid_to", "updated_at"])
        record_write(actor=actor, action="end", obj=record, before=before, after=snapshot(record))
        key_population_changed.send(sender=KeyPopulationRecord, resident_ids=[record.resident_id])
    return record


def _check_community_fields(name, kind, contact_phone) -> None:
    if given(name) and not (name or "").strip():
        raise ValidationFailed(_("名称不能为空"), details={"field": "name"})
    if given(kind) and kind not in CommunityKind.values:
        raise ValidationFailed(_("功能社区类型不正确"), details={"field": "kind"})
    if given(contact_phone):
        try:
            parse_phone(contact_phone)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, details={"field": "contact_phone"}) from None


def community_create(
    *,
    actor,
    name: str,
    kind: str,
    region,
    institution,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> FunctionalCommunity:
    require_perm(actor, _COMMUNITY_PERM)
    _check_community_fields(name, kind, contact_phone)
    if region.county_code != institution.county_code:
        raise ValidationFailed(_("服务机构与所在区划不在同一区县"), details={"field": "institution"})
    with transaction.atomic():
        community = FunctionalCommunity.objects.create(
            name=name.strip(),
            kind=kind,
            region=region,
            institution=institution,
            address=address or "",
            contact_name=contact_name or "",
            contact_phone=contact_phone or "",
        )
        ensure_in_scope(actor, community)
        record_write(actor=actor, action="create", obj=community, after=snapshot(community))
    return community


def community_update(
    *,
    actor,
    community: FunctionalCommunity,
    name=UNSET,
    kind=UNSET,
    region=UNSET,
    institution=UNSET,
    address=UNSET,
    contact_name=UNSET,
    contact_phone=UNSET,
    is_active=UNSET,
) -> FunctionalCommunity:
    require_perm(actor, _COMMUNITY_PERM)
    _check_community_fields(name, kind, contact_phone)
    with transaction.atomic():
        community = locked(actor, community)
        before = snapshot(community)
        for field, value in (
            ("name", name),
            ("kind", kind),
            ("region", region),
            ("institution", institution),
            ("address", address),
            ("contact_name", contact_name),
            ("contact_phone", contact_phone),
            ("is_active", is_active),
        ):
            if given(value):
                setattr(community, field, value.strip() if isinstance(value, str) else value)
        if community.region.county_code != community.institution.county_code:
            raise ValidationFailed(_("服务机构与所在区划不在同一区县"), details={"field": "institution"})
        community.save()
        ensure_in_scope(actor, community)
        record_write(actor=actor, action="update", obj=community, before=before, after=snapshot(community))
    return community


def community_add_member(
    *,
    actor,
    community: FunctionalCommunity,
    resident: Resident,
    role: str = "",
    joined_on: dt.date | None = None,
) -> CommunityMembership:
    """Add a member; someone who left earlier rejoins on the same membership row."""
    require_perm(actor, _COMMUNITY_PERM)
    with transaction.atomic():
        community = locked(actor, community)
        resident = locked(actor, resident)
        if not resident.is_active or resident.deceased_on:
            raise ResidentInactive()
        if resident.county_code != community.county_code:
            raise ValidationFailed(_("居民与功能社区不在同一区县"), details={"field": "resident"})
        membership = CommunityMembership.objects.filter(community=community, resident=resident).first()
        if membership is not None and membership.left_on is None:
            raise AlreadyMember()
        if membership is None:
            membership = CommunityMembership(community=community, resident=resident)
        membership.role = role or ""
        membership.joined_on = joined_on or dt.date.today()
        membership.left_on = None
        membership.save()
        record_write(
            actor=actor,
            action="add_member",
            obj=community,
            after={"resident": resident.pk, "name": resident.name, "role": membership.role},
        )
    return membership


def community_remove_member(
    *, actor, community: FunctionalCommunity, resident: Resident, left_on: dt.date | None = None
) -> CommunityMembership:
    require_perm(actor, _COMMUNITY_PERM)
    with transaction.atomic():
        community = locked(actor, community)
        resident = locked(actor, resident)
        membership = CommunityMembership.objects.filter(
            community=community, resident=resident, left_on__isnull=True
        ).first()
        if membership is None:
            raise NotAMember()
        left_on = left_on or dt.date.today()
        if membership.joined_on and left_on < membership.joined_on:
            raise ValidationFailed(_("离开日期不能早于加入日期"), details={"field": "left_on"})
        membership.left_on = left_on
        membership.save(update_fields=["left_on", "updated_at"])
        record_write(
            actor=actor,
            action="remove_member",
            obj=community,
            before={"resident": resident.pk, "name": resident.name},
            after={"left_on": left_on},
        )
    return membership
