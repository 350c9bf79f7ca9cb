"""Signing (R-CON-1 … R-CON-3, R-CON-6 … R-CON-8, R-CON-10): individual, family and community."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.catalog.models import ServicePackage
from jiayi.core.audit import record_write
from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.policy.queries import policy_for
from jiayi.registry.models import CommunityMembership, Household, Resident
from jiayi.registry.queries import key_populations_of
from jiayi.teams.models import Team
from jiayi.teams.queries import check_capacity

from .. import rules
from ..errors import ConsentMissing, DuplicateContract, HouseholdSignedElsewhere
from ..models import (
    IN_FORCE,
    Agreement,
    Channel,
    ConsentMode,
    Contract,
    ContractKind,
    ContractPackage,
    ContractStatus,
)
from .common import log_event, require_signing_doctor

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_SIGNATURE_BYTES = 512 * 1024


@dataclass
class MemberChoice:
    resident: Resident
    packages: list[ServicePackage]


@dataclass
class SigningResult:
    agreement: Agreement
    contracts: list[Contract]
    warnings: list[str] = field(default_factory=list)


def contract_sign(
    *,
    actor,
    resident: Resident,
    team: Team,
    doctor,
    packages: list[ServicePackage],
    channel: str,
    consent_mode: str,
    signature_png: bytes | None = None,
    term_years: int = 1,
    start: dt.date | None = None,
    resident_paid: bool = False,
    combination_district=None,
    combination_city=None,
) -> SigningResult:
    """Sign one resident to a team (an individual agreement)."""
    return _sign(
        actor=actor,
        kind=ContractKind.INDIVIDUAL,
        party=resident,
        members=[MemberChoice(resident, list(packages))],
        team=team,
        doctor=doctor,
        channel=channel,
        consent_mode=consent_mode,
        signature_png=signature_png,
        term_years=term_years,
        start=start,
        resident_paid=resident_paid,
        combination_district=combination_district,
        combination_city=combination_city,
    )


def contract_sign_family(
    *,
    actor,
    household: Household,
    members: list[MemberChoice],
    team: Team,
    doctor,
    channel: str,
    consent_mode: str,
    signature_png: bytes | None = None,
    party: Resident | None = None,
    term_years: int = 1,
    start: dt.date | None = None,
    resident_paid: bool = False,
) -> SigningResult:
    """One agreement for a household, with a package choice per member (R-CON-1)."""
    if not members:
        raise ValidationFailed(_("请至少选择一名家庭成员"), details={"field": "members"})
    for m in members:
        if m.resident.household_id != household.pk:
            raise ValidationFailed(
                _("%(name)s 不是该户成员") % {"name": m.resident.name}, details={"field": "members"}
            )
    party = party or next(
        (m.resident for m in members if m.resident.pk == household.head_id), members[0].resident
    )
    return _sign(
        actor=actor,
        kind=ContractKind.FAMILY,
        party=party,
        members=members,
        team=team,
        doctor=doctor,
        channel=channel,
        consent_mode=consent_mode,
        signature_png=signature_png,
        term_years=term_years,
        start=start,
        resident_paid=resident_paid,
        household=household,
    )


def contract_sign_community(
    *,
    actor,
    community,
    members: list[MemberChoice],
    team: Team,
    doctor,
    party: Resident,
    consent_mode: str,
    signature_png: bytes | None = None,
    term_years: int = 1,
    start: dt.date | None = None,
    resident_paid: bool = False,
) -> SigningResult:
    """Members of a functional community signed together on one agreement (R-CON-1)."""
    member_ids = set(
        CommunityMembership.objects.filter(community=community, left_on__isnull=True).values_list(
            "resident_id", flat=True
        )
    )
    for m in members:
        if m.resident.pk not in member_ids:
            raise ValidationFailed(
                _("%(name)s 不是该功能社区的成员") % {"name": m.resident.name}, details={"field": "members"}
            )
    return _sign(
        actor=actor,
        kind=ContractKind.COMMUNITY,
        party=party,
        members=members,
        team=team,
        doctor=doctor,
        channel=Channel.COMMUNITY,
        consent_mode=consent_mode,
        signature_png=signature_png,
        term_years=term_years,
        start=start,
        resident_paid=resident_paid,
        community=community,
    )


def _check_consent(consent_mode: str, signature_png: bytes | None, channel: str) -> None:
    if consent_mode == ConsentMode.HANDWRITTEN:
        if not signature_png or not signature_png.startswith(PNG_MAGIC):
            raise ConsentMissing(_("请居民在屏幕上签名后再提交"), details={"field": "signature"})
        if len(signature_png) > MAX_SIGNATURE_BYTES:
            raise ConsentMissing(_("签名图片过大"), details={"field": "signature"})
    elif consent_mode == ConsentMode.ONLINE:
        if channel != Channel.ONLINE:
            raise ConsentMissing(
                _("只有线上签约可以用线上确认代替手写签名"), details={"field": "consent_mode"}
            )
    else:
        raise ConsentMissing(details={"field": "consent_mode"})


def _sign(
    *,
    actor,
    kind,
    party,
    members,
    team,
    doctor,
    channel,
    consent_mode,
    signature_png,
    term_years,
    start,
    resident_paid,
    household=None,
    community=None,
    combination_district=None,
    combination_city=None,
) -> SigningResult:
    require_perm(actor, "contracts.sign")
    if channel not in Channel.values:
        raise ValidationFailed(_("签约渠道无效"), details={"field": "channel"})
    _check_consent(consent_mode, signature_png, channel)
    today = timezone.localdate()
    start = start or today
    if start < today - dt.timedelta(days=31):
        raise ValidationFailed(_("生效日期不能早于一个月前"), details={"field": "start"})
    ids = [m.resident.pk for m in members]
    if len(set(ids)) != len(ids):
        raise ValidationFailed(_("同一居民不能重复出现在一份协议中"), details={"field": "members"})
    try:
        with transaction.atomic():
            result = _sign_locked(
                actor=actor,
                kind=kind,
                party=party,
                members=members,
                team=team,
                doctor=doctor,
                channel=channel,
                consent_mode=consent_mode,
                signature_png=signature_png,
                term_years=term_years,
                start=start,
                today=today,
                resident_paid=resident_paid,
                household=household,
                community=community,
                combination_district=combination_district,
                combination_city=combination_city,
            )
    except IntegrityError as exc:
        # The partial unique index caught a concurrent signing that passed the checks at the same time.
        if "one_contract_in_force" in str(exc) or "UNIQUE" in str(exc).upper():
            raise DuplicateContract() from None
        raise
    return result


def _sign_locked(
    *,
    actor,
    kind,
    party,
    members,
    team,
    doctor,
    channel,
    consent_mode,
    signature_png,
    term_years,
    start,
    today,
    resident_paid,
    household,
    community,
    combination_district,
    combination_city,
) -> SigningResult:
    # The team row is read, not locked: the resident, household and doctor locks are what keep
    # the rules true, and a team lock would make every signing of a team wait for the previous one.
    team = Team.objects.visible_to(actor).filter(pk=team.pk).select_related("institution__region").first()
    if team is None:
        raise NotFound()
    if not team.is_active or not team.institution.is_primary:
        raise ValidationFailed(_("该团队已停用或不属于基层医疗机构"), details={"field": "team"})
    require_signing_doctor(team, doctor)
    institution = team.institution
    policy = policy_for(institution.region, start.year)
    warnings = rules.check_signing_window(policy, today)
    rules.check_combination(institution, combination_district, combination_city)

    residents = _lock_residents(actor, [m.resident.pk for m in members])
    household_ids = {r.household_id for r in residents.values() if r.household_id}
    _check_households(household_ids, team)
    community_kinds = _community_kinds(residents.keys())
    for m in members:
        r = residents[m.resident.pk]
        if not r.is_active or r.deceased_on:
            raise ValidationFailed(
                _("%(name)s 已注销或死亡，不能签约") % {"name": r.name}, details={"field": "members"}
            )
        existing = Contract.objects.filter(resident=r, status__in=IN_FORCE).select_related("team").first()
        if existing is not None:
            raise DuplicateContract(
                _("%(name)s 已与“%(team)s”签约（至 %(end)s），不能重复签约")
                % {"name": r.name, "team": existing.team.name, "end": existing.end.isoformat()},
                details={"resident": r.pk, "contract": existing.pk, "team": existing.team_id},
            )
        rules.check_term(policy, term_years, resident=r, doctor=doctor, start=start)
        region_ids = {r.region_id, *[a.pk for a in r.region.ancestors()]}
        tokens = rules.suitable_tokens(
            r,
            key_populations_of(r, start),
            community_kinds.get(r.pk, set()),
            family=kind == ContractKind.FAMILY,
        )
        rules.check_packages(r, m.packages, tokens=tokens, region_ids=region_ids, on=start)
    check_capacity(doctor, extra=len(members), on=start)

    agreement = Agreement.objects.create(
        kind=kind,
        institution=institution,
        team=team,
        doctor=doctor,
        party=party,
        household=household,
        community=community,
        channel=channel,
        signed_on=today,
        term_years=term_years,
        consent_mode=consent_mode,
        signature_png=signature_png,
        combination_district=combination_district,
        combination_city=combination_city,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    agreement.number = f"QY{institution.county_code}{today:%Y}{agreement.pk:08d}"
    agreement.save(update_fields=["number"])
    record_write(
        actor=actor,
        action="agreement_sign",
        obj=agreement,
        after={
            "number": agreement.number,
            "kind": kind,
            "team": team.pk,
            "doctor": doctor.pk,
            "residents": [m.resident.pk for m in members],
            "term_years": term_years,
            "channel": channel,
        },
    )
    contracts = [
        _create_contract(
            actor, agreement, residents[m.resident.pk], m.packages, start, term_years, resident_paid
        )
        for m in members
    ]
    for hid in household_ids:
        Household.objects.filter(pk=hid).update(team=team)
    return SigningResult(agreement=agreement, contracts=contracts, warnings=warnings)


def _lock_residents(actor, ids: list[int]) -> dict[int, Resident]:
    rows = {
        r.pk: r
        for r in Resident.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_for_update(of=("self",))
        .select_related("region", "household")
        .order_by("pk")
    }
    if len(rows) != len(set(ids)):
        raise NotFound()
    return rows


def _check_households(household_ids: set[int], team) -> None:
    """One household, one team (R-REG-4): lock each household and look at its members' contracts."""
    if not household_ids:
        return
    list(Household.objects.filter(pk__in=household_ids).select_for_update(of=("self",)).order_by("pk"))
    other = (
        Contract.objects.filter(resident__household_id__in=household_ids, status__in=IN_FORCE)
        .exclude(team=team)
        .select_related("team", "resident")
        .first()
    )
    if other is not None:
        raise HouseholdSignedElsewhere(
            _("同户成员 %(name)s 已与“%(team)s”签约，一户只能选择一个家庭医生团队")
            % {"name": other.resident.name, "team": other.team.name},
            details={"resident": other.resident_id, "team": other.team_id},
        )


