"""Writes of the teams app (R-TEAM-1 … R-TEAM-3). Pages, the API and imports all call these."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import Forbidden, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.core.scope import INSTITUTION
from jiayi.registry.models import HOSPITAL_KINDS, PRIMARY_KINDS, Institution, Region, RegionLevel, Resident

from . import errors
from .models import (
    DOCTOR_PROFESSIONS,
    SIGNING_ROLES,
    Practitioner,
    Profession,
    Team,
    TeamMembership,
    TeamRole,
)

PRACTITIONER_PERM = "teams.change_practitioner"
TEAM_PERM = "teams.change_team"

PRACTITIONER_FIELDS = {
    "name",
    "licence_no",
    "title",
    "profession",
    "department",
    "institution",
    "home_institution",
    "phone",
    "is_retired",
    "tcm_capable",
}
TEAM_FIELDS = {"name", "phone", "is_individual"}


# --- scope -------------------------------------------------------------------------------------


def can_manage(actor, institution: Institution | None) -> bool:
    """Institution admins manage their own institution (and its stations); sysadmins everything.

    Institutions are visible county-wide as reference data, so visibility alone is not enough.
    """
    if institution is None:
        return False
    scope = actor.scope
    if scope.sees_all:
        return True
    return scope.kind == INSTITUTION and institution.pk in scope.institution_ids


def require_manage(actor, institution: Institution) -> None:
    if not can_manage(actor, institution):
        raise Forbidden(_("只能管理本机构的医务人员和团队"), details={"institution": institution.pk})


def _visible_practitioner(actor, practitioner: Practitioner) -> Practitioner:
    return Practitioner.objects.select_for_update(of=("self",)).get_visible(actor, pk=practitioner.pk)


def _visible_team(actor, team: Team) -> Team:
    return Team.objects.select_for_update(of=("self",)).get_visible(actor, pk=team.pk)


def _today() -> dt.date:
    return timezone.localdate()


# --- practitioners -----------------------------------------------------------------------------


def _clean_practitioner(p: Practitioner) -> None:
    p.name = (p.name or "").strip()
    if not p.name:
        raise ValidationFailed(_("请填写姓名"), details={"field": "name"})
    if p.profession not in Profession.values:
        raise ValidationFailed(_("专业类别无效"), details={"field": "profession"})
    p.licence_no = (p.licence_no or "").strip() or None
    if p.licence_no:
        clash = Practitioner.objects.filter(licence_no=p.licence_no).exclude(pk=p.pk)
        if clash.exists():
            raise errors.DuplicateLicence(
                _("执业证书编码 %(no)s 已登记") % {"no": p.licence_no},
                details={"field": "licence_no", "licence_no": p.licence_no},
            )
    if p.profession == Profession.SPECIALIST and p.home_institution_id is None:
        # A hospital's own specialist: the hospital is the home institution.
        p.home_institution = p.institution
    if p.home_institution_id is not None and p.home_institution.kind not in HOSPITAL_KINDS:
        raise errors.NotHospital(details={"field": "home_institution"})
    # A TCM doctor can always provide TCM services (R-TEAM-3).
    if p.profession == Profession.TCM:
        p.tcm_capable = True


def _save_practitioner(p: Practitioner) -> None:
    try:
        with transaction.atomic():
            p.save()
    except IntegrityError:
        # Two clerks entering the same licence at once: the unique index decides.
        raise errors.DuplicateLicence(details={"field": "licence_no", "licence_no": p.licence_no}) from None


def practitioner_create(
    *,
    actor,
    name: str,
    profession: str,
    institution: Institution,
    licence_no: str | None = None,
    title: str = "",
    department: str = "",
    home_institution: Institution | None = None,
    phone: str = "",
    is_retired: bool = False,
    tcm_capable: bool = False,
) -> Practitioner:
    require_perm(actor, PRACTITIONER_PERM)
    with transaction.atomic():
        require_manage(actor, institution)
        p = Practitioner(
            name=name,
            profession=profession,
            institution=institution,
            licence_no=licence_no,
            title=title or "",
            department=department or "",
            home_institution=home_institution,
            phone=phone or "",
            is_retired=is_retired,
            tcm_capable=tcm_capable,
        )
        _clean_practitioner(p)
        _save_practitioner(p)
        record_write(actor=actor, action="create", obj=p, after=snapshot(p))
        return p


def practitioner_update(*, actor, practitioner: Practitioner, **changes) -> Practitioner:
    """Change any of PRACTITIONER_FIELDS; fields not passed keep their value."""
    require_perm(actor, PRACTITIONER_PERM)
    unknown = set(changes) - PRACTITIONER_FIELDS
    if unknown:
        raise ValidationFailed(details={"fields": sorted(unknown)})
    with transaction.atomic():
        p = _visible_practitioner(actor, practitioner)
        require_manage(actor, p.institution)
        before = snapshot(p)
        for name, value in changes.items():
            setattr(p, name, value)
        if "institution" in changes:
            require_manage(actor, p.institution)
        _clean_practitioner(p)
        _save_practitioner(p)
        record_write(actor=actor, action="update", obj=p, before=before, after=snapshot(p))
        return p


def practitioner_deactivate(*, actor, practitioner: Practitioner, on: dt.date | None = None) -> Practitioner:
    """Off duty: the practitioner's memberships end; a team leader must be replaced first."""
    require_perm(actor, PRACTITIONER_PERM)
    on = on or _today()
    with transaction.atomic():
        p = _visible_practitioner(actor, practitioner)
        require_manage(actor, p.institution)
        if not p.is_active:
            raise errors.InactiveRecord(_("该人员已停用"))
        led = list(Team.objects.active().filter(leader=p).values_list("name", flat=True))
        if led:
            raise errors.LeaderRequired(
                _("%(name)s 是团队“%(teams)s”的团队长，请先更换团队长")
                % {"name": p.name, "teams": "、".join(led)},
                details={"teams": led},
            )
        before = snapshot(p)
        for m in p.memberships.filter(is_active=True).select_related("team"):
            _end_membership(actor, m, on)
        p.is_active = False
        p.save()
        record_write(actor=actor, action="deactivate", obj=p, before=before, after=snapshot(p))
        return p


