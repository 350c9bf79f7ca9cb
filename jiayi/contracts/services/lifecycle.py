"""After signing: renewal, termination, reassignment, payment, opt-out and the daily job (R-CON-4, -5, -11)."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.catalog.models import Tier
from jiayi.core.errors import ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Household, Resident
from jiayi.teams.queries import check_capacity

from .. import rules
from ..errors import DuplicateContract, IllegalTransition
from ..models import IN_FORCE, Contract, ContractPackage, ContractStatus, TerminationReason
from .common import contract_snapshot, lock_visible, log_event, require_signing_doctor
from .signing import add_packages

# Reasons for which the resident cannot confirm the termination themselves.
_NO_RESIDENT_CONFIRMATION = {TerminationReason.DEATH}


def contract_terminate(
    *,
    actor,
    contract: Contract,
    reason: str,
    on: dt.date | None = None,
    note: str = "",
    confirmed_by_team: bool,
    confirmed_by_resident: bool,
) -> Contract:
    """End a contract within its term: a reason, a date and both parties' confirmation (R-CON-5)."""
    require_perm(actor, "contracts.change")
    on = on or timezone.localdate()
    if reason not in TerminationReason.values:
        raise ValidationFailed(_("请选择解约原因"), details={"field": "reason"})
    if reason == TerminationReason.OTHER and not note.strip():
        raise ValidationFailed(_("解约原因为“其他”时请填写说明"), details={"field": "note"})
    if not confirmed_by_team or (not confirmed_by_resident and reason not in _NO_RESIDENT_CONFIRMATION):
        raise ValidationFailed(_("解约须经甲乙双方确认"), details={"field": "confirmed_by_resident"})
    with transaction.atomic():
        contract = lock_visible(Contract, actor, contract.pk)
        if contract.status not in IN_FORCE:
            raise IllegalTransition(_("只有待生效或履约中的签约可以解约"))
        if on < contract.start - dt.timedelta(days=1) or on > contract.end:
            raise ValidationFailed(_("解约日期须在签约有效期内"), details={"field": "on"})
        before = contract_snapshot(contract)
        contract.status = ContractStatus.TERMINATED
        contract.terminated_on = on
        contract.termination_reason = reason
        contract.termination_note = note.strip()[:200]
        contract.save()
        _release_resident(contract)
        log_event(
            actor=actor, contract=contract, action="terminate", before=before, note=contract.termination_note
        )
    return contract


def _release_resident(contract: Contract) -> None:
    """The resident no longer counts against the doctor; the household is free once nobody is signed."""
    Resident.objects.filter(pk=contract.resident_id, responsible_doctor_id=contract.doctor_id).update(
        responsible_doctor=None
    )
    hid = contract.resident.household_id
    if hid and not Contract.objects.filter(resident__household_id=hid, status__in=IN_FORCE).exists():
        Household.objects.filter(pk=hid).update(team=None)


def contract_reassign_doctor(*, actor, contract: Contract, doctor, note: str = "") -> Contract:
    """Another doctor of the same team becomes responsible; the contract goes on (R-CON-11)."""
    require_perm(actor, "contracts.change")
    with transaction.atomic():
        contract = lock_visible(Contract, actor, contract.pk)
        if contract.status not in IN_FORCE:
            raise IllegalTransition(_("只有生效中的签约可以更换责任医生"))
        if doctor.pk == contract.doctor_id:
            raise ValidationFailed(_("新责任医生与当前相同"), details={"field": "doctor"})
        require_signing_doctor(contract.team, doctor)
        check_capacity(doctor, extra=1)
        before = contract_snapshot(contract)
        contract.doctor = doctor
        contract.save(update_fields=["doctor", "updated_at"])
        Resident.objects.filter(pk=contract.resident_id).update(responsible_doctor=doctor)
        log_event(actor=actor, contract=contract, action="reassign", before=before, note=note)
    return contract


def contract_confirm_payment(*, actor, contract: Contract) -> Contract:
    """The resident's share is paid: a pending contract comes into force."""
    require_perm(actor, "contracts.change")
    with transaction.atomic():
        contract = lock_visible(Contract, actor, contract.pk)
        if contract.status != ContractStatus.PENDING:
            raise IllegalTransition(_("只有待生效的签约需要确认缴费"))
        before = contract_snapshot(contract)
        ContractPackage.objects.filter(contract=contract).update(resident_paid=True)
        contract.status = ContractStatus.ACTIVE
        contract.save(update_fields=["status", "updated_at"])
        log_event(actor=actor, contract=contract, action="payment", before=before)
    return contract


def contract_set_renewal_opt_out(*, actor, contract: Contract, opt_out: bool) -> Contract:
    """The resident asks not to be renewed automatically at expiry (R-CON-4)."""
    require_perm(actor, "contracts.change")
    with transaction.atomic():
        contract = lock_visible(Contract, actor, contract.pk)
        if contract.status not in IN_FORCE:
            raise IllegalTransition()
        before = contract_snapshot(contract)
        contract.renewal_opt_out = opt_out
        contract.save(update_fields=["renewal_opt_out", "updated_at"])
        log_event(actor=actor, contract=contract, action="opt_out" if opt_out else "opt_in", before=before)
    return contract


