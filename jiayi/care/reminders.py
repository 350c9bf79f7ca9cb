"""Reminders to residents (R-SVC-9): due follow-ups and renewals.

Every reminder is kept as a `Reminder` row (shown on the resident's page and the portal); the
outbound channel is an adapter chosen by `settings.JIAYI_REMINDER_ADAPTER` (a dotted path). The
default only logs. SMS and WeChat adapters format the message and hand it to a transport (a
callable taking the payload dict); until a deployment configures one they fail with a clear
configuration error, which is recorded on the reminder rather than lost.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from jiayi.contracts.models import Contract
from jiayi.core.audit import record_write
from jiayi.core.errors import BusinessError, NotFound, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Resident

from .errors import ReminderChannelNotConfigured
from .models import ContactPlan, Reminder, ReminderKind, ReminderStatus

log = logging.getLogger("jiayi.reminders")

DEFAULT_ADAPTER = "jiayi.care.reminders.LogAdapter"
Transport = Callable[[dict], None]


class ReminderAdapter:
    """The interface: `send(resident, message, kind)`; raise on failure."""

    channel = "log"

    def send(self, resident: Resident, message: str, kind: str) -> None:  # pragma: no cover
        raise NotImplementedError


class LogAdapter(ReminderAdapter):
    channel = "log"

    def send(self, resident, message, kind):
        log.info("reminder %s to resident %s: %s", kind, resident.pk, message)


def unconfigured_transport(payload: dict) -> None:
    raise ReminderChannelNotConfigured(
        _("未配置提醒发送通道，请在设置中为 JIAYI_REMINDER_TRANSPORT 指定发送函数"),
        details={"channel": payload.get("channel", "")},
    )


def _configured_transport() -> Transport:
    path = getattr(settings, "JIAYI_REMINDER_TRANSPORT", "")
    return import_string(path) if path else unconfigured_transport


class SmsAdapter(ReminderAdapter):
    """Short messages: signature + text, to the resident's decrypted mobile number."""

    channel = "sms"
    signature = "【家医】"
    max_length = 300

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or _configured_transport()

    def format(self, resident, message, kind) -> dict:
        from jiayi.core.crypto import decrypt

        phone = decrypt(resident.phone_cipher) if resident.phone_cipher else ""
        if not phone:
            raise ValidationFailed(_("该居民没有登记手机号码"), details={"field": "phone"})
        return {
            "channel": self.channel,
            "to": phone,
            "kind": kind,
            "text": (self.signature + message)[: self.max_length],
        }

    def send(self, resident, message, kind):
        self.transport(self.format(resident, message, kind))


class WeChatAdapter(ReminderAdapter):
    """A template message addressed by the resident's id; the transport maps it to an openid."""

    channel = "wechat"
    templates = {ReminderKind.CONTACT_DUE: "follow_up_due", ReminderKind.RENEWAL: "contract_renewal"}

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or _configured_transport()

    def format(self, resident, message, kind) -> dict:
        return {
            "channel": self.channel,
            "resident_id": resident.pk,
            "template": self.templates.get(kind, "notice"),
            "data": {"name": resident.name, "content": message[:200]},
        }

    def send(self, resident, message, kind):
        self.transport(self.format(resident, message, kind))


def get_adapter() -> ReminderAdapter:
    return import_string(getattr(settings, "JIAYI_REMINDER_ADAPTER", "") or DEFAULT_ADAPTER)()


def reminder_send(
    *,
    actor,
    resident: Resident,
    message: str,
    kind: str = ReminderKind.OTHER,
    on: dt.date | None = None,
    dedupe_key: str | None = None,
    adapter: ReminderAdapter | None = None,
) -> Reminder | None:
    """Send one reminder and keep it. With a `dedupe_key` already used, nothing is sent (None).

    `actor` None is the daily job (the system); a person needs the permission and the scope."""
    if kind not in ReminderKind.values:
        raise ValidationFailed(_("提醒类别无效"), details={"field": "kind"})
    if not message.strip():
        raise ValidationFailed(_("请填写提醒内容"), details={"field": "message"})
    on = on or timezone.localdate()
    adapter = adapter or get_adapter()
    with transaction.atomic():
        if actor is not None:
            require_perm(actor, "care.record")
            if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
                raise NotFound()
        try:
            with transaction.atomic():
                row = Reminder.objects.create(
                    resident=resident,
                    kind=kind,
                    message=message.strip()[:500],
                    channel=adapter.channel,
                    sent_on=on,
                    dedupe_key=dedupe_key,
                    team_id=resident.team_id or getattr(actor, "team_id", None),
                    institution_id=resident.institution_id,
                )
        except IntegrityError:
            return None  # sent already (a rerun, or a concurrent run)
        try:
            adapter.send(resident, row.message, kind)
        except BusinessError as exc:
            _failed(row, str(exc.message))
        except Exception as exc:  # a transport's own error: kept on the row, the batch goes on
            log.exception("reminder %s failed", row.pk)
            _failed(row, f"{type(exc).__name__}: {exc}")
        record_write(
            actor=actor,
            action="reminder_send",
            obj=row,
            after={"kind": kind, "channel": row.channel, "status": row.status},
        )
    return row


