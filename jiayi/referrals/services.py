"""Writes of two-way referral (R-REF-1, R-REF-2, R-REF-4).

Every step locks the referral (visible to the actor, else NotFound), checks the actor's
permission and side (the sender cancels; the receiver accepts, rejects, schedules, completes),
then the state machine, and leaves a history row and an audit event. Nothing is deleted.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract
from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.core.scope import INSTITUTION, TEAM
from jiayi.registry.models import InstitutionLevel, Resident
from jiayi.teams.models import Practitioner

from .errors import AlreadyReferredDown, DuplicateReferral, IllegalTransition
from .models import (
    ACTION_LABELS,
    OPEN_STATUSES,
    Direction,
    Referral,
    ReferralEvent,
    ReferralStatus,
    Slot,
    Urgency,
)
from .slot_services import reserve_for, slot_book, slot_release, slotpool_publish

S = ReferralStatus
UP, DOWN = Direction.UP, Direction.DOWN
SENDER, RECEIVER = "sender", "receiver"

# Who acts on each side of each direction (permission names in jiayi.core.permissions).
PERM_REFER = "referrals.refer"  # family doctors send up, and cancel what they sent
PERM_DESK = "referrals.desk"  # the hospital desk receives up-referrals, refers down, publishes slots
PERM_RECEIVE_DOWN = "referrals.receive_down"  # the primary institution takes the patient back
_SIDE_PERM = {(UP, SENDER): PERM_REFER, (UP, RECEIVER): PERM_DESK, (DOWN, SENDER): PERM_DESK}
_SIDE_PERM[(DOWN, RECEIVER)] = PERM_RECEIVE_DOWN

# action: (direction, statuses it may start from, status it leads to, side that may do it)
TRANSITIONS = {
    "accept": (UP, {S.REQUESTED}, S.ACCEPTED, RECEIVER),
    "reject": (UP, {S.REQUESTED}, S.REJECTED, RECEIVER),
    "schedule": (UP, {S.ACCEPTED}, S.SCHEDULED, RECEIVER),
    "complete": (UP, {S.ACCEPTED, S.SCHEDULED}, S.COMPLETED, RECEIVER),
    "cancel_up": (UP, {S.REQUESTED, S.ACCEPTED, S.SCHEDULED}, S.CANCELLED, SENDER),
    "cancel_down": (DOWN, {S.REQUESTED}, S.CANCELLED, SENDER),
    "return": (DOWN, {S.REQUESTED}, S.RETURNED, RECEIVER),
}
REFER_DOWN_FROM = {S.ACCEPTED, S.COMPLETED}


_LEVEL_RANK = {
    InstitutionLevel.VILLAGE: 0,
    InstitutionLevel.PRIMARY: 1,
    InstitutionLevel.SECONDARY: 2,
    InstitutionLevel.TERTIARY: 3,
}
REFERRAL_FIELDS = [
    "status",
    "department",
    "to_institution",
    "to_team",
    "via_family_doctor",
    "accepted_at",
    "scheduled_at",
    "appointment_at",
    "completed_at",
    "rejected_at",
    "cancelled_at",
    "returned_at",
    "close_reason",
]


# --- helpers -------------------------------------------------------------------------------------


def _snap(referral: Referral) -> dict:
    return snapshot(referral, REFERRAL_FIELDS)


def _actor_place(actor) -> str:
    if getattr(actor, "institution_id", None):
        return actor.institution.name
    if getattr(actor, "team_id", None):
        return actor.team.institution.name
    return ""


def _log(*, actor, referral: Referral, action: str, before: dict | None, note: str = "") -> None:
    """The referral's history row and the audit event, written together."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    ReferralEvent.objects.create(
        referral=referral,
        actor=user,
        actor_name=str(actor)[:150] if user else "system",
        institution_name=_actor_place(actor)[:100],
        action=action,
        from_status=(before or {}).get("status", "") or "",
        to_status=referral.status,
        note=(note or "")[:300],
    )
    record_write(actor=actor, action=f"referral_{action}", obj=referral, before=before, after=_snap(referral))


def on_side(actor, referral: Referral, side: str) -> bool:
    """Is the actor the sending (or receiving) end of this referral?"""
    scope = actor.scope
    if scope.sees_all:
        return True
    if side == SENDER:
        inst, team = referral.from_institution_id, referral.from_team_id
    else:
        inst, team = referral.to_institution_id, referral.to_team_id
    if scope.kind == INSTITUTION:
        return inst in scope.institution_ids
    if scope.kind == TEAM:
        return team == scope.team_id if team else inst == scope.team_institution_id
    return False


def can_do(actor, referral: Referral, action: str) -> bool:
    """Whether the screen should offer `action` (the service checks again)."""
    from jiayi.core.permissions import has_perm

    if action == "cancel":
        action = "cancel_up" if referral.direction == UP else "cancel_down"
    if action == "refer_down":
        return (
            referral.direction == UP
            and referral.status in REFER_DOWN_FROM
            and has_perm(actor, PERM_DESK)
            and on_side(actor, referral, RECEIVER)
            and not referral.down_referrals.exclude(status=S.CANCELLED).exists()
        )
    direction, sources, _target, side = TRANSITIONS[action]
    return (
        referral.direction == direction
        and referral.status in sources
        and has_perm(actor, _SIDE_PERM[(direction, side)])
        and on_side(actor, referral, side)
    )


