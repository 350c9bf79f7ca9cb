"""Coverage rollups kept current incrementally (the dashboards never scan contracts or residents).

A contract write (signal `contract_changed`) or a key-population change marks the team dirty in
the same transaction; `jiayi rollups` (a task enqueued on commit, or a cron line
`* * * * * jiayi rollups`) recomputes only the dirty teams from indexed queries and clears the
marks. `jiayi rollups --daily` marks the teams of residents who turn 65 or 7 today (their key
population changes without any write); `--rebuild` recomputes everything for recovery.

"Signed now" is a contract in force by status (pending or active: the partial unique index keeps
one per resident). "Signed at a past date" is a contract whose term covers the date and that was
not terminated by then (`signed_on_date_q`).
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jiayi.contracts.models import IN_FORCE, Contract, ContractStatus
from jiayi.registry.models import DERIVED_KINDS, KeyPopulationKind, KeyPopulationRecord
from jiayi.teams.models import Team

from .models import ALL, KEY, CoverageRollup, MonthlyCoverage, RollupMark, RollupState

ELDERLY, CHILD = KeyPopulationKind.ELDERLY.value, KeyPopulationKind.CHILD.value
POPULATIONS = [ALL, KEY, *KeyPopulationKind.values]


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def derived_kinds(birth: dt.date, on: dt.date) -> list[str]:
    """Kinds that follow from the birth date on a day: 65 and over, 0 to 6 years (R-REG-5)."""
    out = []
    if birth <= years_before(on, DERIVED_KINDS[KeyPopulationKind.ELDERLY][0]):
        out.append(ELDERLY)
    if birth > years_before(on, DERIVED_KINDS[KeyPopulationKind.CHILD][1] + 1):
        out.append(CHILD)
    return out


def signed_on_date_q(on: dt.date) -> Q:
    return Q(start__lte=on, end__gte=on) & ~Q(status=ContractStatus.TERMINATED, terminated_on__lte=on)


def month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# --- marking -----------------------------------------------------------------------------------


def mark_teams(team_ids) -> None:
    """Mark teams dirty (inside the caller's transaction) and queue a refresh after commit."""
    ids = {int(t) for t in team_ids if t}
    if not ids:
        return
    RollupMark.objects.bulk_create([RollupMark(team_id=t) for t in ids])
    transaction.on_commit(_enqueue_refresh, robust=True)


def mark_residents(resident_ids) -> None:
    """Key populations of these residents changed: their signing teams' rollups are stale."""
    ids = list(resident_ids)
    if not ids:
        return
    mark_teams(
        Contract.objects.filter(resident_id__in=ids, status__in=IN_FORCE).values_list("team_id", flat=True)
    )


def _enqueue_refresh() -> None:
    from .tasks import refresh_rollups

    refresh_rollups.enqueue()


def mark_age_crossings(today: dt.date | None = None) -> int:
    """Mark the teams of signed residents who turned 65 or 7 since the last daily run (indexed birth_date)."""
    today = today or timezone.localdate()
    state, _ = RollupState.objects.get_or_create(key="daily")
    since = state.day or today - dt.timedelta(days=1)
    if since >= today:
        return 0
    q = Q()
    for years in (DERIVED_KINDS[KeyPopulationKind.ELDERLY][0], DERIVED_KINDS[KeyPopulationKind.CHILD][1] + 1):
        q |= Q(
            resident__birth_date__gt=years_before(since, years),
            resident__birth_date__lte=years_before(today, years),
        )
    teams = set(Contract.objects.filter(q, status__in=IN_FORCE).values_list("team_id", flat=True))
    with transaction.atomic():
        mark_teams(teams)
        state.day = today
        state.save(update_fields=["day"])
    return len(teams)


# --- computing ---------------------------------------------------------------------------------


def population_counts(contracts, on: dt.date) -> dict[tuple[int, str], set[int]]:
    """(team id, population) → resident ids, for the contracts given, with key populations on `on`."""
    residents: dict[tuple[int, str], set[int]] = defaultdict(set)
    birth: dict[int, dt.date] = {}
    teams_of: dict[int, set[int]] = defaultdict(set)
    for team_id, rid, born in contracts.values_list(
        "team_id", "resident_id", "resident__birth_date"
    ).iterator(chunk_size=5000):
        birth[rid] = born
        teams_of[rid].add(team_id)
    kinds: dict[int, set[str]] = defaultdict(set)
    for rid, born in birth.items():
        kinds[rid].update(derived_kinds(born, on))
    records = KeyPopulationRecord.objects.valid_on(on).filter(resident_id__in=contracts.values("resident_id"))
    for rid, kind in records.values_list("resident_id", "kind").iterator(chunk_size=5000):
        if rid in birth:
            kinds[rid].add(kind)
    for rid, tids in teams_of.items():
        pops = [ALL, *kinds[rid]] + ([KEY] if kinds[rid] else [])
        for t in tids:
            for p in pops:
                residents[(t, p)].add(rid)
    return residents


def _team_places(team_ids) -> dict[int, tuple[int, str, str]]:
    return {
        t.pk: (t.institution_id, t.institution.county_code, t.institution.region_code)
        for t in Team.objects.filter(pk__in=team_ids).select_related("institution")
    }


def recompute_teams(team_ids, *, today: dt.date | None = None) -> int:
    """Replace the current rollups (and this month's trend rows) of the given teams."""
    today = today or timezone.localdate()
    team_ids = sorted(set(team_ids))
    if not team_ids:
        return 0
    places = _team_places(team_ids)
    contracts = Contract.objects.filter(team_id__in=team_ids, status__in=IN_FORCE)
    counts = population_counts(contracts, today)
    status_rows = defaultdict(lambda: [0, 0])
    for team_id, status in contracts.values_list("team_id", "status").iterator(chunk_size=5000):
        status_rows[team_id][0 if status == ContractStatus.ACTIVE else 1] += 1
    rollups, monthly = [], []
    for (team_id, pop), rids in counts.items():
        inst, county, region = places[team_id]
        active, pending = status_rows[team_id] if pop == ALL else (0, 0)
        common = {"county_code": county, "region_code": region, "institution_id": inst, "team_id": team_id}
        rollups.append(
            CoverageRollup(**common, population=pop, signed=len(rids), active=active, pending=pending)
        )
        monthly.append(
            MonthlyCoverage(**common, year=today.year, month=today.month, population=pop, signed=len(rids))
        )
    with transaction.atomic():
        CoverageRollup.objects.filter(team_id__in=team_ids).delete()
        MonthlyCoverage.objects.filter(team_id__in=team_ids, year=today.year, month=today.month).delete()
        CoverageRollup.objects.bulk_create(rollups, batch_size=2000)
        MonthlyCoverage.objects.bulk_create(monthly, batch_size=2000)
    return len(team_ids)


def refresh_dirty(*, today: dt.date | None = None, batch: int = 200) -> int:
    """Recompute the marked teams and delete the marks read; a mark made meanwhile has a higher
    id and survives for the next round."""
    done = 0
    while True:
        marks = list(RollupMark.objects.order_by("pk").values_list("pk", "team_id")[:batch])
        if not marks:
            return done
        teams = sorted({team for _pk, team in marks})
        recompute_teams(teams, today=today)
        RollupMark.objects.filter(team_id__in=teams, pk__lte=marks[-1][0]).delete()
        done += len(teams)


def rebuild(*, today: dt.date | None = None, months: int = 12) -> dict:
    """Recompute every rollup from the raw tables, with `months` closed months of trend."""
    today = today or timezone.localdate()
    team_ids = list(Team.objects.values_list("pk", flat=True))
    with transaction.atomic():
        CoverageRollup.objects.all().delete()
        MonthlyCoverage.objects.all().delete()
        RollupMark.objects.all().delete()
    for i in range(0, len(team_ids), 500):
        recompute_teams(team_ids[i : i + 500], today=today)
    y, m = today.year, today.month
    for _ in range(months):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        rebuild_month(y, m)
    return {"teams": len(team_ids), "months": months}


def rebuild_month(year: int, month: int) -> None:
    day = month_end(year, month)
    counts = population_counts(Contract.objects.filter(signed_on_date_q(day)), day)
    places = _team_places({t for t, _ in counts})
    rows = []
    for (team_id, pop), rids in counts.items():
        inst, county, region = places[team_id]
        rows.append(
            MonthlyCoverage(
                county_code=county,
                region_code=region,
                institution_id=inst,
                team_id=team_id,
                year=year,
                month=month,
                population=pop,
                signed=len(rids),
            )
        )
    with transaction.atomic():
        MonthlyCoverage.objects.filter(year=year, month=month).delete()
        MonthlyCoverage.objects.bulk_create(rows, batch_size=2000)