# --- teams -------------------------------------------------------------------------------------


def _check_leader(team_institution: Institution, leader: Practitioner) -> None:
    if not leader.is_active:
        raise errors.InactiveRecord(_("%(name)s 已停用，不能担任团队长") % {"name": leader.name})
    if leader.profession not in DOCTOR_PROFESSIONS:
        raise errors.NotFamilyDoctor(
            _("%(name)s 的专业类别是“%(prof)s”，不能担任团队长（须为家庭医生）")
            % {"name": leader.name, "prof": leader.get_profession_display()},
            details={"field": "leader"},
        )
    if leader.institution_id not in team_institution.descendant_ids():
        raise errors.NotInInstitution(
            _("团队长 %(name)s 不属于%(inst)s") % {"name": leader.name, "inst": team_institution.name},
            details={"field": "leader"},
        )


def _clean_villages(institution: Institution, villages: Iterable[Region]) -> list[Region]:
    villages = list(villages)
    for v in villages:
        if v.level != RegionLevel.VILLAGE or v.county_code != institution.county_code:
            raise ValidationFailed(
                _("“%(v)s”不是本区县的村/社区") % {"v": v.name}, details={"field": "villages"}
            )
    return villages


def _new_membership(team: Team, practitioner: Practitioner, role: str, since: dt.date) -> TeamMembership:
    if team.memberships.filter(practitioner=practitioner, role=role, is_active=True).exists():
        raise errors.DuplicateMembership(
            _("%(name)s 已在本团队担任“%(role)s”")
            % {"name": practitioner.name, "role": TeamRole(role).label},
            details={"field": "role"},
        )
    m = TeamMembership(team=team, practitioner=practitioner, role=role, since=since)
    try:
        with transaction.atomic():
            m.save()
    except IntegrityError:
        raise errors.DuplicateMembership(details={"field": "role"}) from None
    return m


