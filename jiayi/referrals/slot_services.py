"""Reserved slots of the green channel (R-REF-2): publishing a day's pool with the policy's
share for family doctors, booking (through referral_schedule) and releasing (on cancel)."""

import datetime as dt
import math
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import Forbidden, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.registry.models import InstitutionLevel

from .errors import SlotTaken, SlotUnavailable
from .models import Referral, Slot, SlotKind, SlotPool

PERM_DESK = "referrals.desk"
_SECONDARY_LEVELS = {InstitutionLevel.SECONDARY, InstitutionLevel.TERTIARY}


def _required_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, details={"field": field})
    return value


def reserve_for(
    policy, capacity: int, starts_at: dt.datetime
) -> tuple[int, Decimal | None, dt.datetime | None]:
    """(slots reserved for family doctors, the share in percent, when the public may book them).

    Reserved = capacity × share, rounded up ("at least ⅓"); release = start − the lead days.
    """
    percent = policy.slot_reserve_percent
    reserved = 0
    if percent:
        reserved = min(capacity, math.ceil(Decimal(capacity) * Decimal(percent) / Decimal(100)))
    lead = policy.slot_release_lead_days
    release = starts_at - dt.timedelta(days=lead) if lead else None
    return reserved, (Decimal(percent) if percent else None), release


def slotpool_publish(
    *,
    actor,
    hospital,
    department: str,
    kind: str,
    date: dt.date,
    start_time: dt.time,
    capacity: int,
    interval_minutes: int = 15,
    provider: str = "",
) -> SlotPool:
    """A hospital desk publishes a day's slots; the policy's share is reserved for family doctors."""
    from jiayi.policy.queries import policy_for

    require_perm(actor, PERM_DESK)
    scope = actor.scope
    if not scope.sees_all and hospital.pk not in scope.institution_ids:
        raise Forbidden(_("只能发布本院的号源"))
    if hospital.level not in _SECONDARY_LEVELS:
        raise ValidationFailed(_("只有二级、三级医院发布转诊号源"), details={"field": "hospital"})
    department = _required_text(department, "department", _("请填写科室"))
    if kind not in SlotKind.values:
        raise ValidationFailed(_("号源类型无效"), details={"field": "kind"})
    if not 1 <= capacity <= 500:
        raise ValidationFailed(_("号源数应在1至500之间"), details={"field": "capacity"})
    if not 0 <= interval_minutes <= 240:
        raise ValidationFailed(_("间隔应在0至240分钟之间"), details={"field": "interval_minutes"})
    starts_at = timezone.make_aware(dt.datetime.combine(date, start_time))
    if starts_at <= timezone.now():
        raise ValidationFailed(_("只能发布将来的号源"), details={"field": "date"})
    policy = policy_for(hospital.region, date.year)
    reserved, percent, release = reserve_for(policy, capacity, starts_at)
    with transaction.atomic():
        pool = SlotPool.objects.create(
            hospital=hospital,
            department=department,
            kind=kind,
            provider=(provider or "").strip(),
            date=date,
            start_time=start_time,
            interval_minutes=interval_minutes,
            capacity=capacity,
            reserved_count=reserved,
            reserve_percent=percent,
            public_release_at=release,
            published_by=actor if actor.pk else None,
        )
        step = dt.timedelta(minutes=interval_minutes)
        Slot.objects.bulk_create(
            Slot(pool=pool, seq=i + 1, starts_at=starts_at + i * step, reserved=i < reserved)
            for i in range(capacity)
        )
        record_write(actor=actor, action="slotpool_publish", obj=pool, after=snapshot(pool))
    return pool


def slot_book(*, actor, slot: Slot, referral: Referral) -> Slot:
    """Book a free slot for a referral. The conditional UPDATE is the guard: of two concurrent
    bookings of one slot only one matches `referral IS NULL`; the other books nothing."""
    require_perm(actor, PERM_DESK)
    pool = SlotPool.objects.select_related("hospital").get(pk=slot.pool_id)
    if pool.hospital_id != referral.to_institution_id:
        raise SlotUnavailable(_("该号源不属于转入医院"), details={"field": "slot"})
    if pool.department.strip() != referral.department.strip():
        raise SlotUnavailable(_("该号源不属于转诊科室"), details={"field": "slot"})
    now = timezone.now()
    with transaction.atomic():
        taken = Slot.objects.filter(pk=slot.pk, referral__isnull=True, starts_at__gt=now).update(
            referral=referral, booked_at=now
        )
        if taken != 1:
            current = Slot.objects.filter(pk=slot.pk).values_list("starts_at", flat=True).first()
            if current is not None and current <= now:
                raise SlotUnavailable(_("该号源时间已过"), details={"field": "slot"})
            raise SlotTaken(details={"slot": slot.pk})
        booked = Slot.objects.select_related("pool").get(pk=slot.pk)
        record_write(
            actor=actor,
            action="slot_book",
            obj=booked,
            county_code=pool.county_code,
            after={"referral": referral.pk, "starts_at": booked.starts_at},
        )
    return booked


def slot_release(*, actor, slot: Slot) -> Slot:
    """Give a booked slot back to the pool (its referral was cancelled)."""
    with transaction.atomic():
        row = Slot.objects.select_for_update().select_related("pool").get(pk=slot.pk)
        if row.referral_id is None:
            return row
        referral_id = row.referral_id
        row.referral = None
        row.booked_at = None
        row.save(update_fields=["referral", "booked_at"])
        record_write(
            actor=actor,
            action="slot_release",
            obj=row,
            county_code=row.pool.county_code,
            before={"referral": referral_id},
            after={"referral": None},
        )
    return row
