"""Quality-control detectors (R-EVA-7), run by `jiayi qc [--date]`.

Each detector names the situation it finds with a `key`; a key is raised once (QcFlag.key is
unique), so the command is idempotent and a dismissed flag is not raised again until the situation
changes (a new service, then a new gap, is a new key). Thresholds come from settings:

- JIAYI_QC_UNSERVED_MONTHS (6): a contract in force with no valid service for this many months;
- JIAYI_QC_MAX_RECORDS_PER_DAY (80): more valid service records by one practitioner on one day;
- JIAYI_QC_RATE_LOOKBACK_DAYS (7): days checked for the rate, so late entries are still caught.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.utils import timezone

from jiayi.care.models import RecordStatus, ServiceRecord
from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.audit import record_write
from jiayi.registry.models import Institution, Resident
from jiayi.teams.models import Practitioner
from jiayi.teams.queries import capacities

from .models import FlagKind, FlagSubject, QcFlag, SurveyResponse


def unserved_months() -> int:
    return int(getattr(settings, "JIAYI_QC_UNSERVED_MONTHS", 6))


def max_records_per_day() -> int:
    return int(getattr(settings, "JIAYI_QC_MAX_RECORDS_PER_DAY", 80))


def rate_lookback_days() -> int:
    return int(getattr(settings, "JIAYI_QC_RATE_LOOKBACK_DAYS", 7))


def months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class QcReport:
    day: dt.date
    raised: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.raised.items())
        return f"qc {self.day:%Y-%m-%d}: {parts}"


def _raise_new(flags: list[QcFlag]) -> int:
    """Insert the flags whose key is new. bulk_create skips save(), so the scope codes are set here."""
    if not flags:
        return 0
    existing = set(QcFlag.objects.filter(key__in=[f.key for f in flags]).values_list("key", flat=True))
    new = [f for f in flags if f.key not in existing]
    codes = dict(
        Institution.objects.filter(pk__in={f.institution_id for f in new}).values_list("pk", "region_code")
    )
    for f in new:
        f.region_code, f.county_code = codes[f.institution_id], codes[f.institution_id][:6]
    QcFlag.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _chunks(qs, size=1000):
    batch = []
    for row in qs.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- signed but not served (签而不约) ---------------------------------------------------------------


def detect_unserved(today: dt.date, *, county: str | None = None) -> int:
    """Contracts active for at least N months with no valid service record in the last N months.
    One anti-join per batch on the (contract, item) index of service records."""
    months = unserved_months()
    cutoff = months_before(today, months)
    valid = ServiceRecord.objects.filter(contract=OuterRef("pk"), status=RecordStatus.VALID)
    qs = (
        Contract.objects.filter(status=ContractStatus.ACTIVE, start__lte=cutoff)
        .annotate(recent=Exists(valid.filter(performed_on__gt=cutoff, performed_on__lte=today)))
        .filter(recent=False)
        .annotate(
            last_on=Subquery(
                valid.filter(performed_on__lte=today)
                .order_by()
                .values("contract")
                .annotate(m=Max("performed_on"))
                .values("m")
            )
        )
        .select_related("resident", "team", "doctor")
        .order_by("pk")
    )
    if county:
        qs = qs.filter(county_code=county)
    raised = 0
    for batch in _chunks(qs):
        flags = [
            QcFlag(
                kind=FlagKind.UNSERVED,
                subject_type=FlagSubject.CONTRACT,
                key=f"unserved:{c.pk}:{c.last_on or 'none'}",
                contract=c,
                team=c.team,
                practitioner=c.doctor,
                institution_id=c.institution_id,
                detected_on=today,
                details={
                    "resident_name": c.resident.name,
                    "id_masked": c.resident.id_masked,
                    "team_name": c.team.name,
                    "doctor_name": c.doctor.name,
                    "start": c.start.isoformat(),
                    "last_service_on": c.last_on.isoformat() if c.last_on else None,
                    "months": months,
                    "cutoff": cutoff.isoformat(),
                },
            )
            for c in batch
        ]
        raised += _raise_new(flags)
    return raised


# --- resident denies having signed (被签约) ---------------------------------------------------------


def _denied_flag(response: SurveyResponse, today: dt.date) -> QcFlag:
    answer = next(
        (
            a
            for a in response.answers.select_related("question")
            if a.value in (a.question.denial_values or [])
        ),
        None,
    )
    return QcFlag(
        kind=FlagKind.DENIED,
        subject_type=FlagSubject.CONTRACT,
        key=f"denied:{response.pk}",
        contract_id=response.contract_id,
        team_id=response.team_id,
        institution_id=response.institution_id,
        detected_on=today,
        details={
            "resident_name": response.resident.name,
            "response_id": response.pk,
            "channel": response.channel,
            "answered_at": timezone.localtime(response.answered_at).strftime("%Y-%m-%d %H:%M"),
            "question": answer.question.text if answer else "",
            "answer": answer.question.label_of(answer.value) if answer else "",
        },
    )


def raise_denied_flag(response: SurveyResponse, today: dt.date) -> int:
    """Called when a response is submitted, so a denial is on the QC screen at once."""
    return _raise_new([_denied_flag(response, today)])


def detect_denied(today: dt.date, *, county: str | None = None) -> int:
    qs = SurveyResponse.objects.filter(denies_signing=True).select_related("resident").order_by("pk")
    if county:
        qs = qs.filter(county_code=county)
    return sum(_raise_new([_denied_flag(r, today) for r in batch]) for batch in _chunks(qs, 500))


# --- improbable service rates -----------------------------------------------------------------------


def detect_rates(today: dt.date, *, county: str | None = None) -> int:
    """Practitioners with more than M valid records on one day, over the last few days."""
    limit = max_records_per_day()
    since = today - dt.timedelta(days=rate_lookback_days() - 1)
    qs = ServiceRecord.objects.filter(
        status=RecordStatus.VALID, performed_on__gte=since, performed_on__lte=today
    )
    if county:
        qs = qs.filter(county_code=county)
    rows = list(
        qs.order_by().values("practitioner_id", "performed_on").annotate(n=Count("pk")).filter(n__gt=limit)
    )
    people = Practitioner.objects.in_bulk({r["practitioner_id"] for r in rows})
    flags = [
        QcFlag(
            kind=FlagKind.RATE,
            subject_type=FlagSubject.PRACTITIONER,
            key=f"rate:{r['practitioner_id']}:{r['performed_on']:%Y-%m-%d}",
            practitioner_id=r["practitioner_id"],
            institution_id=people[r["practitioner_id"]].institution_id,
            detected_on=today,
            details={
                "practitioner_name": people[r["practitioner_id"]].name,
                "day": r["performed_on"].isoformat(),
                "records": r["n"],
                "limit": limit,
            },
        )
        for r in rows
    ]
    return _raise_new(flags)


# --- doctors over capacity ----------------------------------------------------------------------------


def detect_over_capacity(today: dt.date, *, county: str | None = None) -> int:
    """Doctors responsible for more residents than the policy allows (one flag per doctor a month)."""
    responsible = Resident.objects.active().filter(responsible_doctor__isnull=False)
    if county:
        responsible = responsible.filter(county_code=county)
    doctors = list(Practitioner.objects.filter(pk__in=responsible.values("responsible_doctor")))
    caps = capacities(doctors, today) if doctors else {}
    flags = []
    for d in doctors:
        cap = caps[d.pk]
        if not cap.over:
            continue
        flags.append(
            QcFlag(
                kind=FlagKind.CAPACITY,
                subject_type=FlagSubject.PRACTITIONER,
                key=f"capacity:{d.pk}:{today:%Y-%m}",
                practitioner=d,
                institution_id=d.institution_id,
                detected_on=today,
                details={
                    "practitioner_name": d.name,
                    "used": cap.used,
                    "limit": cap.limit,
                    "month": f"{today:%Y-%m}",
                },
            )
        )
    return _raise_new(flags)


DETECTORS = {
    FlagKind.UNSERVED: detect_unserved,
    FlagKind.DENIED: detect_denied,
    FlagKind.RATE: detect_rates,
    FlagKind.CAPACITY: detect_over_capacity,
}


def qc_run(*, today: dt.date | None = None, county: str | None = None, kinds=None) -> QcReport:
    """Run the detectors for a day. One audit event per run says what it raised."""
    today = today or timezone.localdate()
    report = QcReport(day=today)
    for kind, detector in DETECTORS.items():
        if kinds and kind not in kinds:
            continue
        with transaction.atomic():
            report.raised[str(kind)] = detector(today, county=county)
    record_write(
        actor=None,
        action="qc_run",
        object_type="surveys.qcflag",
        object_repr=report.summary()[:200],
        after={"day": today, "county": county or "", **report.raised},
        county_code=county or "",
    )
    return report
