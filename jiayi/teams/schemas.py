"""API shapes of the teams app."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class CapacityOut(Schema):
    used: int
    limit: int
    left: int
    percent: int


class PractitionerOut(Schema):
    id: int
    name: str
    licence_no: str | None
    title: str
    title_label: str = Field(..., alias="get_title_display")
    profession: str
    profession_label: str = Field(..., alias="get_profession_display")
    department: str
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    home_institution_id: int | None
    phone: str
    is_retired: bool
    tcm_capable: bool
    is_active: bool


class MembershipBrief(Schema):
    id: int
    team_id: int
    team_name: str = Field(..., alias="team.name")
    role: str
    role_label: str = Field(..., alias="get_role_display")
    since: dt.date | None
    until: dt.date | None
    is_active: bool


class PractitionerDetailOut(PractitionerOut):
    capacity: CapacityOut
    memberships: list[MembershipBrief] = Field(..., alias="memberships_list")


class PractitionerIn(Schema):
    name: str
    profession: str
    institution_id: int
    licence_no: str | None = None
    title: str = ""
    department: str = ""
    home_institution_id: int | None = None
    phone: str = ""
    is_retired: bool = False
    tcm_capable: bool = False


class PractitionerPatch(Schema):
    name: str | None = None
    profession: str | None = None
    institution_id: int | None = None
    licence_no: str | None = None
    title: str | None = None
    department: str | None = None
    home_institution_id: int | None = None
    phone: str | None = None
    is_retired: bool | None = None
    tcm_capable: bool | None = None


class TeamOut(Schema):
    id: int
    name: str
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    leader_id: int | None
    leader_name: str | None = None
    phone: str
    is_individual: bool
    is_active: bool
    members_count: int = 0
    signed_count: int = 0
    has_tcm: bool = False

    @staticmethod
    def resolve_leader_name(obj):
        return obj.leader.name if obj.leader_id else None


class MemberOut(Schema):
    id: int
    practitioner_id: int
    practitioner_name: str = Field(..., alias="practitioner.name")
    profession: str = Field(..., alias="practitioner.profession")
    role: str
    role_label: str = Field(..., alias="get_role_display")
    since: dt.date | None
    until: dt.date | None
    is_active: bool


class VillageOut(Schema):
    id: int
    code: str
    name: str


class DoctorCapacityOut(Schema):
    practitioner_id: int
    name: str
    capacity: CapacityOut


class TeamDetailOut(TeamOut):
    members: list[MemberOut]
    villages: list[VillageOut]
    doctors: list[DoctorCapacityOut]


class TeamIn(Schema):
    institution_id: int
    name: str
    leader_id: int
    phone: str = ""
    is_individual: bool = False
    village_ids: list[int] = []
    since: dt.date | None = None


class TeamPatch(Schema):
    name: str | None = None
    phone: str | None = None
    is_individual: bool | None = None
    village_ids: list[int] | None = None
    leader_id: int | None = None


class MemberIn(Schema):
    practitioner_id: int
    role: str
    since: dt.date | None = None


class MemberEndIn(Schema):
    until: dt.date | None = None


class WorkforceRowOut(Schema):
    name: str
    code: str
    level: str
    gps: int
    population: int
    ratio: Decimal | None
    meets_target: bool | None


class WorkforceOut(Schema):
    year: int
    target: Decimal
    total: WorkforceRowOut
    rows: list[WorkforceRowOut]
