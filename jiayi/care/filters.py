"""One filter definition per list: the page builds it with `from_query`, the API as `Query[...]`."""

import datetime as dt

from django.db.models import Q
from ninja import FilterSchema

from jiayi.registry.filters import from_query  # noqa: F401  (re-exported for the views)


def _eq(field, value) -> Q:
    return Q(**{field: value}) if value not in (None, "") else Q()


class ServiceRecordFilter(FilterSchema):
    resident: int | None = None
    team: int | None = None
    practitioner: int | None = None
    item: int | None = None
    channel: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def filter_resident(self, v):
        return _eq("resident_id", v)

    def filter_team(self, v):
        return _eq("team_id", v)

    def filter_practitioner(self, v):
        return _eq("practitioner_id", v)

    def filter_item(self, v):
        return _eq("item_id", v)

    def filter_channel(self, v):
        return _eq("channel", v)

    def filter_status(self, v):
        return _eq("status", v)

    def filter_date_from(self, v):
        return _eq("performed_on__gte", v)

    def filter_date_to(self, v):
        return _eq("performed_on__lte", v)


class PrescriptionFilter(FilterSchema):
    resident: int | None = None
    team: int | None = None
    condition: str | None = None
    status: str | None = None
    ending_before: dt.date | None = None

    def filter_resident(self, v):
        return _eq("resident_id", v)

    def filter_team(self, v):
        return _eq("team_id", v)

    def filter_condition(self, v):
        return _eq("condition", v)

    def filter_status(self, v):
        return _eq("status", v)

    def filter_ending_before(self, v):
        return _eq("end__lte", v)


class HomeBedFilter(FilterSchema):
    resident: int | None = None
    team: int | None = None
    status: str | None = None
    q: str | None = None

    def filter_resident(self, v):
        return _eq("resident_id", v)

    def filter_team(self, v):
        return _eq("team_id", v)

    def filter_status(self, v):
        return _eq("status", v)

    def filter_q(self, v):
        v = (v or "").strip()
        return Q(resident__name__startswith=v) | Q(diagnosis__icontains=v) if v else Q()


class ReminderFilter(FilterSchema):
    resident: int | None = None
    kind: str | None = None
    status: str | None = None
    sent_from: dt.date | None = None

    def filter_resident(self, v):
        return _eq("resident_id", v)

    def filter_kind(self, v):
        return _eq("kind", v)

    def filter_status(self, v):
        return _eq("status", v)

    def filter_sent_from(self, v):
        return _eq("sent_on__gte", v)
