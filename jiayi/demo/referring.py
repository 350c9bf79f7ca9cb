"""Demo referrals: slot pools at the lead hospital and referrals in every state, written through the
referral services with the demo logins as actors, so history rows and audit events are real.

The services stamp "now"; afterwards each story's history and time stamps are spread back over the
past days (a referral requested, accepted an hour later, completed a week after), which the screens
need to look like a working district. Slots stay in the future: an appointment is always ahead.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.models import User
from jiayi.policy.models import PolicySetting
from jiayi.policy.queries import policy_for
from jiayi.policy.services import policy_setting_create, values_of
from jiayi.referrals import services as rs
from jiayi.referrals.models import Referral, ReferralEvent, Slot, SlotKind, SlotPool, Urgency
from jiayi.registry.models import Institution, KeyPopulationRecord, Region
from jiayi.teams.models import Team

from . import seed
from .logins import CENTRE
from .referral_cases import (
    ACCEPT_NOTES,
    CANCEL_REASONS,
    CASES,
    DOWN_CASES,
    REJECT_REASONS,
    RETURN_NOTES,
)

# Expert and exam sessions the lead hospital publishes: (department, kind, provider, weekdays, start,
# capacity, interval). Weekdays as date.weekday() (0 = Monday).
POOLS = [
    ("心血管内科", SlotKind.EXPERT, "冉建华 主任医师", (0, 2, 4), dt.time(8, 30), 16, 15),
    ("内分泌科", SlotKind.EXPERT, "向晓燕 副主任医师", (1, 3), dt.time(8, 30), 12, 15),
    ("神经内科", SlotKind.EXPERT, "庞世勇 主任医师", (2,), dt.time(14, 30), 12, 15),
    ("呼吸内科", SlotKind.EXPERT, "石红梅 副主任医师", (3,), dt.time(14, 30), 12, 15),
    ("医学影像科", SlotKind.EXAM, "CT（64排）", (1, 4), dt.time(9, 0), 24, 10),
]
POOL_DAYS = 14
# Nothing in the Qianjiang 2024 plan says how many slots hospitals keep for family doctors; the
# demo's own setting for the current year takes Pudong's "at least ⅓, a week before the public"
# (seed 001, R-REF-2) so the green channel can be shown. Marked as the demo's assumption.
DEMO_RESERVE = (Decimal("33.33"), 7)

# Story: steps and, per step, the day offset from the previous step (min, max).
STORIES = {
    "requested": [("request", 0, 0)],
    "accepted": [("request", 0, 0), ("accept", 0, 1)],
    "scheduled": [("request", 0, 0), ("accept", 0, 1), ("schedule", 0, 0)],
    "completed": [("request", 0, 0), ("accept", 0, 1), ("complete", 3, 9)],
    "down_waiting": [("request", 0, 0), ("accept", 0, 1), ("complete", 3, 7), ("down", 0, 0)],
    "down_returned": [
        ("request", 0, 0),
        ("accept", 0, 1),
        ("complete", 3, 7),
        ("down", 0, 0),
        ("return", 1, 3),
    ],
    "rejected": [("request", 0, 0), ("reject", 0, 1)],
    "cancelled": [("request", 0, 0), ("accept", 0, 1), ("cancel", 1, 3)],
    "cancelled_booked": [("request", 0, 0), ("accept", 0, 1), ("schedule", 0, 0), ("cancel", 1, 2)],
}
# How long ago the story's last step happened (days): open work is fresh, closed work older.
ENDED_AGO = {
    "requested": (0, 1),
    "accepted": (0, 2),
    "scheduled": (0, 2),
    "down_waiting": (0, 1),
    "completed": (3, 40),
    "down_returned": (2, 30),
    "rejected": (2, 35),
    "cancelled": (2, 30),
    "cancelled_booked": (1, 5),
}
OPEN_STORIES = {"requested", "accepted", "scheduled", "down_waiting"}
# The demo doctor's team: three waiting on the workbench (a new request, a booked appointment, a
# patient referred back), and one of each closed state.
OWN_TEAM = [
    ("requested", "心血管内科", Urgency.URGENT),
    ("scheduled", "内分泌科", Urgency.ROUTINE),
    ("down_waiting", "心血管内科", Urgency.ROUTINE),
    ("completed", "神经内科", Urgency.ROUTINE),
    ("down_returned", "心血管内科", Urgency.ROUTINE),
    ("rejected", "骨科", Urgency.ROUTINE),
    ("cancelled", "呼吸内科", Urgency.ROUTINE),
]
SECOND_TEAM = [
    ("requested", "内分泌科", Urgency.ROUTINE),
    ("accepted", "呼吸内科", Urgency.ROUTINE),
    ("scheduled", "心血管内科", Urgency.URGENT),
    ("down_returned", "内分泌科", Urgency.ROUTINE),
    ("rejected", "心血管内科", Urgency.ROUTINE),
]
OTHER_TEAMS = [
    [
        ("requested", "神经内科", Urgency.URGENT),
        ("scheduled", "心血管内科", Urgency.ROUTINE),
        ("completed", "内分泌科", Urgency.ROUTINE),
        ("down_returned", "心血管内科", Urgency.ROUTINE),
    ],
    [
        ("requested", "骨科", Urgency.ROUTINE),
        ("accepted", "心血管内科", Urgency.ROUTINE),
        ("rejected", "内分泌科", Urgency.ROUTINE),
        ("cancelled_booked", "神经内科", Urgency.ROUTINE),
    ],
    [
        ("requested", "中医科", Urgency.ROUTINE),
        ("down_waiting", "内分泌科", Urgency.ROUTINE),
        ("completed", "呼吸内科", Urgency.ROUTINE),
        ("scheduled", "呼吸内科", Urgency.ROUTINE),
    ],
    [
        ("requested", "心血管内科", Urgency.ROUTINE),
        ("accepted", "内分泌科", Urgency.URGENT),
        ("completed", "心血管内科", Urgency.ROUTINE),
        ("cancelled", "骨科", Urgency.ROUTINE),
    ],
]
# Referrals that go to the district's secondary hospitals (their desks have no demo login, so they wait).
SECONDARY_TARGETS = {"中医科": "QJH003"}
OTHER_SECONDARY_REQUEST = "QJH002"  # the second other team's first request goes to 黔江区人民医院
STAMPS = {
    "request": "requested_at",
    "accept": "accepted_at",
    "schedule": "scheduled_at",
    "complete": "completed_at",
    "reject": "rejected_at",
    "cancel": "cancelled_at",
    "return": "returned_at",
}


def referrals_exist() -> bool:
    return Referral.objects.filter(county_code=seed.COUNTY6).exists()


@dataclass
class Actors:
    yisheng: User
    jigou: User
    desk: User
    admin: User
    wjw: User

    @classmethod
    def load(cls) -> "Actors | None":
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["yisheng", "jigou", "zhuanzhen", "admin", "wjw"])
        }
        if len(users) < 5:
            return None
        return cls(users["yisheng"], users["jigou"], users["zhuanzhen"], users["admin"], users["wjw"])


@dataclass
class TeamPlan:
    team: Team
    sender: User  # refers up and cancels
    receiver: User  # takes referred-down patients back
    stories: list
    candidates: dict = field(default_factory=dict)  # department → [contract]


def build_referrals(*, seed_value: int, today: dt.date) -> int:
    """Slot pools and about thirty referrals; nothing when the county already has referrals."""
    if referrals_exist():
        return 0
    actors = Actors.load()
    hospital = Institution.objects.filter(code=seed.LEAD_HOSPITAL).first()
    if actors is None or hospital is None or actors.yisheng.team_id is None:
        return 0
    rng = random.Random(f"{seed_value}:referrals")
    with transaction.atomic():
        demo_reserve_policy(actors.wjw, today)
        publish_pools(actors.desk, hospital, today)
        plans = team_plans(rng, actors)
        Runner(rng, actors, hospital).run_all(plans)
    return Referral.objects.filter(county_code=seed.COUNTY6).count()


def demo_reserve_policy(actor: User, today: dt.date) -> None:
    """The district's setting for this year: the rules in force (Qianjiang 2024) plus the demo's reserve."""
    county = Region.objects.get(code=seed.COUNTY[0])
    current = policy_for(county, today.year)
    if current.slot_reserve_percent or PolicySetting.objects.filter(region=county, year=today.year).exists():
        return
    if current.is_builtin:
        return
    percent, lead = DEMO_RESERVE
    values = {
        **values_of(current.setting),
        "title": f"黔江区 {today.year}（演示）",
        "slot_reserve_percent": percent,
        "slot_release_lead_days": lead,
        "notes": (
            f"演示数据：沿用{current.setting.year}年方案；号源预留比例和提前开放天数为演示假设"
            "（参照浦东新区“预留至少1/3专家号源、较社会提前1周开放”），黔江文件未规定。"
        ),
    }
    policy_setting_create(actor=actor, region=county, year=today.year, values=values, preset="")


def publish_pools(desk: User, hospital: Institution, today: dt.date) -> int:
    start = max(today, timezone.localdate())
    n = 0
    for offset in range(1, POOL_DAYS + 1):
        day = start + dt.timedelta(days=offset)
        for department, kind, provider, weekdays, at, capacity, interval in POOLS:
            if day.weekday() in weekdays:
                rs.slotpool_publish(
                    actor=desk,
                    hospital=hospital,
                    department=department,
                    kind=kind,
                    date=day,
                    start_time=at,
                    capacity=capacity,
                    interval_minutes=interval,
                    provider=provider,
                )
                n += 1
    return n


def team_plans(rng, actors: Actors) -> list[TeamPlan]:
    own = actors.yisheng.team
    plans = [TeamPlan(own, actors.yisheng, actors.yisheng, OWN_TEAM)]
    second = (
        Team.objects.filter(institution__code=CENTRE, is_active=True)
        .exclude(pk=own.pk)
        .order_by("pk")
        .first()
    )
    if second is not None:
        plans.append(TeamPlan(second, actors.jigou, actors.jigou, SECOND_TEAM))
    # A few teams of other institutions (one each), streets and towns alike; no demo login works
    # there, so the system administrator enters their side.
    others = list(
        Team.objects.filter(county_code=seed.COUNTY6, is_active=True)
        .exclude(institution__code=CENTRE)
        .order_by("institution__code", "pk")
    )
    by_inst = {}
    for t in others:
        by_inst.setdefault(t.institution_id, t)
    chosen = rng.sample(sorted(by_inst), min(len(OTHER_TEAMS), len(by_inst)))
    for inst_id, stories in zip(sorted(chosen), OTHER_TEAMS, strict=False):
        plans.append(TeamPlan(by_inst[inst_id], actors.admin, actors.admin, stories))
    _load_candidates(plans)
    return plans


def _load_candidates(plans: list[TeamPlan]) -> None:
    """Adult residents with an active contract of the team, by the department their conditions
    lead to (anyone adult falls back to every department)."""
    jumin_household = [
        h for h in User.objects.filter(username="jumin").values_list("resident__household_id", flat=True) if h
    ]
    today = timezone.localdate()
    for plan in plans:
        contracts = list(
            Contract.objects.filter(team=plan.team, status=ContractStatus.ACTIVE, resident__team=plan.team)
            .exclude(resident__household_id__in=jumin_household)
            .select_related("resident")
            .order_by("pk")
        )
        adults = [c for c in contracts if c.resident.age_on(today) >= 35]
        kinds = {}
        for rid, kind in KeyPopulationRecord.objects.filter(
            resident_id__in=[c.resident_id for c in adults]
        ).values_list("resident_id", "kind"):
            kinds.setdefault(rid, set()).add(kind)
        for department, (wanted, _cases) in CASES.items():
            fit = [c for c in adults if kinds.get(c.resident_id, set()) & set(wanted)]
            if "elderly" in wanted:
                fit += [c for c in adults if c.resident.age_on(today) >= 65 and c not in fit]
            plan.candidates[department] = fit or list(adults)
        plan.candidates["*"] = adults


def pick_contract(rng, plan: TeamPlan, department: str):
    used = plan.candidates.setdefault("used", set())
    for pool in (plan.candidates.get(department, []), plan.candidates.get("*", [])):
        free = [c for c in pool if c.resident_id not in used]
        if free:
            c = rng.choice(free)
            used.add(c.resident_id)
            return c
    return None


@dataclass
class Story:
    plan: TeamPlan
    kind: str
    contract: Contract
    department: str
    urgency: str
    target: Institution
    times: list
    up: Referral | None = None
    down: Referral | None = None
    events: int = 0


class Runner:
    """Plays the stories through the services, every step of every story in the order of the
    times it is meant to have happened, so numbers and history follow the calendar; then moves
    each story's history back to those times."""

    def __init__(self, rng, actors: Actors, hospital: Institution):
        self.rng, self.actors, self.hospital = rng, actors, hospital
        self.secondary = {i.code: i for i in Institution.objects.filter(code__in=["QJH002", "QJH003"])}
        self.other_requests = 0
        self.decks: dict[str, list] = {}

    def _case(self, department: str) -> tuple[str, str]:
        """The department's cases in a shuffled order, so neighbours in a list differ."""
        deck = self.decks.get(department)
        if not deck:
            cases = CASES[department][1]
            deck = self.decks[department] = self.rng.sample(cases, len(cases))
        return deck.pop()

    def run_all(self, plans: list[TeamPlan]) -> None:
        stories = []
        for plan in plans:
            for kind, department, urgency in plan.stories:
                contract = pick_contract(self.rng, plan, department)
                if contract is not None:
                    target = self._target(plan, kind, department)
                    stories.append(
                        Story(plan, kind, contract, department, urgency, target, self._times(kind))
                    )
        steps = sorted(
            ((t, i, j) for i, story in enumerate(stories) for j, t in enumerate(story.times)),
            key=lambda s: (s[0], s[1], s[2]),
        )
        for _t, i, j in steps:
            self._step(stories[i], STORIES[stories[i].kind][j][0])
        for story in stories:
            self._backdate(story)

    def _target(self, plan: TeamPlan, story: str, department: str) -> Institution:
        if story == "requested" and department in SECONDARY_TARGETS:
            return self.secondary.get(SECONDARY_TARGETS[department], self.hospital)
        if story == "requested" and plan.sender == self.actors.admin:
            self.other_requests += 1
            if self.other_requests == 2:
                return self.secondary.get(OTHER_SECONDARY_REQUEST, self.hospital)
        return self.hospital

    def _step(self, story: Story, step: str) -> None:
        rng, desk, plan, up = self.rng, self.actors.desk, story.plan, story.up
        story.events += 1
        if step == "request":
            resident = story.contract.resident
            reason, summary = self._case(story.department)
            age = resident.age_on(timezone.localdate())
            story.up = rs.referral_request(
                actor=plan.sender,
                resident=resident,
                to_institution=story.target,
                department=story.department,
                reason=reason,
                clinical_summary=summary.format(sex=resident.get_sex_display(), age=age),
                urgency=story.urgency,
            )
        elif step == "accept":
            rs.referral_accept(actor=desk, referral=up, note=rng.choice(ACCEPT_NOTES))
        elif step == "schedule":
            slot = self._slot(story.department)
            rs.referral_schedule(actor=desk, referral=up, slot=slot, note="已预约家庭医生预留号源")
        elif step == "complete":
            rs.referral_complete(actor=desk, referral=up, note="门诊诊治完成")
        elif step == "reject":
            rs.referral_reject(actor=desk, referral=up, reason=rng.choice(REJECT_REASONS))
        elif step == "cancel":
            rs.referral_cancel(actor=plan.sender, referral=up, reason=rng.choice(CANCEL_REASONS))
        elif step == "down":
            reason, summary = rng.choice(DOWN_CASES)
            story.down = rs.referral_refer_down(
                actor=desk, referral=up, reason=reason, clinical_summary=summary
            )
            story.events += 1  # the down-referral's own request and the up-referral's "refer down"
        elif step == "return":
            rs.referral_return(actor=plan.receiver, referral=story.down, note=rng.choice(RETURN_NOTES))

    def _slot(self, department: str) -> Slot:
        """The first free slot (reserved ones first) of one of the department's sessions."""
        pools = list(
            SlotPool.objects.filter(hospital=self.hospital, department=department).order_by("date", "pk")
        )
        now = timezone.now()
        for pool in self.rng.sample(pools, len(pools)):
            slot = (
                Slot.objects.free().filter(pool=pool, starts_at__gt=now).order_by("-reserved", "seq").first()
            )
            if slot is not None:
                return slot
        raise LookupError(department)  # POOLS and the stories' departments disagree

    def _times(self, story: str) -> list[dt.datetime]:
        """One time per step: working hours, in order, the last `ENDED_AGO` days before now."""
        rng = self.rng
        now = timezone.localtime()
        offsets, day = [], 0
        for _step, lo, hi in STORIES[story]:
            day += rng.randint(lo, hi)
            offsets.append(day)
        end_day = now.date() - dt.timedelta(days=rng.randint(*ENDED_AGO[story]))
        first = end_day - dt.timedelta(days=offsets[-1])
        times, last = [], None
        for off in offsets:
            d = first + dt.timedelta(days=off)
            t = timezone.make_aware(dt.datetime.combine(d, dt.time(8, 30)))
            t += dt.timedelta(minutes=rng.randint(0, 8 * 60))
            if last is not None and t <= last:
                t = last + dt.timedelta(minutes=rng.randint(20, 90))
            times.append(t)
            last = t
        # Today's steps cannot lie in the future: squeeze them into the minutes before now.
        limit = now - dt.timedelta(minutes=5)
        if times[-1] > limit:
            step = dt.timedelta(minutes=7)
            for i in range(len(times) - 1, -1, -1):
                cap = limit - step * (len(times) - 1 - i)
                if times[i] > cap:
                    times[i] = cap
        return times

    def _backdate(self, story: Story) -> None:
        ids = [story.up.pk] + ([story.down.pk] if story.down else [])
        events = list(ReferralEvent.objects.filter(referral_id__in=ids).order_by("pk"))
        assert len(events) == story.events, (len(events), story.events)
        # Events were written in step order, one per step, except that referring down writes two:
        # the down-referral's request, then the up-referral's note, at the same moment.
        i = 0
        for e in events:
            if e.action == "refer_down":
                e.at = story.times[i - 1]
            else:
                e.at = story.times[i]
                i += 1
        ReferralEvent.objects.bulk_update(events, ["at"])
        for rid in ids:
            stamps = {STAMPS[e.action]: e.at for e in events if e.referral_id == rid and e.action in STAMPS}
            Referral.objects.filter(pk=rid).update(**stamps)
            if "scheduled_at" in stamps:
                Slot.objects.filter(referral_id=rid).update(booked_at=stamps["scheduled_at"])
