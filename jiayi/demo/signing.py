"""Contracts of the demo district, written in bulk: what `contract_sign*`, `contract_renew`,
`contracts_daily` and `contract_terminate` would have left behind after a year and a half.

Shares follow Qianjiang's 2024 targets (39 % overall, 79 % of key populations). Households sign
with their village team, mostly on one family agreement; a doctor of the team is responsible for
the whole household, within the policy's capacity. Last year's signers were renewed this year
(auto-renewed when basic-only, on payment otherwise) or lapsed; a few signed late last year and
expire within the month; a few signed in the last weeks and have not paid their share yet.
"""

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from jiayi.catalog.models import ServicePackage, Tier
from jiayi.contracts.models import (
    Agreement,
    Channel,
    ConsentMode,
    Contract,
    ContractEvent,
    ContractKind,
    ContractPackage,
    ContractStatus,
    TerminationReason,
)
from jiayi.contracts.rules import term_end
from jiayi.registry.models import Household, KeyPopulationRecord, Resident
from jiayi.teams.models import SIGNING_ROLES, Practitioner, TeamMembership

from .packages import Catalogue, personalised_for
from .signature import signature_pool

TZ = ZoneInfo("Asia/Shanghai")
BATCH = 2000

# Household and member signing shares, tuned so that about 40 % of residents and 78 % of
# key-population members hold a contract in force.
HOUSEHOLD_SHARE_KEY = 0.86
HOUSEHOLD_SHARE_OTHER = 0.17
MEMBER_SHARE_KEY = 0.89
MEMBER_SHARE_OTHER = 0.78
# Working-age members of a household signed for its elderly or chronically ill sign less often.
MEMBER_SHARE_OTHER_BESIDE_KEY = 0.25
FAMILY_AGREEMENT = 0.85  # multi-member households signing on one agreement
RENEWED = 0.55  # in-force households that first signed last year
LATE = 0.05  # signed late last year: expiring within the next 30 days
PENDING = 0.03  # signed in the last weeks, resident share not paid yet
LAPSED = 0.07  # non-signing households whose contract of last year ended
OPT_OUT = 0.04  # renewal opt-out among the in-force late signers

CHANNELS_URBAN = [
    (Channel.WINDOW, 32),
    (Channel.CLINIC, 26),
    (Channel.HOME, 8),
    (Channel.ONLINE, 20),
    (Channel.CAMPAIGN, 14),
]
CHANNELS_RURAL = [
    (Channel.WINDOW, 22),
    (Channel.CLINIC, 18),
    (Channel.HOME, 35),
    (Channel.ONLINE, 7),
    (Channel.CAMPAIGN, 18),
]
TERMINATIONS = [
    (TerminationReason.RESIDENT_REQUEST, 40, ""),
    (TerminationReason.MOVED, 35, ""),
    (TerminationReason.OTHER, 25, "外出务工，长期不在本地居住"),
]


@dataclass
class Member:
    pk: int
    household_id: int
    relation: str
    birth: dt.date
    region_code: str
    county_code: str
    name: str

    def age_on(self, on: dt.date) -> int:
        b = self.birth
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


@dataclass
class Signed:
    """One contract in force after the build, with what fulfilment needs to know."""

    contract: Contract
    member: Member
    kinds: set[str]
    package_ids: list[int]
    signed_on: dt.date


@dataclass
class InstitutionResult:
    agreements: int = 0
    contracts: int = 0
    in_force: list[Signed] = field(default_factory=list)
    team_members: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    practitioner_inst: dict[int, int] = field(default_factory=dict)


class KeyKinds:
    """Key-population kinds of one institution's residents on any date (records + derived ages)."""

    def __init__(self, centre):
        self.records = defaultdict(list)
        rows = KeyPopulationRecord.objects.filter(resident__institution=centre).values_list(
            "resident_id", "kind", "valid_from", "valid_to"
        )
        for rid, kind, vf, vt in rows:
            self.records[rid].append((kind, vf, vt))

    def on(self, m: Member, day: dt.date) -> set[str]:
        kinds = {
            k
            for k, vf, vt in self.records.get(m.pk, ())
            if (vf is None or vf <= day) and (vt is None or vt >= day)
        }
        age = m.age_on(day)
        if age >= 65:
            kinds.add("elderly")
        if age <= 6:
            kinds.add("child")
        return kinds


