"""API schemas of two-way referral."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class NamedRef(Schema):
    id: int
    name: str


class ReferralOut(Schema):
    id: int
    number: str
    direction: str
    status: str
    status_label: str = Field(alias="get_status_display")
    resident_id: int
    resident_name: str = Field(alias="resident.name")
    resident_id_masked: str = Field(alias="resident.id_masked")
    from_institution: NamedRef
    from_team_id: int | None
    to_institution: NamedRef
    to_team_id: int | None
    department: str
    urgency: str
    reason: str
    via_family_doctor: bool
    up_referral_id: int | None
    requested_at: dt.datetime
    accepted_at: dt.datetime | None
    scheduled_at: dt.datetime | None
    appointment_at: dt.datetime | None
    completed_at: dt.datetime | None
    rejected_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    returned_at: dt.datetime | None
    close_reason: str


class EventOut(Schema):
    at: dt.datetime
    actor_name: str
    institution_name: str
    action: str
    from_status: str
    to_status: str
    note: str


class ReferralDetailOut(ReferralOut):
    clinical_summary: str
    slot_id: int | None = None
    events: list[EventOut]
    incentives: list[str]

    @staticmethod
    def resolve_slot_id(obj):
        slot = obj.booked_slot
        return slot.pk if slot else None

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_incentives(obj):
        from .incentives import incentives_for

        return incentives_for(obj)


class ReferralIn(Schema):
    resident_id: int
    to_institution_id: int
    department: str
    reason: str
    clinical_summary: str = ""
    urgency: str = "routine"


class NoteIn(Schema):
    note: str = ""


class ReasonIn(Schema):
    reason: str


class ScheduleIn(Schema):
    slot_id: int


class ReferDownIn(Schema):
    reason: str
    clinical_summary: str = ""
    department: str = ""


class SlotPoolIn(Schema):
    hospital_id: int
    department: str
    kind: str = "expert"
    date: dt.date
    start_time: dt.time
    capacity: int
    interval_minutes: int = 15
    provider: str = ""


class SlotPoolOut(Schema):
    id: int
    hospital: NamedRef
    department: str
    kind: str
    provider: str
    date: dt.date
    start_time: dt.time
    interval_minutes: int
    capacity: int
    reserved_count: int
    reserve_percent: Decimal | None
    public_release_at: dt.datetime | None
    booked: int | None = None


class SlotOut(Schema):
    id: int
    pool_id: int
    seq: int
    starts_at: dt.datetime
    reserved: bool
    held_for_family_doctors: bool
    department: str = Field(alias="pool.department")
    kind: str = Field(alias="pool.kind")