def team_create(
    *,
    actor,
    institution: Institution,
    name: str,
    leader: Practitioner,
    phone: str = "",
    is_individual: bool = False,
    villages: Iterable[Region] = (),
    since: dt.date | None = None,
) -> Team:
    require_perm(actor, TEAM_PERM)
    with transaction.atomic():
        require_manage(actor, institution)
        if institution.kind not in PRIMARY_KINDS:
            raise errors.NotPrimaryInstitution(
                _("%(inst)s 是%(kind)s，家庭医生团队只能设在社区卫生服务中心或乡镇卫生院")
                % {"inst": institution.name, "kind": institution.get_kind_display()},
                details={"field": "institution"},
            )
        name = (name or "").strip()
        if not name:
            raise ValidationFailed(_("请填写团队名称"), details={"field": "name"})
        _check_leader(institution, leader)
        villages = _clean_villages(institution, villages)
        team = Team.objects.create(
            institution=institution, name=name, leader=leader, phone=phone or "", is_individual=is_individual
        )
        team.villages.set(villages)
        _new_membership(team, leader, TeamRole.LEADER, since or _today())
        after = snapshot(team) | {"villages": sorted(v.pk for v in villages)}
        record_write(actor=actor, action="create", obj=team, after=after)
        return team


def team_update(*, actor, team: Team, **changes) -> Team:
    """Change name, phone or the individual flag; leader and villages have their own services."""
    require_perm(actor, TEAM_PERM)
    unknown = set(changes) - TEAM_FIELDS
    if unknown:
        raise ValidationFailed(details={"fields": sorted(unknown)})
    with transaction.atomic():
        t = _visible_team(actor, team)
        require_manage(actor, t.institution)
        before = snapshot(t)
        for name, value in changes.items():
            setattr(t, name, value)
        t.name = (t.name or "").strip()
        if not t.name:
            raise ValidationFailed(_("请填写团队名称"), details={"field": "name"})
        t.save()
        record_write(actor=actor, action="update", obj=t, before=before, after=snapshot(t))
        return t


def team_set_villages(*, actor, team: Team, villages: Iterable[Region]) -> Team:
    require_perm(actor, TEAM_PERM)
    with transaction.atomic():
        t = _visible_team(actor, team)
        require_manage(actor, t.institution)
        villages = _clean_villages(t.institution, villages)
        before = sorted(t.villages.values_list("pk", flat=True))
        t.villages.set(villages)
        after = sorted(v.pk for v in villages)
        if before != after:
            record_write(
                actor=actor,
                action="set_villages",
                obj=t,
                before={"villages": before},
                after={"villages": after},
            )
        return t


def team_deactivate(*, actor, team: Team, on: dt.date | None = None) -> Team:
    """A team stops; refused while residents are still signed with it (they must be moved first)."""
    require_perm(actor, TEAM_PERM)
    on = on or _today()
    with transaction.atomic():
        t = _visible_team(actor, team)
        require_manage(actor, t.institution)
        if not t.is_active:
            raise errors.InactiveRecord(_("该团队已停用"))
        signed = Resident.objects.active().filter(team=t).count()
        if signed:
            raise errors.TeamHasResidents(
                _("团队“%(team)s”仍有 %(n)s 名签约居民，请先转移后再停用") % {"team": t.name, "n": signed},
                details={"residents": signed},
            )
        before = snapshot(t)
        for m in t.memberships.filter(is_active=True).select_related("practitioner"):
            _end_membership(actor, m, on)
        t.is_active = False
        t.save()
        record_write(actor=actor, action="deactivate", obj=t, before=before, after=snapshot(t))
        return t


def _eligible_member(team: Team, practitioner: Practitioner, role: str) -> None:
    if role in SIGNING_ROLES and practitioner.profession not in DOCTOR_PROFESSIONS:
        raise errors.NotFamilyDoctor(
            _("%(name)s 的专业类别是“%(prof)s”，不能担任家庭医生")
            % {"name": practitioner.name, "prof": practitioner.get_profession_display()},
            details={"field": "role"},
        )
    if role == TeamRole.SPECIALIST and practitioner.profession not in DOCTOR_PROFESSIONS | {
        Profession.SPECIALIST
    }:
        raise errors.NotFamilyDoctor(
            _("%(name)s 不是医生，不能以专科医生身份加入") % {"name": practitioner.name},
            details={"field": "role"},
        )
    if practitioner.institution_id in team.institution.descendant_ids():
        return
    # "1+1+N": specialists of a higher hospital join teams from outside (全专结合).
    from_hospital = practitioner.institution.kind in HOSPITAL_KINDS or (
        practitioner.home_institution_id is not None and practitioner.home_institution.kind in HOSPITAL_KINDS
    )
    if role == TeamRole.SPECIALIST and from_hospital:
        return
    raise errors.NotInInstitution(
        _("%(name)s 不属于%(inst)s，外院人员只能以“专科医生”身份加入")
        % {"name": practitioner.name, "inst": team.institution.name},
        details={"field": "practitioner"},
    )


