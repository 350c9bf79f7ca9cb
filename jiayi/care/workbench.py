"""Reads for the team's workbench (首页工作台, SCENARIOS 2).

A handful of indexed queries whatever the team's size: one grouped count over the contact plan,
one range scan per worklist (limited), the expiring contracts, recent services. No per-row query.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone

from jiayi.contracts.models import Contract
from jiayi.core.errors import NotFound
from jiayi.core.scope import TEAM
from jiayi.teams.models import Team

from . import queries as q
from .models import ContactPlan, RecordStatus, ServiceRecord

EXPIRY_DAYS = 30
LIST_LIMIT = 50
# What a worklist row shows: loading only these keeps a row cheap (see bench/worklist_bench.py).
ROW_FIELDS = (
    *(f.name for f in ContactPlan._meta.concrete_fields),
    "resident__name",
    "resident__sex",
    "resident__birth_date",
    "resident__phone_masked",
    "doctor__name",
)


@dataclass
class Workbench:
    team: Team | None
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    lists: dict[str, list] = field(default_factory=dict)
    expiring: list = field(default_factory=list)
    expiring_count: int = 0
    referrals: list | None = None
    referral_count: int | None = None
    recent: list = field(default_factory=list)


def workbench_teams(user):
    return Team.objects.visible_to(user).filter(is_active=True).select_related("institution").order_by("name")


def workbench_team(user, team_id: int | None) -> Team | None:
    """A team member works on their own team; others choose one of the teams they may see."""
    if user.scope.kind == TEAM:
        return Team.objects.select_related("institution", "leader").get(pk=user.scope.team_id)
    teams = workbench_teams(user)
    if team_id:
        team = teams.filter(pk=team_id).first()
        if team is None:
            raise NotFound()
        return team
    return teams.first()


def plan_counts(user, team_id: int, today: dt.date) -> dict[str, int]:
    """The three worklist counts in one pass over the team's plan rows (index on team, next_due_on)."""
    end = q.week_end(today)
    return (
        ContactPlan.objects.visible_to(user)
        .filter(team_id=team_id)
        .aggregate(
            overdue=Count("pk", filter=Q(next_due_on__lt=today)),
            due_week=Count("pk", filter=Q(next_due_on__gte=today, next_due_on__lte=end)),
            never=Count("pk", filter=Q(last_contact_on__isnull=True)),
        )
    )


def expiring_contracts(user, team_id: int, today: dt.date, days: int = EXPIRY_DAYS):
    return (
        Contract.objects.visible_to(user)
        .in_force()
        .filter(team_id=team_id, end__gte=today, end__lte=today + dt.timedelta(days=days))
        .select_related("resident", "doctor")
        .order_by("end", "pk")
    )


def recent_services(user, team_id: int, limit: int = 10):
    return (
        ServiceRecord.objects.visible_to(user)
        .filter(team_id=team_id, status=RecordStatus.VALID)
        .select_related("resident", "item", "practitioner")
        .order_by("-performed_on", "-pk")[:limit]
    )


def waiting_referrals(user, team_id: int):
    """Referrals waiting for the team, if the referrals app is installed and offers the read."""
    if not apps.is_installed("jiayi.referrals"):
        return None
    try:
        from jiayi.referrals import queries as rq
    except ImportError:
        return None
    fn = getattr(rq, "waiting_for_team", None)
    return None if fn is None else fn(user, team_id=team_id)


def workbench(user, team_id: int | None = None, today: dt.date | None = None) -> Workbench:
    today = today or timezone.localdate()
    team = workbench_team(user, team_id)
    wb = Workbench(team=team, today=today)
    if team is None:
        return wb
    wb.counts = plan_counts(user, team.pk, today)
    for kind in q.WORKLISTS:
        rows = q.worklist(user, kind, team_id=team.pk, today=today).only(*ROW_FIELDS)
        wb.lists[kind] = list(rows[:LIST_LIMIT])
    expiring = expiring_contracts(user, team.pk, today)
    wb.expiring = list(expiring[:LIST_LIMIT])
    wb.expiring_count = len(wb.expiring) if len(wb.expiring) < LIST_LIMIT else expiring.count()
    referrals = waiting_referrals(user, team.pk)
    if referrals is not None:
        wb.referrals = list(referrals[:20])
        wb.referral_count = len(wb.referrals)
    wb.recent = list(recent_services(user, team.pk))
    return wb