def _community_kinds(resident_ids) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    rows = CommunityMembership.objects.filter(
        resident_id__in=list(resident_ids), left_on__isnull=True
    ).values_list("resident_id", "community__kind")
    for rid, k in rows:
        out.setdefault(rid, set()).add(k)
    return out


def _create_contract(actor, agreement, resident, packages, start, term_years, resident_paid) -> Contract:
    is_first = not Contract.objects.filter(resident=resident).exists()
    resident_due = sum((p.fee_resident for p in packages), start=type(packages[0].price)("0"))
    status = ContractStatus.ACTIVE if resident_paid or not resident_due else ContractStatus.PENDING
    contract = Contract.objects.create(
        agreement=agreement,
        resident=resident,
        institution=agreement.institution,
        team=agreement.team,
        doctor=agreement.doctor,
        status=status,
        start=start,
        end=rules.term_end(start, term_years),
        term_years=term_years,
        is_first=is_first,
    )
    add_packages(contract, packages, paid=resident_paid)
    Resident.objects.filter(pk=resident.pk).update(team=agreement.team, responsible_doctor=agreement.doctor)
    note = _("首次签约") if is_first else ""
    log_event(actor=actor, contract=contract, action="sign", before=None, note=note)
    return contract


def add_packages(contract: Contract, packages, *, paid: bool) -> None:
    ContractPackage.objects.bulk_create(
        [
            ContractPackage(
                contract=contract,
                package=p,
                price=p.price,
                fee_public_health=p.fee_public_health,
                fee_insurance=p.fee_insurance,
                fee_resident=p.fee_resident,
                resident_paid=paid or not p.fee_resident,
            )
            for p in packages
        ]
    )
