"""API shapes of the contracts app."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class ContractPackageOut(Schema):
    package_id: int
    name: str = Field(..., alias="package.name")
    tier: str = Field(..., alias="package.tier")
    price: Decimal
    fee_public_health: Decimal
    fee_insurance: Decimal
    fee_resident: Decimal
    resident_paid: bool


class ContractOut(Schema):
    id: int
    agreement_id: int
    number: str | None = Field(None, alias="agreement.number")
    kind: str = Field(..., alias="agreement.kind")
    signed_on: dt.date = Field(..., alias="agreement.signed_on")
    resident_id: int
    resident_name: str = Field(..., alias="resident.name")
    resident_id_masked: str = Field(..., alias="resident.id_masked")
    institution_id: int
    team_id: int
    team_name: str = Field(..., alias="team.name")
    doctor_id: int
    doctor_name: str = Field(..., alias="doctor.name")
    status: str
    status_label: str = Field(..., alias="get_status_display")
    start: dt.date
    end: dt.date
    term_years: int
    is_first: bool
    previous_id: int | None
    renewal_opt_out: bool
    awaiting_payment: bool
    terminated_on: dt.date | None
    termination_reason: str
    termination_note: str
    packages: list[ContractPackageOut]

    @staticmethod
    def resolve_packages(obj):
        return list(obj.packages.all())


class EventOut(Schema):
    at: dt.datetime
    action: str
    from_status: str
    to_status: str
    note: str


class ContractDetailOut(ContractOut):
    next_id: int | None = None
    events: list[EventOut] = Field([], alias="history_list")


class SignOut(Schema):
    agreement_id: int
    number: str
    contracts: list[ContractOut]
    warnings: list[str]


class _ConsentIn(Schema):
    team_id: int
    doctor_id: int
    consent_mode: str = Field(..., description="handwritten | online")
    signature_png: str | None = Field(
        None, description="签名图片：PNG 的 base64 字符串或 data:image/png;base64,… 地址（手写签名时必填）"
    )
    term_years: int = 1
    start: dt.date | None = None
    resident_paid: bool = False


class SignIn(_ConsentIn):
    resident_id: int
    package_ids: list[int]
    channel: str
    combination_district_id: int | None = None
    combination_city_id: int | None = None


class MemberIn(Schema):
    resident_id: int
    package_ids: list[int]


class SignFamilyIn(_ConsentIn):
    household_id: int
    members: list[MemberIn]
    channel: str
    party_id: int | None = None


class TerminateIn(Schema):
    reason: str
    on: dt.date | None = None
    note: str = ""
    confirmed_by_team: bool = False
    confirmed_by_resident: bool = False


class RenewIn(Schema):
    term_years: int | None = None
    package_ids: list[int] | None = None
    resident_paid: bool = False


class ReassignIn(Schema):
    doctor_id: int
    note: str = ""


class OptOutIn(Schema):
    opt_out: bool = True
