import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings

from jiayi.care.errors import ReminderChannelNotConfigured
from jiayi.care.models import ContactPlan, Reminder, ReminderStatus
from jiayi.care.reminders import LogAdapter, SmsAdapter, WeChatAdapter, get_adapter, remind_due, reminder_send
from jiayi.contracts.models import Contract
from jiayi.core.errors import NotFound
from jiayi.registry.fields import set_phone

pytestmark = pytest.mark.django_db


class FakeTransport:
    def __init__(self):
        self.sent = []

    def __call__(self, payload):
        self.sent.append(payload)


def _due_soon(cw, resident, days=3):
    ContactPlan.objects.filter(resident=resident).update(next_due_on=cw.today + dt.timedelta(days=days))


def test_daily_job_idempotent_per_day(cw):
    cw.sign(cw.single)
    cw.sign(cw.grandpa)
    _due_soon(cw, cw.single)
    Contract.objects.filter(resident=cw.grandpa).update(end=cw.today + dt.timedelta(days=10))
    first = remind_due(on=cw.today)
    assert first["contact_due"] == 1 and first["renewal"] == 1
    again = remind_due(on=cw.today)
    assert again["contact_due"] == 0 and again["renewal"] == 0 and again["skipped"] == 2
    assert Reminder.objects.count() == 2
    assert set(Reminder.objects.values_list("kind", flat=True)) == {"contact_due", "renewal"}
    assert "随访" in Reminder.objects.get(kind="contact_due").message


def test_renewal_window_is_policy(cw):
    cw.sign(cw.single)
    Contract.objects.filter(resident=cw.single).update(end=cw.today + dt.timedelta(days=40))
    assert remind_due(on=cw.today)["renewal"] == 0  # default window 30 days
    cw.policy(renewal_reminder_days=45)
    assert remind_due(on=cw.today)["renewal"] == 1


def test_command_runs(cw, capsys):
    cw.sign(cw.single)
    _due_soon(cw, cw.single)
    call_command("remind", "--date", cw.today.isoformat())
    call_command("remind", "--date", cw.today.isoformat())
    assert Reminder.objects.filter(resident=cw.single).count() == 1
    assert "随访提醒" in capsys.readouterr().out


def test_sms_adapter_formats_and_uses_transport(cw):
    set_phone(cw.single, "13800138000")
    cw.single.save()
    transport = FakeTransport()
    row = reminder_send(actor=cw.user, resident=cw.single, message="请来复诊", adapter=SmsAdapter(transport))
    assert row.channel == "sms" and row.status == ReminderStatus.SENT
    assert transport.sent == [
        {"channel": "sms", "to": "13800138000", "kind": "other", "text": "【家医】请来复诊"}
    ]


def test_wechat_adapter_and_unconfigured_transport(cw):
    transport = FakeTransport()
    reminder_send(
        actor=cw.user,
        resident=cw.single,
        message="请来复诊",
        kind="renewal",
        adapter=WeChatAdapter(transport),
    )
    assert (
        transport.sent[0]["template"] == "contract_renewal"
        and transport.sent[0]["resident_id"] == cw.single.pk
    )
    # Without a configured transport the failure is kept on the reminder, and the key is freed.
    row = reminder_send(actor=None, resident=cw.single, message="x", dedupe_key="k1", adapter=WeChatAdapter())
    assert row.status == ReminderStatus.FAILED and "未配置" in row.error and row.dedupe_key is None
    with pytest.raises(ReminderChannelNotConfigured):
        WeChatAdapter().send(cw.single, "x", "other")


def test_adapter_from_setting(cw):
    assert isinstance(get_adapter(), LogAdapter)
    with override_settings(JIAYI_REMINDER_ADAPTER="jiayi.care.reminders.WeChatAdapter"):
        assert isinstance(get_adapter(), WeChatAdapter)


def test_manual_reminder_scoped(cw):
    cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    with pytest.raises(NotFound):
        reminder_send(actor=cw.user, resident=cw.son, message="x")
