"""Reads of the contracts app, always scoped to the user (`visible_to`), and what a signing screen needs."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.catalog.models import ALL_POPULATION, FAMILY_POPULATION, ServicePackage, Tier
from jiayi.catalog.queries import packages_available
from jiayi.core.errors import Forbidden
from jiayi.core.models import Role
from jiayi.core.permissions import role_of
from jiayi.policy.queries import policy_for
from jiayi.registry.models import CommunityMembership, Resident
from jiayi.registry.queries import key_population_labels, key_populations_of
from jiayi.teams.models import Team
from jiayi.teams.queries import signing_doctors

from . import rules
from .models import IN_FORCE, Agreement, Contract, ContractEvent, ContractPackage

ZERO = Decimal("0.00")


def require_contract_access(user) -> None:
    """Contracts carry people data: for those who serve people (and the people themselves)."""
    if role_of(user) in (None, Role.FINANCE, Role.REFERRAL_DESK):
        raise Forbidden()


# --- lists and pages ---------------------------------------------------------------------------


def contracts_for(user):
    return (
        Contract.objects.visible_to(user)
        .select_related("resident", "team", "doctor", "institution", "agreement")
        .prefetch_related(Prefetch("packages", queryset=ContractPackage.objects.select_related("package")))
        .order_by("-agreement__signed_on", "-pk")
    )


def contract_get(user, pk) -> Contract:
    return (
        Contract.objects.select_related(
            "resident",
            "resident__household",
            "team",
            "doctor",
            "institution",
            "agreement",
            "previous",
        )
        .prefetch_related(Prefetch("packages", queryset=ContractPackage.objects.select_related("package")))
        .get_visible(user, pk=pk)
    )


def agreement_get(user, pk) -> Agreement:
    return Agreement.objects.select_related(
        "institution", "team", "team__leader", "doctor", "party", "household", "community"
    ).get_visible(user, pk=pk)


def contract_history(contract: Contract):
    return ContractEvent.objects.filter(contract=contract).select_related("actor").order_by("at", "pk")


def contract_next(contract: Contract) -> Contract | None:
    return Contract.objects.filter(previous=contract).first()


def agreement_contracts(agreement: Agreement) -> list[Contract]:
    """The contracts the agreement created at signing: one per resident, the earliest of each chain."""
    seen: dict[int, Contract] = {}
    rows = (
        agreement.contracts.select_related("resident", "resident__household")
        .prefetch_related(Prefetch("packages", queryset=ContractPackage.objects.select_related("package")))
        .order_by("pk")
    )
    for c in rows:
        seen.setdefault(c.resident_id, c)
    return list(seen.values())


def latest_contract(contract: Contract) -> Contract:
    """The newest contract of the chain that starts with `contract` (renewals keep the agreement)."""
    current = contract
    while (nxt := contract_next(current)) is not None:
        current = nxt
    return current


def in_force_of(resident: Resident) -> Contract | None:
    """The resident's contract in force, whichever team holds it: the signing screen must say so
    even when the other team's contract is outside the user's scope (only its team is shown)."""
    return Contract.objects.filter(resident=resident, status__in=IN_FORCE).select_related("team").first()


def resident_contracts(user, resident: Resident):
    return contracts_for(user).filter(resident=resident)


# --- what a signing screen offers ----------------------------------------------------------------


@dataclass
class PackageOption:
    package: ServicePackage
    suggested: bool  # suits one of the person's key populations (or the family / community)
    checked: bool

    @property
    def is_basic(self) -> bool:
        return self.package.tier == Tier.BASIC


@dataclass
class PersonOptions:
    resident: Resident
    age: int
    key_labels: list[str]
    in_force: Contract | None
    packages: list[PackageOption] = field(default_factory=list)

    @property
    def resident_due(self) -> Decimal:
        return sum((o.package.fee_resident for o in self.packages if o.checked), start=ZERO)


def _community_kinds(resident: Resident) -> set[str]:
    return set(
        CommunityMembership.objects.filter(resident=resident, left_on__isnull=True).values_list(
            "community__kind", flat=True
        )
    )


def person_options(resident: Resident, *, on: dt.date | None = None, family: bool = False) -> PersonOptions:
    """Packages a resident may sign (those suited to them), basic ones and key-population ones ticked."""
    on = on or timezone.localdate()
    kinds = key_populations_of(resident, on)
    tokens = rules.suitable_tokens(resident, kinds, _community_kinds(resident), family=family)
    options = []
    basic_taken = False
    for p in packages_available(resident.region, on):
        if not tokens.intersection(p.populations):
            continue
        specific = bool(set(p.populations) & (tokens - {ALL_POPULATION, FAMILY_POPULATION}))
        # Only the basic package is ticked: a personalised one may cost the resident money, so it
        # is suggested (badge, listed first) and ticked by the doctor after asking.
        checked = p.tier == Tier.BASIC and not basic_taken
        basic_taken = basic_taken or checked
        options.append(PackageOption(package=p, suggested=specific, checked=checked))
    options.sort(key=lambda o: (not o.is_basic, not o.suggested))
    return PersonOptions(
        resident=resident,
        age=resident.age_on(on),
        key_labels=key_population_labels(kinds),
        in_force=in_force_of(resident),
        packages=options,
    )


def signing_teams(user, institution_ids: set[int] | None = None):
    """Teams the user may sign for: their own, or the active teams of their institution(s)."""
    teams = Team.objects.visible_to(user).filter(is_active=True).select_related("institution")
    if institution_ids is not None:
        teams = teams.filter(institution_id__in=institution_ids)
    return [t for t in teams.order_by("name") if t.institution.is_primary]


def assignment_choices(user, teams) -> tuple[list[tuple[str, str]], str]:
    """("team:doctor", "team · doctor") pairs and the preselected one: the user's own practitioner
    in the user's team, else that team's leader, else the first."""
    choices: list[tuple[str, str]] = []
    best: dict[int, str] = {}
    own = getattr(user, "practitioner", None) if user.is_authenticated else None
    for team in teams:
        for doc in signing_doctors(team=team):
            value = f"{team.pk}:{doc.pk}"
            choices.append((value, f"{team.name} · {doc.name}"))
            is_own = own is not None and doc.pk == own.pk
            home = team.pk == user.team_id
            rank = 0 if is_own and home else 1 if is_own else 2 if home and doc.pk == team.leader_id else 3
            best.setdefault(rank, value)
    initial = best[min(best)] if best else ""
    return choices, initial


@dataclass
class TermOption:
    years: int
    allowed: bool
    reason: str = ""


def term_options(region, resident: Resident | None, doctor, on: dt.date | None = None) -> list[TermOption]:
    """The policy's allowed terms; multi-year ones disabled (with the reason) without continuity."""
    on = on or timezone.localdate()
    policy = policy_for(region, on.year)
    out = []
    have = None
    for years in list(policy.allowed_terms or [1]):
        if years > 1 and resident is not None and doctor is not None:
            if have is None:
                have = rules.continuous_years(resident, doctor, on)
            need = policy.multi_year_min_continuous_years
            if have < need:
                out.append(
                    TermOption(
                        years,
                        False,
                        _("需与该医生连续签约满 %(need)s 年（现 %(have)s 年）")
                        % {"need": need, "have": have},
                    )
                )
                continue
        out.append(TermOption(years, True))
    return out