def _failed(row: Reminder, error: str) -> None:
    # A failed reminder frees its dedupe key so that the next run tries again.
    row.status = ReminderStatus.FAILED
    row.error = error[:300]
    row.dedupe_key = None
    row.save(update_fields=["status", "error", "dedupe_key", "updated_at"])


def contact_due_message(plan: ContactPlan) -> str:
    return _(
        "%(name)s您好：您的家庭医生%(doctor)s计划在%(date)s前与您联系随访，请保持电话畅通，如需就诊可直接联系签约团队。"
    ) % {
        "name": plan.resident.name,
        "doctor": plan.doctor.name,
        "date": f"{plan.next_due_on:%Y-%m-%d}",
    }


def renewal_message(contract: Contract) -> str:
    return _("%(name)s您好：您与%(inst)s的家庭医生签约服务将于%(date)s到期，请及时联系签约团队办理续约。") % {
        "name": contract.resident.name,
        "inst": contract.institution.name,
        "date": f"{contract.end:%Y-%m-%d}",
    }


def remind_due(*, on: dt.date | None = None, contact_days: int = 7, adapter=None) -> dict[str, int]:
    """The daily job: contact reminders for plans due within `contact_days`, renewal reminders for
    contracts ending within the policy's `renewal_reminder_days`. Keys are per resident and due
    date / contract end, so a rerun the same day (or the next) sends nothing twice."""
    on = on or timezone.localdate()
    adapter = adapter or get_adapter()
    counts = {"contact_due": 0, "renewal": 0, "skipped": 0, "failed": 0}

    plans = (
        ContactPlan.objects.filter(next_due_on__gte=on, next_due_on__lte=on + dt.timedelta(days=contact_days))
        .filter(resident__deceased_on__isnull=True, resident__is_active=True)
        .select_related("resident", "doctor")
        .order_by("next_due_on", "pk")
    )
    for plan in plans.iterator(chunk_size=1000):
        key = f"contact_due:{plan.resident_id}:{plan.next_due_on:%Y%m%d}"
        _tally(
            counts,
            "contact_due",
            reminder_send(
                actor=None,
                resident=plan.resident,
                message=contact_due_message(plan),
                kind=ReminderKind.CONTACT_DUE,
                on=on,
                dedupe_key=key,
                adapter=adapter,
            ),
        )

    # The reminder window is policy (per region): one indexed range query per institution.
    from jiayi.registry.models import Institution

    in_force = Contract.objects.in_force().filter(resident__deceased_on__isnull=True)
    institutions = Institution.objects.filter(
        pk__in=in_force.filter(end__gte=on).values("institution_id")
    ).select_related("region")
    for inst in institutions:
        days = policy_for(inst.region, on.year).renewal_reminder_days
        contracts = (
            in_force.filter(institution=inst, end__gte=on, end__lte=on + dt.timedelta(days=days))
            .select_related("resident", "institution")
            .order_by("end", "pk")
        )
        for contract in contracts.iterator(chunk_size=1000):
            key = f"renewal:{contract.resident_id}:{contract.end:%Y%m%d}"
            _tally(
                counts,
                "renewal",
                reminder_send(
                    actor=None,
                    resident=contract.resident,
                    message=renewal_message(contract),
                    kind=ReminderKind.RENEWAL,
                    on=on,
                    dedupe_key=key,
                    adapter=adapter,
                ),
            )
    return counts


def _tally(counts, kind, row):
    if row is None:
        counts["skipped"] += 1
    elif row.status == ReminderStatus.FAILED:
        counts["failed"] += 1
    else:
        counts[kind] += 1
