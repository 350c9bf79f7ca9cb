"""Resident services (R-REG-3): create, update, death, reveal of the whole ID, team assignment."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_access, record_write, snapshot
from jiayi.core.crypto import blind_index
from jiayi.core.errors import DuplicateResident, ValidationFailed
from jiayi.core.nationalid import parse as parse_national_id
from jiayi.core.permissions import require_perm

from ..errors import ResidentInactive, TeamNotEligible
from ..fields import set_national_id, set_phone
from ..models import InsuranceType, Relation, ResidenceStatus, Resident
from ._common import UNSET, ensure_in_scope, given, locked, visible
from .households import attach_member, change_head_locked

_PERM = "registry.change_resident"


def _check_unique_id(resident: Resident) -> None:
    clash = Resident.objects.filter(id_index=resident.id_index)
    if resident.pk:
        clash = clash.exclude(pk=resident.pk)
    if clash.exists():
        raise DuplicateResident(details={"field": "national_id"})


def _save_unique(resident: Resident) -> None:
    # The pre-check gives the friendly answer; the unique index settles concurrent creates.
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise DuplicateResident(details={"field": "national_id"}) from None


def _check_choices(residence_status, insurance_type) -> None:
    if given(residence_status) and residence_status not in ResidenceStatus.values:
        raise ValidationFailed(_("居住状态不正确"), details={"field": "residence_status"})
    if given(insurance_type) and insurance_type not in InsuranceType.values:
        raise ValidationFailed(_("医保类型不正确"), details={"field": "insurance_type"})


def _check_place(region, institution) -> None:
    if region.level != "village":
        raise ValidationFailed(_("请选择村/社区一级的区划"), details={"field": "region"})
    if region.county_code != institution.county_code:
        raise ValidationFailed(_("管理机构与村/社区不在同一区县"), details={"field": "institution"})


def resident_create(
    *,
    actor,
    name: str,
    national_id: str,
    region,
    institution,
    phone: str = "",
    address: str = "",
    residence_status: str = ResidenceStatus.RESIDENT,
    insurance_type: str = InsuranceType.URBAN_RURAL,
    household=None,
    relation: str = "",
) -> Resident:
    require_perm(actor, _PERM)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("姓名不能为空"), details={"field": "name"})
    _check_choices(residence_status, insurance_type)
    _check_place(region, institution)
    with transaction.atomic():
        resident = Resident(
            name=name,
            region=region,
            institution=institution,
            address=address or "",
            residence_status=residence_status,
            insurance_type=insurance_type,
        )
        set_national_id(resident, national_id)
        set_phone(resident, phone)
        _check_unique_id(resident)
        _save_unique(resident)
        ensure_in_scope(actor, resident)
        record_write(actor=actor, action="create", obj=resident, after=snapshot(resident))
        if household is not None:
            attach_member(actor, locked(actor, household), resident, relation or Relation.OTHER)
    return resident


def resident_update(
    *,
    actor,
    resident: Resident,
    name=UNSET,
    national_id=UNSET,
    phone=UNSET,
    address=UNSET,
    region=UNSET,
    institution=UNSET,
    residence_status=UNSET,
    insurance_type=UNSET,
) -> Resident:
    """Change what was given. A new ID is validated again and re-derives birth date and sex."""
    require_perm(actor, _PERM)
    _check_choices(residence_status, insurance_type)
    with transaction.atomic():
        resident = locked(actor, resident)
        before = snapshot(resident)
        if given(name):
            if not (name or "").strip():
                raise ValidationFailed(_("姓名不能为空"), details={"field": "name"})
            resident.name = name.strip()
        if given(national_id) and national_id:
            value = parse_national_id(national_id).value
            if blind_index("nid", value) != resident.id_index:
                set_national_id(resident, value)
                _check_unique_id(resident)
        if given(phone):
            set_phone(resident, phone)
        if given(address):
            resident.address = address or ""
        if given(region):
            resident.region = region
        if given(institution):
            resident.institution = institution
        if given(residence_status):
            resident.residence_status = residence_status
        if given(insurance_type):
            resident.insurance_type = insurance_type
        _check_place(resident.region, resident.institution)
        _save_unique(resident)
        # A resident moved to another institution must stay within the actor's reach.
        ensure_in_scope(actor, resident)
        record_write(actor=actor, action="update", obj=resident, before=before, after=snapshot(resident))
    return resident


def resident_record_death(*, actor, resident: Resident, deceased_on: dt.date, new_head=None) -> Resident:
    """Record a death: the resident is deactivated but stays in the registry and in the household.

    If the resident heads a household with living members, `new_head` (one of them) takes over
    and the relations are re-based on them; without it the household is left headless
    (`Household.head` empty), which lists and pages flag as "户主待定" until someone picks a head.
    """
    require_perm(actor, _PERM)
    if deceased_on is None or deceased_on > dt.date.today():
        raise ValidationFailed(_("死亡日期不能晚于今天"), details={"field": "deceased_on"})
    with transaction.atomic():
        resident = locked(actor, resident)
        if resident.deceased_on is not None:
            raise ResidentInactive(_("该居民已登记死亡"))
        if deceased_on < resident.birth_date:
            raise ValidationFailed(_("死亡日期不能早于出生日期"), details={"field": "deceased_on"})
        before = snapshot(resident)
        resident.deceased_on = deceased_on
        resident.is_active = False
        resident.save()
        record_write(
            actor=actor, action="record_death", obj=resident, before=before, after=snapshot(resident)
        )
        household = resident.household
        if household is not None and household.head_id == resident.pk:
            household = locked(actor, household)
            if new_head is not None:
                change_head_locked(actor, household, new_head)
            else:
                h_before = snapshot(household)
                household.head = None
                household.save()
                record_write(
                    actor=actor,
                    action="head_vacated",
                    obj=household,
                    before=h_before,
                    after=snapshot(household),
                )
    resident.refresh_from_db()
    return resident


def resident_reveal_national_id(*, actor, resident: Resident) -> str:
    """The whole ID, for someone allowed to see it; every call leaves an access event (R-REG-3)."""
    require_perm(actor, "registry.reveal_national_id")
    with transaction.atomic():
        resident = visible(actor, resident)
        record_access(actor=actor, obj=resident, field="national_id")
    return resident.national_id


def resident_assign_team(*, actor, resident: Resident, team, doctor=None) -> Resident:
    """Make `team` (and `doctor`, one of its active signing members) responsible for the resident.

    Contracts call this when signing; the team must belong to a primary institution in the
    resident's county. `team=None` clears the assignment (e.g. after a termination).
    """
    from jiayi.teams.models import SIGNING_ROLES

    require_perm(actor, _PERM)
    with transaction.atomic():
        resident = locked(actor, resident)
        if team is not None:
            from jiayi.teams.models import Team

            team = Team.objects.select_related("institution").get_visible(actor, pk=team.pk)
            if not resident.is_active or resident.deceased_on:
                raise ResidentInactive()
            if not team.is_active or not team.institution.is_primary:
                raise TeamNotEligible(
                    _("团队必须是在用的、属于社区卫生服务中心或乡镇卫生院的团队"), details={"field": "team"}
                )
            if team.county_code != resident.county_code:
                raise TeamNotEligible(_("团队与居民不在同一区县"), details={"field": "team"})
            if (
                doctor is not None
                and not team.memberships.filter(
                    practitioner_id=doctor.pk, is_active=True, role__in=SIGNING_ROLES
                ).exists()
            ):
                raise TeamNotEligible(
                    _("责任医生必须是该团队在岗的团队长或家庭医生"), details={"field": "doctor"}
                )
        elif doctor is not None:
            raise TeamNotEligible(_("未指定团队时不能指定责任医生"), details={"field": "doctor"})
        before = snapshot(resident, ["team", "responsible_doctor"])
        resident.team = team
        resident.responsible_doctor = doctor
        resident.save(update_fields=["team", "responsible_doctor", "updated_at"])
        record_write(
            actor=actor,
            action="assign_team",
            obj=resident,
            before=before,
            after=snapshot(resident, ["team", "responsible_doctor"]),
        )
    return resident
