"""The incremental rollups equal a recomputation from the raw tables (property test), and the
marks, the daily age crossing and the rebuild behave."""

import datetime as dt
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiayi.contracts import services as cs
from jiayi.contracts.models import IN_FORCE, Contract, ContractStatus
from jiayi.core.errors import BusinessError
from jiayi.evaluation import rollups
from jiayi.evaluation.models import ALL, KEY, CoverageRollup, MonthlyCoverage, RollupMark
from jiayi.registry.models import KeyPopulationRecord
from jiayi.registry.services import groups

from .conftest import EvalWorld

pytestmark = pytest.mark.django_db


def naive_counts(today) -> Counter:
    """Straight from the raw tables, one resident at a time (no shared code with the rollups)."""
    out = Counter()
    for c in Contract.objects.filter(status__in=IN_FORCE).select_related("resident"):
        r = c.resident
        kinds = {
            k.kind
            for k in KeyPopulationRecord.objects.filter(resident=r)
            if (k.valid_from is None or k.valid_from <= today) and (k.valid_to is None or k.valid_to >= today)
        }
        age = r.age_on(today)
        if age >= 65:
            kinds.add("elderly")
        if age <= 6:
            kinds.add("child")
        for p in [ALL, *kinds, *([KEY] if kinds else [])]:
            out[(c.team_id, p)] += 1
    return out


def rollup_counts() -> Counter:
    return Counter({(r.team_id, r.population): r.signed for r in CoverageRollup.objects.all() if r.signed})


def test_sign_marks_team_and_refresh_counts(ew):
    ew.sign(ew.grandpa)
    assert RollupMark.objects.filter(team_id=ew.team.pk).exists()
    assert rollups.refresh_dirty() == 1
    assert not RollupMark.objects.exists()
    counts = rollup_counts()
    assert counts[(ew.team.pk, ALL)] == 1
    assert counts[(ew.team.pk, "elderly")] == 1 and counts[(ew.team.pk, KEY)] == 1
    row = CoverageRollup.objects.get(team=ew.team, population=ALL)
    assert row.active == 1 and row.institution_id == ew.inst.pk and row.county_code == "500114"
    today = timezone.localdate()
    assert (
        MonthlyCoverage.objects.get(team=ew.team, year=today.year, month=today.month, population=ALL).signed
        == 1
    )


def test_key_population_change_marks_team(ew):
    ew.sign(ew.son)
    rollups.refresh_dirty()
    groups.keypopulation_add(actor=ew.admin, resident=ew.son, kind="hypertension", source="doctor")
    assert RollupMark.objects.filter(team_id=ew.team.pk).exists()
    rollups.refresh_dirty()
    assert rollup_counts()[(ew.team.pk, "hypertension")] == 1


def test_mark_made_during_refresh_survives(ew, monkeypatch):
    """A change committed while the job recomputes a team is not lost: its mark has a later id."""
    ew.sign(ew.son)
    calls = []
    original = rollups.recompute_teams

    def recompute_while_a_signing_lands(team_ids, **kw):
        calls.append(list(team_ids))
        if len(calls) == 1:
            rollups.mark_teams([ew.team.pk])  # another signing of the same team, meanwhile
        return original(team_ids, **kw)

    monkeypatch.setattr(rollups, "recompute_teams", recompute_while_a_signing_lands)
    rollups.refresh_dirty()
    assert calls == [[ew.team.pk], [ew.team.pk]]
    assert not RollupMark.objects.exists()


def test_daily_age_crossing(ew):
    ew.sign(ew.son)
    rollups.refresh_dirty()
    today = timezone.localdate()
    # The son turns 65 in the future: run the daily mark on that birthday.
    birthday = ew.son.birth_date.replace(year=ew.son.birth_date.year + 65)
    rollups.RollupState.objects.update_or_create(
        key="daily", defaults={"day": birthday - dt.timedelta(days=1)}
    )
    assert rollups.mark_age_crossings(birthday) == 1
    rollups.refresh_dirty(today=birthday)
    assert rollup_counts()[(ew.team.pk, "elderly")] == 1
    assert rollups.mark_age_crossings(birthday) == 0  # idempotent on the same day
    assert today  # noqa


def test_rebuild_equals_incremental_and_history(ew):
    ew.sign(ew.grandpa)
    ew.sign(ew.boy)
    rollups.refresh_dirty()
    before = rollup_counts()
    rollups.rebuild(months=2)
    assert rollup_counts() == before
    # The contracts start today: the closed months before had nobody signed.
    assert (
        not MonthlyCoverage.objects.exclude(year=timezone.localdate().year, month=timezone.localdate().month)
        .filter(signed__gt=0)
        .exists()
    )


OPS = st.lists(
    st.tuples(
        st.sampled_from(["sign", "sign_other", "terminate", "renew", "kp_add", "kp_end", "refresh"]),
        st.integers(min_value=0, max_value=4),
        st.sampled_from(["hypertension", "diabetes", "disabled"]),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_incremental_equals_recompute(db, ops):
    with transaction.atomic():
        w = EvalWorld()
        people = [w.grandpa, w.son, w.boy, w.single, w.resident("王五", age=66, household=False)]
        today = timezone.localdate()
        for op, i, kind in ops:
            r = people[i]
            try:
                if op == "sign":
                    w.sign(r)
                elif op == "sign_other":
                    w.sign(r, team=w.other_team)
                elif op in ("terminate", "renew"):
                    c = Contract.objects.filter(resident=r, status__in=IN_FORCE).first()
                    if c is None:
                        continue
                    if op == "terminate":
                        cs.contract_terminate(
                            actor=w.admin, contract=c, reason="moved", confirmed_by_team=True,
                            confirmed_by_resident=True,
                        )  # fmt: skip
                    elif c.status == ContractStatus.ACTIVE:
                        cs.contract_renew(actor=w.admin, contract=c, resident_paid=True)
                elif op == "kp_add":
                    groups.keypopulation_add(actor=w.admin, resident=r, kind=kind, source="doctor")
                elif op == "kp_end":
                    rec = KeyPopulationRecord.objects.filter(
                        resident=r, kind=kind, valid_to__isnull=True
                    ).first()
                    if rec:
                        groups.keypopulation_end(
                            actor=w.admin, record=rec, valid_to=today - dt.timedelta(days=1)
                        )
                else:
                    rollups.refresh_dirty()
            except BusinessError:
                pass
        rollups.refresh_dirty()
        assert rollup_counts() == naive_counts(today)
        transaction.set_rollback(True)