def team_add_member(
    *, actor, team: Team, practitioner: Practitioner, role: str, since: dt.date | None = None
) -> TeamMembership:
    require_perm(actor, TEAM_PERM)
    if role not in TeamRole.values:
        raise ValidationFailed(_("团队角色无效"), details={"field": "role"})
    if role == TeamRole.LEADER:
        raise ValidationFailed(_("团队长请通过“更换团队长”设置"), details={"field": "role"})
    with transaction.atomic():
        t = _visible_team(actor, team)
        require_manage(actor, t.institution)
        if not t.is_active:
            raise errors.InactiveRecord(_("该团队已停用"))
        practitioner = Practitioner.objects.select_related("institution", "home_institution").get(
            pk=practitioner.pk
        )
        if not practitioner.is_active:
            raise errors.InactiveRecord(_("%(name)s 已停用") % {"name": practitioner.name})
        _eligible_member(t, practitioner, role)
        m = _new_membership(t, practitioner, role, since or _today())
        record_write(actor=actor, action="add_member", obj=t, after=snapshot(m))
        return m


def _end_membership(actor, m: TeamMembership, until: dt.date) -> None:
    if m.since and until < m.since:
        raise ValidationFailed(
            _("退出日期不能早于加入日期（%(since)s）") % {"since": m.since}, details={"field": "until"}
        )
    before = snapshot(m)
    m.until, m.is_active = until, False
    m.save(update_fields=["until", "is_active", "updated_at"])
    record_write(actor=actor, action="end_member", obj=m.team, before=before, after=snapshot(m))


def team_end_membership(*, actor, membership: TeamMembership, until: dt.date | None = None) -> TeamMembership:
    require_perm(actor, TEAM_PERM)
    with transaction.atomic():
        t = _visible_team(actor, membership.team)
        require_manage(actor, t.institution)
        m = TeamMembership.objects.select_for_update().filter(team=t, pk=membership.pk).first()
        if m is None or not m.is_active:
            raise errors.InactiveRecord(_("该成员关系已结束"))
        if m.role == TeamRole.LEADER:
            raise errors.LeaderRequired()
        m.team = t
        _end_membership(actor, m, until or _today())
        return m


def team_change_leader(
    *,
    actor,
    team: Team,
    leader: Practitioner,
    since: dt.date | None = None,
    keep_previous: bool = True,
) -> Team:
    """A new leader; the previous one stays on as a family doctor unless told otherwise,
    so the residents they are responsible for keep a doctor in the team."""
    require_perm(actor, TEAM_PERM)
    since = since or _today()
    with transaction.atomic():
        t = _visible_team(actor, team)
        require_manage(actor, t.institution)
        if not t.is_active:
            raise errors.InactiveRecord(_("该团队已停用"))
        leader = Practitioner.objects.get(pk=leader.pk)
        if leader.pk == t.leader_id:
            raise ValidationFailed(
                _("%(name)s 已是团队长") % {"name": leader.name}, details={"field": "leader"}
            )
        _check_leader(t.institution, leader)
        before = snapshot(t)
        previous = t.leader
        for m in t.memberships.filter(is_active=True, role=TeamRole.LEADER):
            _end_membership(actor, m, since)
        # The new leader's family-doctor role is replaced by the leader role (one signing role each).
        for m in t.memberships.filter(is_active=True, practitioner=leader, role=TeamRole.FAMILY_DOCTOR):
            _end_membership(actor, m, since)
        _new_membership(t, leader, TeamRole.LEADER, since)
        stays = keep_previous and previous is not None and previous.is_active
        if (
            stays
            and not t.memberships.filter(
                is_active=True, practitioner=previous, role=TeamRole.FAMILY_DOCTOR
            ).exists()
        ):
            _new_membership(t, previous, TeamRole.FAMILY_DOCTOR, since)
        t.leader = leader
        t.save()
        record_write(actor=actor, action="change_leader", obj=t, before=before, after=snapshot(t))
        return t
