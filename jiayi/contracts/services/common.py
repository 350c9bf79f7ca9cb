"""Pieces shared by the signing and lifecycle services."""

from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.teams.models import SIGNING_ROLES, TeamMembership

from ..models import Contract, ContractEvent
from ..signals import contract_changed

CONTRACT_FIELDS = [
    "status",
    "start",
    "end",
    "term_years",
    "team",
    "doctor",
    "renewal_opt_out",
    "awaiting_payment",
    "terminated_on",
    "termination_reason",
    "termination_note",
    "previous",
]


def contract_snapshot(contract: Contract) -> dict:
    return snapshot(contract, CONTRACT_FIELDS)


def log_event(*, actor, contract: Contract, action: str, before: dict | None, note: str = "") -> None:
    """The contract's history row and the audit event, written together."""
    after = contract_snapshot(contract)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    ContractEvent.objects.create(
        contract=contract,
        actor=actor_obj,
        action=action,
        from_status=(before or {}).get("status", "") or "",
        to_status=contract.status,
        note=note[:300],
    )
    record_write(actor=actor, action=f"contract_{action}", obj=contract, before=before, after=after)
    contract_changed.send(sender=Contract, contract=contract)


def require_signing_doctor(team, doctor) -> None:
    """The responsible doctor must hold an active leader / family-doctor role in the team."""
    ok = TeamMembership.objects.filter(
        team=team, practitioner=doctor, role__in=SIGNING_ROLES, is_active=True, practitioner__is_active=True
    ).exists()
    if not ok:
        raise ValidationFailed(
            _("%(doctor)s 不是“%(team)s”的家庭医生，不能作为责任医生")
            % {"doctor": doctor.name, "team": team.name},
            details={"field": "doctor"},
        )


def lock_visible(model, actor, pk):
    """Lock a row the actor may see (NotFound otherwise); serialises concurrent writers."""
    row = model.objects.visible_to(actor).filter(pk=pk).select_for_update(of=("self",)).first()
    if row is None:
        raise NotFound()
    return row
