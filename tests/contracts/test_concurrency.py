"""Concurrent signing: exactly one contract, whatever the interleaving (R-CON-2)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import IntegrityError, connection, transaction

from jiayi.contracts import services as s
from jiayi.contracts.errors import DuplicateContract
from jiayi.contracts.models import Contract

from .conftest import World, sign_kwargs


def _attempt_all(world, n, make_kwargs):
    barrier = threading.Barrier(n)

    def attempt(i):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            s.contract_sign(**make_kwargs(i))
            return "signed"
        except DuplicateContract:
            return "duplicate"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(attempt, range(n)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_signing_of_one_resident_creates_one_contract():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and parallel transactions are exercised on PostgreSQL")
    world = World()
    teams = [(world.team, world.doctor), (world.other_team, world.doctor2)]

    def kwargs(i):
        team, doctor = teams[i % 2]
        return sign_kwargs(world, actor=world.admin, team=team, doctor=doctor)

    results = _attempt_all(world, 8, kwargs)
    assert results.count("signed") == 1, results
    assert results.count("duplicate") == 7
    assert Contract.objects.filter(resident=world.single).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_family_members_with_two_teams_keep_one_team():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and parallel transactions are exercised on PostgreSQL")
    world = World()

    def kwargs(i):
        if i % 2:
            return sign_kwargs(
                world, actor=world.admin, resident=world.son, team=world.team, doctor=world.doctor
            )
        return sign_kwargs(
            world, actor=world.admin, resident=world.boy, team=world.other_team, doctor=world.doctor2
        )

    from jiayi.contracts.errors import HouseholdSignedElsewhere

    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(i):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            s.contract_sign(**kwargs(i))
            outcomes.append("signed")
        except HouseholdSignedElsewhere:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "signed"]
    assert Contract.objects.values("team").distinct().count() == 1


@pytest.mark.django_db
def test_database_refuses_two_contracts_in_force(world):
    first = s.contract_sign(**sign_kwargs(world)).contracts[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            agreement=first.agreement,
            resident=world.single,
            institution=world.inst,
            team=world.other_team,
            doctor=world.doctor2,
            status="pending",
            start=first.start,
            end=first.end,
        )