def _weighted(rng, pairs):
    total = sum(w for _v, w, *_rest in pairs)
    roll = rng.random() * total
    for row in pairs:
        roll -= row[1]
        if roll <= 0:
            return row
    return pairs[-1]


def _h1_date(rng, year: int, today: dt.date) -> dt.date:
    """A day in the first half of `year` (the Chongqing signing window), not after today."""
    lo, hi = dt.date(year, 1, 2), min(dt.date(year, 6, 30), today - dt.timedelta(days=1))
    if hi < lo:
        return today
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


def _at(day: dt.date, rng) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=TZ)


class Writer:
    """Collects one institution's rows and writes them in a few bulk statements."""

    def __init__(self, centre, rng, cat: Catalogue, today: dt.date, users: dict[int, int]):
        self.centre, self.rng, self.cat, self.today, self.users = centre, rng, cat, today, users
        self.agreements: list[Agreement] = []
        self.firsts: list[tuple[Contract, list[ServicePackage], bool]] = []
        self.renewals: list[tuple[Contract, Contract, list[ServicePackage], str, dt.date]] = []
        self.events: list[tuple[Contract, str, str, str, dt.datetime, int | None, str]] = []
        self.signatures = signature_pool(rng)

    def agreement(self, *, kind, team_id, doctor_id, party: Member, household_id, channel, signed_on):
        online = channel == Channel.ONLINE
        a = Agreement(
            kind=kind,
            institution=self.centre,
            team_id=team_id,
            doctor_id=doctor_id,
            party_id=party.pk,
            household_id=household_id,
            channel=channel,
            signed_on=signed_on,
            term_years=1,
            consent_mode=ConsentMode.ONLINE if online else ConsentMode.HANDWRITTEN,
            signature_png=None if online else self.rng.choice(self.signatures),
            created_by_id=self.users.get(doctor_id),
            county_code=self.centre.county_code,
            region_code=party.region_code,
        )
        self.agreements.append(a)
        return a

    def contract(self, a: Agreement, m: Member, packages, *, start, status, paid, **extra) -> Contract:
        c = Contract(
            agreement=a,
            resident_id=m.pk,
            institution=self.centre,
            team_id=a.team_id,
            doctor_id=a.doctor_id,
            status=status,
            start=start,
            end=term_end(start, 1),
            term_years=1,
            is_first=True,
            county_code=m.county_code,
            region_code=m.region_code,
            **extra,
        )
        self.firsts.append((c, packages, paid))
        signed_as = ContractStatus.PENDING if status == ContractStatus.PENDING else ContractStatus.ACTIVE
        self.event(
            c, "sign", "", signed_as, _at(a.signed_on, self.rng), self.users.get(a.doctor_id), _("首次签约")
        )
        if extra.get("renewal_opt_out") and status in (ContractStatus.ACTIVE, ContractStatus.PENDING):
            when = _at(a.signed_on + dt.timedelta(days=self.rng.randint(30, 200)), self.rng)
            self.event(c, "opt_out", status, status, when, self.users.get(a.doctor_id), "")
        return c

    def renew(self, old: Contract, m: Member, packages, *, auto: bool) -> Contract:
        start = old.end + dt.timedelta(days=1)
        new = Contract(
            agreement=old.agreement,
            resident_id=m.pk,
            institution=self.centre,
            team_id=old.team_id,
            doctor_id=old.doctor_id,
            status=ContractStatus.ACTIVE,
            start=start,
            end=term_end(start, 1),
            term_years=1,
            is_first=False,
            county_code=m.county_code,
            region_code=m.region_code,
        )
        action = "auto_renew" if auto else "renew"
        when = (
            _at(start, self.rng)
            if auto
            else _at(old.end - dt.timedelta(days=self.rng.randint(0, 25)), self.rng)
        )
        actor = None if auto else self.users.get(old.doctor_id)
        self.renewals.append((old, new, packages))
        self.event(old, action, ContractStatus.ACTIVE, ContractStatus.RENEWED, when, actor, "")
        self.event(new, "renewed_from", "", ContractStatus.ACTIVE, when, actor, "")
        return new

    def event(self, c, action, from_status, to_status, at, actor_id, note):
        self.events.append((c, action, from_status, to_status, at, actor_id, note))

    def flush(self) -> None:
        Agreement.objects.bulk_create(self.agreements, batch_size=BATCH)
        for a in self.agreements:
            a.number = f"QY{a.county_code}{a.signed_on:%Y}{a.pk:08d}"
        Agreement.objects.bulk_update(self.agreements, ["number"], batch_size=BATCH)
        firsts = [c for c, _p, _paid in self.firsts]
        for c in firsts:
            c.agreement_id = c.agreement.pk
        Contract.objects.bulk_create(firsts, batch_size=BATCH)
        news = []
        for old, new, _p in self.renewals:
            new.agreement_id, new.previous = old.agreement_id, old
            news.append(new)
        Contract.objects.bulk_create(news, batch_size=BATCH)
        lines = [_package_row(c, p, paid) for c, packages, paid in self.firsts for p in packages] + [
            _package_row(new, p, True) for _old, new, packages in self.renewals for p in packages
        ]
        ContractPackage.objects.bulk_create(lines, batch_size=BATCH)
        events = []
        for c, action, from_status, to_status, at, actor_id, note in self.events:
            if action == "renewed_from":
                note = str(c.previous_id)
            events.append(
                ContractEvent(
                    contract=c,
                    action=action,
                    from_status=from_status,
                    to_status=to_status,
                    at=at,
                    actor_id=actor_id,
                    note=note,
                )
            )
        _bulk_with_own_timestamps(ContractEvent, events)