def _lock(actor, referral: Referral) -> Referral:
    row = (
        Referral.objects.visible_to(actor)
        .filter(pk=referral.pk)
        .select_for_update(of=("self",))
        .select_related("from_institution", "to_institution", "resident")
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def _require_side(actor, referral: Referral, side: str) -> None:
    require_perm(actor, _SIDE_PERM[(referral.direction, side)])
    if not on_side(actor, referral, side):
        message = _("只有转出方可以执行此操作") if side == SENDER else _("只有接收方可以执行此操作")
        raise Forbidden(message, details={"side": side})


def _illegal(referral: Referral, action: str):
    return IllegalTransition(
        _("转诊单当前状态为“%(status)s”，不能%(action)s")
        % {"status": referral.get_status_display(), "action": ACTION_LABELS.get(action, action)},
        details={"status": referral.status, "action": action},
    )


def _transition(*, actor, referral: Referral, key: str, action: str, note: str = "", stamp: str, **changes):
    """Lock, check side and state, move to the next status, stamp the time, log."""
    direction, sources, target, side = TRANSITIONS[key]
    row = _lock(actor, referral)
    if row.direction != direction:
        raise _illegal(row, action)
    _require_side(actor, row, side)
    if row.status not in sources:
        raise _illegal(row, action)
    before = _snap(row)
    row.status = target
    setattr(row, stamp, timezone.now())
    for k, v in changes.items():
        setattr(row, k, v)
    row.save()
    _log(actor=actor, referral=row, action=action, before=before, note=note)
    return row, before


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, details={"field": field})
    return value


# --- up-referral: request ------------------------------------------------------------------------


def _sender(actor, resident: Resident, contract: Contract | None):
    """(institution, team, practitioner) sending the referral, from the actor's place."""
    team = actor.team if actor.scope.kind == TEAM else None
    if team is not None:
        institution = team.institution
    elif getattr(actor, "institution_id", None):
        institution = actor.institution
    else:
        institution = contract.institution if contract else resident.institution
    if team is None and contract is not None and contract.institution_id == institution.pk:
        team = contract.team
    practitioner = Practitioner.objects.filter(user=actor, is_active=True).first() if actor.pk else None
    if practitioner is None and contract is not None and team is not None and contract.team_id == team.pk:
        practitioner = contract.doctor
    return institution, team, practitioner


def referral_request(
    *,
    actor,
    resident: Resident,
    to_institution,
    department: str,
    reason: str,
    clinical_summary: str = "",
    urgency: str = Urgency.ROUTINE,
) -> Referral:
    """A family doctor refers a resident up to a department of a higher hospital (R-REF-1)."""
    require_perm(actor, PERM_REFER)
    department = _required_text(department, "department", _("请填写转入科室"))
    reason = _required_text(reason, "reason", _("请填写转诊原因"))
    if urgency not in Urgency.values:
        raise ValidationFailed(_("紧急程度无效"), details={"field": "urgency"})
    with transaction.atomic():
        resident = (
            Resident.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=resident.pk).first()
        )
        if resident is None:
            raise NotFound()
        contract = (
            Contract.objects.in_force()
            .filter(resident=resident)
            .select_related("team", "doctor", "institution")
            .first()
        )
        institution, team, practitioner = _sender(actor, resident, contract)
        _check_up_target(institution, to_institution)
        if (
            Referral.objects.open()
            .filter(resident=resident, to_institution=to_institution, department=department, direction=UP)
            .exists()
        ):
            raise DuplicateReferral()
        via = contract is not None and (
            (team is not None and contract.team_id == team.pk) or contract.institution_id == institution.pk
        )
        referral = Referral.objects.create(
            direction=UP,
            resident=resident,
            from_institution=institution,
            from_team=team,
            from_practitioner=practitioner,
            to_institution=to_institution,
            department=department,
            reason=reason,
            clinical_summary=(clinical_summary or "").strip(),
            urgency=urgency,
            via_family_doctor=via,
            contract=contract,
            requested_by=actor if actor.pk else None,
        )
        _log(actor=actor, referral=referral, action="request", before=None, note=reason)
    return referral


def _check_up_target(from_institution, to_institution) -> None:
    if to_institution is None or not to_institution.is_active:
        raise ValidationFailed(_("请选择在用的转入医院"), details={"field": "to_institution"})
    if _LEVEL_RANK.get(to_institution.level, 0) < _LEVEL_RANK[InstitutionLevel.SECONDARY]:
        raise ValidationFailed(_("上转只能转往二级或三级医院"), details={"field": "to_institution"})
    if _LEVEL_RANK.get(to_institution.level, 0) <= _LEVEL_RANK.get(from_institution.level, 0):
        raise ValidationFailed(_("上转的接收医院须高于转出机构的层级"), details={"field": "to_institution"})


