import datetime as dt

import pytest
from django.core.management import call_command

from jiayi.contracts import services as s
from jiayi.contracts.models import Contract, ContractStatus

from .conftest import sign_kwargs

pytestmark = pytest.mark.django_db


def _sign_three(world):
    basic = s.contract_sign(**sign_kwargs(world)).contracts[0]
    personal = s.contract_sign(
        **sign_kwargs(
            world, resident=world.grandpa, packages=[world.basic, world.elderly], resident_paid=True
        )
    ).contracts[0]
    opted = s.contract_sign(**sign_kwargs(world, resident=world.son)).contracts[0]
    s.contract_set_renewal_opt_out(actor=world.user, contract=opted, opt_out=True)
    return basic, personal, opted


def test_daily_renews_expires_and_is_idempotent(world):
    basic, personal, opted = _sign_three(world)
    day = basic.end + dt.timedelta(days=1)
    report = s.contracts_daily(today=day)
    assert report.renewed == [basic.pk]
    assert report.awaiting_payment == [personal.pk]
    assert report.expired == [opted.pk]
    basic.refresh_from_db(), personal.refresh_from_db(), opted.refresh_from_db()
    assert basic.status == ContractStatus.RENEWED
    assert basic.next.status == ContractStatus.ACTIVE and basic.next.start == day
    assert personal.status == ContractStatus.EXPIRED and personal.awaiting_payment
    assert opted.status == ContractStatus.EXPIRED and not opted.awaiting_payment
    snapshot = list(Contract.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    again = s.contracts_daily(today=day)
    assert not (again.renewed or again.awaiting_payment or again.expired)
    assert list(Contract.objects.order_by("pk").values_list("pk", "status", "updated_at")) == snapshot


def test_personalised_renews_when_paid(world):
    _basic, personal, _opted = _sign_three(world)
    day = personal.end + dt.timedelta(days=3)
    s.contracts_daily(today=day)
    personal.refresh_from_db()
    new = s.contract_renew(actor=world.user, contract=personal, resident_paid=True, today=day)
    assert new.previous == personal and new.start == day and new.status == ContractStatus.ACTIVE
    world.grandpa.refresh_from_db()
    assert world.grandpa.responsible_doctor == world.doctor


def test_daily_catches_up_missed_years(world):
    basic = s.contract_sign(**sign_kwargs(world)).contracts[0]
    day = basic.end + dt.timedelta(days=400)
    s.contracts_daily(today=day)
    current = Contract.objects.get(resident=world.single, status=ContractStatus.ACTIVE)
    assert current.start <= day <= current.end
    assert Contract.objects.filter(resident=world.single).count() == 3


def test_daily_command_prints_summary(world, capsys):
    _sign_three(world)
    call_command("daily", "--date", (world.today + dt.timedelta(days=400)).isoformat())
    out = capsys.readouterr().out
    assert "自动续约 1 份" in out
    assert "age crossings:" in out and "refreshed:" in out  # the rollups' daily step ran too
    call_command("daily", "--date", (world.today + dt.timedelta(days=400)).isoformat())
    assert "自动续约 0 份" in capsys.readouterr().out