def signing_window_note(region, on: dt.date | None = None) -> str:
    """The window warning the service would give today (empty inside the window); refusals show
    as the service's error when the form is sent."""
    on = on or timezone.localdate()
    try:
        notes = rules.check_signing_window(policy_for(region, on.year), on)
    except Exception as exc:  # the refusing mode raises: show its message up front
        return str(getattr(exc, "message", exc))
    return notes[0] if notes else ""


@dataclass
class HouseholdOverview:
    people: list[PersonOptions]
    other_team: Contract | None  # a member signed with another team: the household cannot sign here

    @property
    def bound_team_id(self) -> int | None:
        """The team a member is already signed with: the household can sign only with it."""
        return next((p.in_force.team_id for p in self.people if p.in_force), None)


def household_overview(household, members: list[Resident], team_ids: set[int]) -> HouseholdOverview:
    people = [person_options(m, family=True) for m in members if m.is_active and not m.deceased_on]
    other = next((p.in_force for p in people if p.in_force and p.in_force.team_id not in team_ids), None)
    return HouseholdOverview(people=people, other_team=other)


def community_people(user, community) -> list[PersonOptions]:
    members = (
        Resident.objects.visible_to(user)
        .filter(
            community_memberships__community=community,
            community_memberships__left_on__isnull=True,
            is_active=True,
            deceased_on__isnull=True,
        )
        .select_related("region")
        .order_by("name", "pk")
    )
    return [person_options(m) for m in members]