def contract_renew(
    *,
    actor,
    contract: Contract,
    term_years: int | None = None,
    packages=None,
    resident_paid: bool = False,
    today: dt.date | None = None,
) -> Contract:
    """Renew: a new contract continuing the chain from the day after the old one ends.

    Allowed from the policy's reminder period before expiry, or after expiry while the old
    contract awaits payment or has simply expired. The old contract becomes "renewed".
    """
    require_perm(actor, "contracts.change")
    today = today or timezone.localdate()
    with transaction.atomic():
        contract = lock_visible(Contract, actor, contract.pk)
        policy = policy_for(contract.institution.region, today.year)
        if contract.status == ContractStatus.ACTIVE:
            if (contract.end - today).days > policy.renewal_reminder_days:
                raise IllegalTransition(
                    _("距到期还有 %(d)s 天，到期前 %(n)s 天内才能续约")
                    % {"d": (contract.end - today).days, "n": policy.renewal_reminder_days}
                )
        elif contract.status != ContractStatus.EXPIRED:
            raise IllegalTransition(_("该签约当前状态不能续约"))
        if (
            Contract.objects.filter(resident_id=contract.resident_id, status__in=IN_FORCE)
            .exclude(pk=contract.pk)
            .exists()
        ):
            raise DuplicateContract()
        term_years = term_years or 1
        start = contract.end + dt.timedelta(days=1)
        if contract.status == ContractStatus.EXPIRED:
            # Coming back after a lapse: the new term starts today, and the doctor needs room again.
            start = max(start, today)
            check_capacity(contract.doctor, extra=1, on=start)
        rules.check_term(
            policy_for(contract.institution.region, start.year),
            term_years,
            resident=contract.resident,
            doctor=contract.doctor,
            start=start,
        )
        pkgs = (
            list(packages)
            if packages is not None
            else [cp.package for cp in contract.packages.select_related("package")]
        )
        new = _continue(
            actor,
            contract,
            start=start,
            term_years=term_years,
            packages=pkgs,
            paid=resident_paid,
            action="renew",
        )
    return new


def _continue(actor, old: Contract, *, start, term_years, packages, paid, action) -> Contract:
    before = contract_snapshot(old)
    old.status = ContractStatus.RENEWED
    old.awaiting_payment = False
    old.save(update_fields=["status", "awaiting_payment", "updated_at"])
    log_event(actor=actor, contract=old, action=action, before=before)
    resident_due = any(p.fee_resident for p in packages)
    try:
        with transaction.atomic():
            new = Contract.objects.create(
                agreement=old.agreement,
                resident=old.resident,
                institution=old.institution,
                team=old.team,
                doctor=old.doctor,
                status=ContractStatus.ACTIVE if paid or not resident_due else ContractStatus.PENDING,
                start=start,
                end=rules.term_end(start, term_years),
                term_years=term_years,
                is_first=False,
                previous=old,
            )
    except IntegrityError:
        raise DuplicateContract() from None
    add_packages(new, packages, paid=paid)
    Resident.objects.filter(pk=old.resident_id).update(team=old.team, responsible_doctor=old.doctor)
    log_event(actor=actor, contract=new, action="renewed_from", before=None, note=str(old.pk))
    return new


@dataclass
class DailyReport:
    day: dt.date
    renewed: list[int] = field(default_factory=list)
    awaiting_payment: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(day)s：自动续约 %(r)s 份，待缴费续约 %(p)s 份，到期终止 %(e)s 份") % {
            "day": self.day.isoformat(),
            "r": len(self.renewed),
            "p": len(self.awaiting_payment),
            "e": len(self.expired),
        }


def contracts_daily(*, today: dt.date | None = None, batch: int = 500) -> DailyReport:
    """The nightly job (`jiayi daily`): idempotent, run twice in a day it changes nothing the second time.

    Active contracts past their end: basic-only ones renew unless the resident opted out;
    those with a personalised package expire awaiting payment (they renew once paid, R-CON-4);
    opted-out ones expire.
    """
    today = today or timezone.localdate()
    report = DailyReport(day=today)
    while True:
        ids = list(
            Contract.objects.filter(status=ContractStatus.ACTIVE, end__lt=today)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        for pk in ids:
            with transaction.atomic():
                _daily_one(pk, today, report)
    return report


def _daily_one(pk: int, today: dt.date, report: DailyReport) -> None:
    contract = (
        Contract.objects.select_for_update(of=("self",)).select_related("institution__region").get(pk=pk)
    )
    if contract.status != ContractStatus.ACTIVE or contract.end >= today:
        return
    policy = policy_for(contract.institution.region, contract.end.year)
    cps = list(contract.packages.select_related("package"))
    basic_only = all(cp.package.tier == Tier.BASIC for cp in cps)
    alive = contract.resident.is_active and not contract.resident.deceased_on
    if alive and basic_only and policy.auto_renew_basic and not contract.renewal_opt_out:
        new = contract
        while new.end < today:  # a job that missed a year catches up, one term at a time
            new = _continue(
                None,
                new,
                start=new.end + dt.timedelta(days=1),
                term_years=1,
                packages=[cp.package for cp in cps],
                paid=True,
                action="auto_renew",
            )
        report.renewed.append(contract.pk)
        return
    before = contract_snapshot(contract)
    contract.status = ContractStatus.EXPIRED
    contract.awaiting_payment = (
        alive and not basic_only and policy.renew_personalised_on_payment and not contract.renewal_opt_out
    )
    contract.save(update_fields=["status", "awaiting_payment", "updated_at"])
    _release_resident(contract)
    log_event(actor=None, contract=contract, action="expire", before=before)
    (report.awaiting_payment if contract.awaiting_payment else report.expired).append(contract.pk)