def _package_row(c: Contract, p: ServicePackage, paid: bool) -> ContractPackage:
    return ContractPackage(
        contract=c,
        package=p,
        price=p.price,
        fee_public_health=p.fee_public_health,
        fee_insurance=p.fee_insurance,
        fee_resident=p.fee_resident,
        resident_paid=paid or not p.fee_resident,
    )


def _bulk_with_own_timestamps(model, rows) -> None:
    """Events happened on their signing dates, not today: switch off `auto_now_add` for the insert
    (the build is a single-threaded command, so nothing else saves this model meanwhile)."""
    f = model._meta.get_field("at")
    f.auto_now_add = False
    try:
        model.objects.bulk_create(rows, batch_size=BATCH)
    finally:
        f.auto_now_add = True


def sign_institution(centre, rng: random.Random, cat: Catalogue, today: dt.date, capacity: int, users):
    """Sign one primary institution's households; returns what fulfilment needs."""
    result = InstitutionResult()
    keys = KeyKinds(centre)
    members_of: dict[int, list[Member]] = defaultdict(list)
    for pk, hid, rel, birth, rcode, ccode, name in (
        Resident.objects.filter(institution=centre, is_active=True, deceased_on__isnull=True)
        .order_by("household_id", "pk")
        .values_list("pk", "household_id", "relation", "birth_date", "region_code", "county_code", "name")
    ):
        members_of[hid].append(Member(pk, hid, rel, birth, rcode, ccode, name))
    households = list(
        Household.objects.filter(institution=centre)
        .order_by("pk")
        .values_list("pk", "team_id", "region__is_urban")
    )
    doctors: dict[int, list[int]] = defaultdict(list)
    for team_id, pid, role in (
        TeamMembership.objects.filter(team__institution=centre, is_active=True, practitioner__is_active=True)
        .order_by("pk")
        .values_list("team_id", "practitioner_id", "role")
    ):
        result.team_members.setdefault(team_id, defaultdict(list))[role].append(pid)
        if role in SIGNING_ROLES:
            doctors[team_id].append(pid)
    result.practitioner_inst = dict(
        Practitioner.objects.filter(memberships__team__institution=centre).values_list("pk", "institution_id")
    )
    all_doctors = [d for ds in doctors.values() for d in ds]
    used = Counter(
        Resident.objects.active()
        .filter(responsible_doctor_id__in=all_doctors)
        .values_list("responsible_doctor_id", flat=True)
    )
    w = Writer(centre, rng, cat, today, users)
    released: set[int] = set()
    responsible: dict[int, list[int]] = defaultdict(list)  # doctor -> residents in force
    for hid, team_id, urban in households:
        members = members_of.get(hid, [])
        if not members or team_id is None or not doctors.get(team_id):
            continue
        now_kinds = {m.pk: keys.on(m, today) for m in members}
        has_key = any(now_kinds.values())
        if rng.random() < (HOUSEHOLD_SHARE_KEY if has_key else HOUSEHOLD_SHARE_OTHER):
            other_share = MEMBER_SHARE_OTHER_BESIDE_KEY if has_key else MEMBER_SHARE_OTHER
            signers = [
                m for m in members if rng.random() < (MEMBER_SHARE_KEY if now_kinds[m.pk] else other_share)
            ] or [max(members, key=lambda m: (bool(now_kinds[m.pk]), m.relation == "head"))]
            room = [d for d in doctors[team_id] if used[d] + len(signers) <= capacity]
            if not room:
                continue
            doctor = rng.choice(room)
            used[doctor] += len(signers)
            for s in _sign_household(w, rng, keys, hid, team_id, doctor, signers, urban, today):
                result.in_force.append(s)
                responsible[doctor].append(s.member.pk)
        elif rng.random() < LAPSED:
            _lapse_household(w, rng, keys, hid, team_id, rng.choice(doctors[team_id]), members, urban, today)
            released.add(hid)
    w.flush()
    result.agreements, result.contracts = len(w.agreements), len(w.firsts) + len(w.renewals)
    for doctor, ids in responsible.items():
        for i in range(0, len(ids), 900):
            Resident.objects.filter(pk__in=ids[i : i + 900]).update(responsible_doctor_id=doctor)
    # As `_release_resident` does: nobody of the household in force, so it is free of any team.
    Household.objects.filter(pk__in=list(released)).update(team=None)
    return result


