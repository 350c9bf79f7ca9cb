"""Filters of the core lists (audit, access, users): one definition for the page and the API."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from ninja import FilterSchema
from pydantic import ValidationError


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class _EventFilter(FilterSchema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None

    def filter_date_from(self, value):
        return Q(at__gte=_day_start(value)) if value else Q()

    def filter_date_to(self, value):
        # Inclusive: the whole of the last day, in Asia/Shanghai.
        return Q(at__lt=_day_start(value + dt.timedelta(days=1))) if value else Q()

    def filter_actor(self, value):
        value = (value or "").strip()
        if not value:
            return Q()
        return Q(actor_name__icontains=value) | Q(actor__username__iexact=value)

    def filter_object_type(self, value):
        return Q(object_type=value.strip()) if value and value.strip() else Q()

    def filter_object_id(self, value):
        return Q(object_id=value.strip()) if value and value.strip() else Q()


class AuditEventFilter(_EventFilter):
    action: str | None = None

    def filter_action(self, value):
        return Q(action=value.strip()) if value and value.strip() else Q()


class AccessEventFilter(_EventFilter):
    field: str | None = None

    def filter_field(self, value):
        return Q(field=value.strip()) if value and value.strip() else Q()


class UserFilter(FilterSchema):
    q: str | None = None
    role: str | None = None
    is_active: bool | None = None
    locked: bool | None = None

    def filter_q(self, value):
        value = (value or "").strip()
        if not value:
            return Q()
        return Q(username__icontains=value) | Q(display_name__icontains=value)

    def filter_role(self, value):
        return Q(role=value) if value else Q()

    def filter_is_active(self, value):
        return Q() if value is None else Q(is_active=value)

    def filter_locked(self, value):
        if value is None:
            return Q()
        locked = Q(locked_until__gt=timezone.now())
        return locked if value else ~locked | Q(locked_until__isnull=True)


def filter_from_request(filter_class, request):
    """Build a filter from the query string; values that do not parse are dropped and reported.

    Returns (filter, errors): the page shows the errors next to the filter bar instead of a 500.
    """
    data = {k: v for k in filter_class.model_fields if (v := request.GET.get(k, "").strip())}
    try:
        return filter_class(**data), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        clean = {k: v for k, v in data.items() if k not in bad}
        return filter_class(**clean), sorted(bad)
