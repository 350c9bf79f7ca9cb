"""API shapes of the care app. Residents appear by id and name only; IDs and phones stay masked."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class MeasurementOut(Schema):
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    value: Decimal
    unit: str
    source: str


class MeasurementPoint(MeasurementOut):
    record_id: int
    performed_on: dt.date = Field(..., alias="record.performed_on")


class ServiceRecordOut(Schema):
    id: int
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    contract_id: int | None
    item_id: int
    item_name: str = Field(..., alias="item.name")
    performed_on: dt.date
    channel: str
    channel_label: str = Field(..., alias="get_channel_display")
    place: str
    practitioner_id: int
    practitioner_name: str = Field(..., alias="practitioner.name")
    institution_id: int
    team_id: int | None
    notes: str
    tcm_technique: str
    is_contact: bool
    beyond_entitlement: bool
    status: str
    void_reason: str
    measurements: list[MeasurementOut]

    @staticmethod
    def resolve_measurements(obj):
        return list(obj.measurements.all())


class MeasurementIn(Schema):
    value: Decimal
    source: str = "entered"


class ServiceRecordIn(Schema):
    resident_id: int
    item_id: int
    performed_on: dt.date
    channel: str
    practitioner_id: int | None = None
    place: str = ""
    notes: str = ""
    tcm_technique: str = ""
    is_contact: bool = True
    measurements: dict[str, Decimal | MeasurementIn] = {}


class RecordCreated(Schema):
    record: ServiceRecordOut
    warnings: list[str]


class ReasonIn(Schema):
    reason: str


class RiskOut(Schema):
    id: int
    resident_id: int
    condition: str
    condition_label: str = Field(..., alias="get_condition_display")
    colour: str
    colour_label: str = Field(..., alias="get_colour_display")
    assessed_on: dt.date
    reason: str
    practitioner_id: int
    is_current: bool


class RiskIn(Schema):
    condition: str
    colour: str
    reason: str
    assessed_on: dt.date | None = None
    practitioner_id: int | None = None


class AssessmentOut(Schema):
    id: int
    resident_id: int
    record_id: int | None
    assessed_on: dt.date
    practitioner_id: int
    findings: str
    lifestyle: str
    plan: str
    next_assessment_on: dt.date


class AssessmentIn(Schema):
    findings: str
    plan: str
    lifestyle: str = ""
    assessed_on: dt.date | None = None
    practitioner_id: int | None = None
    measurements: dict[str, Decimal] = {}


class WorklistRowOut(Schema):
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    phone_masked: str = Field(..., alias="resident.phone_masked")
    colour: str
    interval_days: int
    signed_on: dt.date
    last_contact_on: dt.date | None
    next_due_on: dt.date
    team_id: int
    doctor_id: int
    doctor_name: str = Field(..., alias="doctor.name")
    contract_id: int


class WorklistCounts(Schema):
    team_id: int | None
    overdue: int
    due_week: int
    never: int


class EntitlementLineOut(Schema):
    item_id: int
    item_name: str
    packages: list[str]
    promised: int
    delivered: int
    remaining: int
    beyond: int


class EntitlementOut(Schema):
    contract_id: int
    period_start: dt.date
    period_end: dt.date
    promised: int
    delivered_within: int
    rate: Decimal | None
    lines: list[EntitlementLineOut]


class MedicineLine(Schema):
    name: str
    dose: str = ""
    frequency: str = ""


class PrescriptionOut(Schema):
    id: int
    resident_id: int
    contract_id: int
    practitioner_id: int
    condition: str
    condition_label: str = Field(..., alias="get_condition_display")
    medicines: list[MedicineLine]
    weeks: int
    start: dt.date
    end: dt.date
    status: str
    stopped_on: dt.date | None
    stop_reason: str


class PrescriptionIn(Schema):
    resident_id: int
    condition: str
    medicines: list[MedicineLine]
    weeks: int
    start: dt.date | None = None
    practitioner_id: int | None = None


class StopIn(Schema):
    reason: str
    stopped_on: dt.date | None = None


class HomeBedOut(Schema):
    id: int
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    contract_id: int | None
    institution_id: int
    practitioner_id: int
    team_id: int | None
    diagnosis: str
    admitted_on: dt.date
    discharged_on: dt.date | None
    summary: str
    status: str


class HomeBedIn(Schema):
    resident_id: int
    diagnosis: str
    admitted_on: dt.date | None = None
    practitioner_id: int | None = None


class HomeBedVisitIn(Schema):
    item_id: int
    performed_on: dt.date | None = None
    notes: str = ""
    practitioner_id: int | None = None
    measurements: dict[str, Decimal] = {}


class DischargeIn(Schema):
    summary: str
    discharged_on: dt.date | None = None


class ReminderOut(Schema):
    id: int
    resident_id: int
    kind: str
    message: str
    channel: str
    status: str
    error: str
    sent_on: dt.date


class ReminderIn(Schema):
    resident_id: int
    message: str
    kind: str = "other"
