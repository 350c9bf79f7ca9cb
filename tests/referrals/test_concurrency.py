"""Two desks' clicks on one slot at once: exactly one booking lands (R-REF-2)."""

import threading

import pytest
from django.db import connection

from jiayi.referrals import services as s
from jiayi.referrals.errors import SlotTaken
from jiayi.referrals.models import Referral, Slot

from .conftest import World
from .test_services import pool, up

N = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_slot_one_wins():
    if connection.vendor != "postgresql":
        pytest.skip("parallel transactions are exercised on PostgreSQL")
    world = World()
    referrals = []
    for i in range(N):
        r = up(world, resident=world.signed if i == 0 else world.unsigned, department=f"心血管内科{i}")
        referrals.append(s.referral_accept(actor=world.desk, referral=r))
    # All referrals of one department, so that each may take the same slot.
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(department="心血管内科")
    for r in referrals:
        r.department = "心血管内科"
    slot = pool(world, capacity=1).slots.get()
    barrier = threading.Barrier(N)
    outcomes = []

    def attempt(referral):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            s.referral_schedule(actor=world.desk, referral=referral, slot=slot)
            outcomes.append("booked")
        except SlotTaken:
            outcomes.append("taken")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in referrals]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked"] + ["taken"] * (N - 1), outcomes
    winner = Slot.objects.get(pk=slot.pk).referral_id
    assert winner is not None
    assert Referral.objects.filter(status="scheduled").count() == 1
    assert Referral.objects.get(status="scheduled").pk == winner
    assert Referral.objects.filter(status="accepted").count() == N - 1