def _packages(rng, cat: Catalogue, kinds: set[str], *, family: bool) -> list[ServicePackage]:
    extra = personalised_for(rng, cat, kinds, family=family)
    return [cat.basic, extra] if extra is not None else [cat.basic]


def _channel(rng, urban: bool) -> str:
    return _weighted(rng, CHANNELS_URBAN if urban else CHANNELS_RURAL)[0]


def _sign_household(w: Writer, rng, keys, hid, team_id, doctor, signers, urban, today) -> list[Signed]:
    roll = rng.random()
    timeline = "renewed" if roll < RENEWED else "late" if roll < RENEWED + LATE else "new"
    if timeline == "new" and rng.random() < PENDING / (1 - RENEWED - LATE):
        timeline = "pending"
    family = len(signers) > 1 and rng.random() < FAMILY_AGREEMENT
    groups = [signers] if family or len(signers) == 1 else [[m] for m in signers]
    out = []
    for group in groups:
        channel = _channel(rng, urban)
        last_year = today.year - 1
        if timeline == "renewed":
            signed_on = (
                dt.date(last_year, 5, 19) if channel == Channel.CAMPAIGN else _h1_date(rng, last_year, today)
            )
        elif timeline == "late":
            signed_on = today - dt.timedelta(days=rng.randint(336, 364))
            channel = Channel.CAMPAIGN if channel == Channel.CAMPAIGN else channel
        elif timeline == "pending":
            signed_on = today - dt.timedelta(days=rng.randint(0, 20))
        else:
            signed_on = (
                dt.date(today.year, 5, 19)
                if channel == Channel.CAMPAIGN and dt.date(today.year, 5, 19) < today
                else _h1_date(rng, today.year, today)
            )
        if timeline == "late" and channel == Channel.CAMPAIGN:
            channel = Channel.WINDOW  # no campaign day in November
        party = next((m for m in group if m.relation == "head"), group[0])
        kind = ContractKind.FAMILY if len(group) > 1 else ContractKind.INDIVIDUAL
        a = w.agreement(
            kind=kind,
            team_id=team_id,
            doctor_id=doctor,
            party=party,
            household_id=hid if kind == ContractKind.FAMILY else None,
            channel=channel,
            signed_on=signed_on,
        )
        for m in group:
            kinds = keys.on(m, signed_on)
            packages = _packages(rng, w.cat, kinds, family=kind == ContractKind.FAMILY)
            basic_only = all(p.tier == Tier.BASIC for p in packages)
            end = term_end(signed_on, 1)
            pending = timeline == "pending"
            if timeline == "renewed" and end < today:
                old = w.contract(a, m, packages, start=signed_on, status=ContractStatus.RENEWED, paid=True)
                c = w.renew(old, m, packages, auto=basic_only)
            else:
                c = w.contract(
                    a,
                    m,
                    packages,
                    start=signed_on,
                    status=ContractStatus.PENDING if pending else ContractStatus.ACTIVE,
                    paid=not pending,
                    renewal_opt_out=timeline == "late" and rng.random() < OPT_OUT,
                )
            out.append(Signed(c, m, keys.on(m, today), [p.pk for p in packages], signed_on))
    return out