# --- the receiving hospital's steps ----------------------------------------------------------------


def referral_accept(*, actor, referral: Referral, note: str = "") -> Referral:
    with transaction.atomic():
        row, _before = _transition(
            actor=actor, referral=referral, key="accept", action="accept", note=note, stamp="accepted_at"
        )
    return row


def referral_reject(*, actor, referral: Referral, reason: str) -> Referral:
    reason = _required_text(reason, "reason", _("请填写拒绝原因"))
    with transaction.atomic():
        row, _before = _transition(
            actor=actor,
            referral=referral,
            key="reject",
            action="reject",
            note=reason,
            stamp="rejected_at",
            close_reason=reason,
        )
    return row


def referral_schedule(*, actor, referral: Referral, slot: Slot, note: str = "") -> Referral:
    """Give an accepted referral a slot of its department (R-REF-2); the slot is booked here."""
    with transaction.atomic():
        row, _before = _transition(
            actor=actor,
            referral=referral,
            key="schedule",
            action="schedule",
            note=note,
            stamp="scheduled_at",
        )
        booked = slot_book(actor=actor, slot=slot, referral=row)
        row.appointment_at = booked.starts_at
        row.save(update_fields=["appointment_at"])
    return row


def referral_complete(*, actor, referral: Referral, note: str = "") -> Referral:
    with transaction.atomic():
        row, _before = _transition(
            actor=actor, referral=referral, key="complete", action="complete", note=note, stamp="completed_at"
        )
    return row


def referral_cancel(*, actor, referral: Referral, reason: str) -> Referral:
    """The sender withdraws the referral; a booked slot goes back to the pool."""
    reason = _required_text(reason, "reason", _("请填写取消原因"))
    with transaction.atomic():
        key = "cancel_up" if referral.direction == UP else "cancel_down"
        row, _before = _transition(
            actor=actor,
            referral=referral,
            key=key,
            action="cancel",
            note=reason,
            stamp="cancelled_at",
            close_reason=reason,
            appointment_at=None,  # the appointment goes with its slot; the history keeps the booking
        )
        slot = Slot.objects.filter(referral=row).first()
        if slot is not None:
            slot_release(actor=actor, slot=slot)
    return row


# --- down-referral ---------------------------------------------------------------------------------


def referral_refer_down(
    *, actor, referral: Referral, reason: str, clinical_summary: str = "", department: str = ""
) -> Referral:
    """The hospital sends the patient of an up-referral back to the primary institution of the
    resident's contract (or, without a contract, the resident's managing institution)."""
    reason = _required_text(reason, "reason", _("请填写下转原因（如康复、随访）"))
    with transaction.atomic():
        up = _lock(actor, referral)
        if up.direction != UP:
            raise _illegal(up, "refer_down")
        require_perm(actor, PERM_DESK)
        if not on_side(actor, up, RECEIVER):
            raise Forbidden(_("只有接收医院可以办理下转"), details={"side": RECEIVER})
        if up.status not in REFER_DOWN_FROM:
            raise _illegal(up, "refer_down")
        if up.down_referrals.exclude(status=S.CANCELLED).exists():
            raise AlreadyReferredDown()
        resident = up.resident
        contract = Contract.objects.in_force().filter(resident=resident).select_related("team").first()
        target = contract.institution if contract else resident.institution
        target_team = contract.team if contract else resident.team
        down = Referral.objects.create(
            direction=DOWN,
            resident=resident,
            from_institution=up.to_institution,
            from_practitioner=Practitioner.objects.filter(user=actor, is_active=True).first()
            if actor.pk
            else None,
            to_institution=target,
            to_team=target_team,
            department=(department or "").strip() or _("全科"),
            reason=reason,
            clinical_summary=(clinical_summary or "").strip(),
            urgency=Urgency.ROUTINE,
            via_family_doctor=contract is not None,
            contract=contract,
            up_referral=up,
            requested_by=actor if actor.pk else None,
        )
        _log(actor=actor, referral=down, action="request", before=None, note=reason)
        before = _snap(up)
        _log(
            actor=actor,
            referral=up,
            action="refer_down",
            before=before,
            note=_("已下转至%(inst)s") % {"inst": target.name},
        )
    return down


def referral_return(*, actor, referral: Referral, note: str = "") -> Referral:
    """The primary institution receives the patient referred down (rehabilitation, follow-up)."""
    with transaction.atomic():
        row, _before = _transition(
            actor=actor, referral=referral, key="return", action="return", note=note, stamp="returned_at"
        )
    return row


__all__ = [
    "OPEN_STATUSES",
    "referral_accept",
    "referral_cancel",
    "referral_complete",
    "referral_refer_down",
    "referral_reject",
    "referral_request",
    "referral_return",
    "referral_schedule",
    "reserve_for",
    "slot_book",
    "slot_release",
    "slotpool_publish",
]
