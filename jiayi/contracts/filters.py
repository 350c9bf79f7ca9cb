"""The contract list's one filter: the page builds it from the query string, the API from `Query[...]`."""

import datetime as dt
import re

from django.db.models import Q
from django.utils import timezone
from ninja import FilterSchema
from pydantic import ValidationError

from jiayi.core import nationalid
from jiayi.core.crypto import blind_index

from .models import IN_FORCE, ContractKind, ContractStatus

_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


class ContractFilter(FilterSchema):
    q: str | None = None
    status: str | None = None  # a ContractStatus, or "in_force" (pending + active)
    team: int | None = None
    doctor: int | None = None
    institution: int | None = None
    package: int | None = None
    kind: str | None = None
    expiring_days: int | None = None
    signed_from: dt.date | None = None
    signed_to: dt.date | None = None
    resident: int | None = None

    def filter_q(self, value):
        """A whole national ID (exact, via the blind index), an agreement number, or a name prefix."""
        value = (value or "").strip()
        if not value:
            return Q()
        nid = nationalid.normalize(value)
        if _ID_SHAPE.match(nid):
            return Q(resident__id_index=blind_index("nid", nid))
        return Q(resident__name__startswith=value) | Q(agreement__number=value)

    def filter_status(self, value):
        if value == "in_force":
            return Q(status__in=IN_FORCE)
        return Q(status=value) if value in ContractStatus.values else Q()

    def filter_team(self, value):
        return Q(team_id=value) if value else Q()

    def filter_doctor(self, value):
        return Q(doctor_id=value) if value else Q()

    def filter_institution(self, value):
        return Q(institution_id=value) if value else Q()

    def filter_package(self, value):
        # A subquery, not a join: a join would repeat a contract once per matching package row.
        if not value:
            return Q()
        from .models import ContractPackage

        return Q(pk__in=ContractPackage.objects.filter(package_id=value).values("contract_id"))

    def filter_kind(self, value):
        return Q(agreement__kind=value) if value in ContractKind.values else Q()

    def filter_expiring_days(self, value):
        """Contracts in force whose term ends within the next `value` days (the renewal worklist)."""
        if value is None or value < 0:
            return Q()
        today = timezone.localdate()
        return Q(status__in=IN_FORCE, end__gte=today, end__lte=today + dt.timedelta(days=value))

    def filter_signed_from(self, value):
        return Q(agreement__signed_on__gte=value) if value else Q()

    def filter_signed_to(self, value):
        return Q(agreement__signed_on__lte=value) if value else Q()

    def filter_resident(self, value):
        return Q(resident_id=value) if value else Q()


def from_get(schema: type[FilterSchema], params) -> tuple[FilterSchema, list[str]]:
    """Build a filter from a page's query string: empty means "any"; a malformed value is dropped
    (and reported) instead of failing the page."""
    data = {k: params.get(k) for k in schema.model_fields if params.get(k, "") != ""}
    try:
        return schema(**data), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}
        return schema(**{k: v for k, v in data.items() if k not in bad}), sorted(bad)