def _lapse_household(w: Writer, rng, keys, hid, team_id, doctor, members, urban, today) -> None:
    """Signed last year, no longer in force: terminated with a reason, or expired (opted out of
    renewal, or a personalised package left unpaid)."""
    signers = members if len(members) == 1 else [m for m in members if rng.random() < 0.8] or members[:1]
    signed_on = _h1_date(rng, today.year - 1, today)
    channel = _channel(rng, urban)
    if channel == Channel.CAMPAIGN:
        signed_on = dt.date(today.year - 1, 5, 19)
    party = next((m for m in signers if m.relation == "head"), signers[0])
    kind = ContractKind.FAMILY if len(signers) > 1 else ContractKind.INDIVIDUAL
    a = w.agreement(
        kind=kind,
        team_id=team_id,
        doctor_id=doctor,
        party=party,
        household_id=hid if kind == ContractKind.FAMILY else None,
        channel=channel,
        signed_on=signed_on,
    )
    end = term_end(signed_on, 1)
    terminate = end >= today or rng.random() < 0.4
    reason, _w, note = _weighted(rng, TERMINATIONS)
    span = (min(end, today - dt.timedelta(days=1)) - signed_on).days
    off_on = signed_on + dt.timedelta(days=rng.randint(min(30, span), span))
    for m in signers:
        packages = _packages(rng, w.cat, keys.on(m, signed_on), family=kind == ContractKind.FAMILY)
        basic_only = all(p.tier == Tier.BASIC for p in packages)
        if terminate:
            c = w.contract(
                a,
                m,
                packages,
                start=signed_on,
                status=ContractStatus.TERMINATED,
                paid=True,
                terminated_on=off_on,
                termination_reason=reason,
                termination_note=note,
            )
            w.event(
                c,
                "terminate",
                ContractStatus.ACTIVE,
                ContractStatus.TERMINATED,
                _at(off_on, rng),
                w.users.get(doctor),
                note,
            )
        else:
            c = w.contract(
                a,
                m,
                packages,
                start=signed_on,
                status=ContractStatus.EXPIRED,
                paid=True,
                renewal_opt_out=basic_only,
                awaiting_payment=not basic_only,
            )
            if basic_only:
                w.event(
                    c,
                    "opt_out",
                    ContractStatus.ACTIVE,
                    ContractStatus.ACTIVE,
                    _at(end - dt.timedelta(days=rng.randint(5, 40)), rng),
                    w.users.get(doctor),
                    "",
                )
            w.event(
                c,
                "expire",
                ContractStatus.ACTIVE,
                ContractStatus.EXPIRED,
                _at(end + dt.timedelta(days=1), rng),
                None,
                "",
            )
