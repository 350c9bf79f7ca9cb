"""API shapes of the registry. No ciphertext or blind index ever leaves; IDs and phones are masked."""

import datetime as dt

from ninja import Field, Schema


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    sex_label: str = Field(..., alias="get_sex_display")
    birth_date: dt.date
    age: int
    id_masked: str
    phone_masked: str
    address: str
    region_id: int
    region_name: str = Field(..., alias="region.name")
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    household_id: int | None
    household_code: str | None = None
    relation: str
    team_id: int | None
    team_name: str | None = None
    responsible_doctor_id: int | None
    residence_status: str
    insurance_type: str
    deceased_on: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_household_code(obj):
        return obj.household.code if obj.household_id else None

    @staticmethod
    def resolve_team_name(obj):
        return obj.team.name if obj.team_id else None


class KeyPopulationOut(Schema):
    id: int
    resident_id: int
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    source: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    note: str


class ResidentDetailOut(ResidentOut):
    # Set on the instance by the API (the model's own `key_populations` is the records' manager).
    key_populations: list[str] = Field(..., alias="kp_kinds")
    key_population_records: list[KeyPopulationOut] = Field(..., alias="kp_records")


class ResidentIn(Schema):
    name: str
    national_id: str
    region_id: int
    institution_id: int
    phone: str = ""
    address: str = ""
    residence_status: str = "resident"
    insurance_type: str = "urban_rural"
    household_id: int | None = None
    relation: str = ""


class ResidentPatch(Schema):
    name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    address: str | None = None
    region_id: int | None = None
    institution_id: int | None = None
    residence_status: str | None = None
    insurance_type: str | None = None


class RevealOut(Schema):
    national_id: str


class DeathIn(Schema):
    deceased_on: dt.date
    new_head_id: int | None = None


class AssignTeamIn(Schema):
    team_id: int | None
    doctor_id: int | None = None


class MemberOut(Schema):
    id: int
    name: str
    sex: str
    age: int
    id_masked: str
    relation: str
    relation_label: str = Field(..., alias="get_relation_display")
    deceased_on: dt.date | None


class HouseholdOut(Schema):
    id: int
    code: str
    head_id: int | None
    head_name: str | None = None
    address: str
    region_id: int
    region_name: str = Field(..., alias="region.name")
    institution_id: int
    team_id: int | None

    @staticmethod
    def resolve_head_name(obj):
        return obj.head.name if obj.head_id else None


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut] = Field(..., alias="member_list")


class HouseholdIn(Schema):
    code: str
    region_id: int
    institution_id: int
    address: str = ""
    head_id: int | None = None


class HouseholdPatch(Schema):
    address: str | None = None
    region_id: int | None = None
    institution_id: int | None = None


class HouseholdMemberIn(Schema):
    resident_id: int
    relation: str


class RelationIn(Schema):
    relation: str


class ChangeHeadIn(Schema):
    new_head_id: int
    relations: dict[int, str] | None = None


class KeyPopulationIn(Schema):
    resident_id: int
    kind: str
    source: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = ""


class KeyPopulationEndIn(Schema):
    valid_to: dt.date


class CommunityOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    region_id: int
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    address: str
    contact_name: str
    contact_phone: str
    is_active: bool


class CommunityMemberOut(Schema):
    resident_id: int
    name: str = Field(..., alias="resident.name")
    id_masked: str = Field(..., alias="resident.id_masked")
    role: str
    joined_on: dt.date | None
    left_on: dt.date | None


class CommunityDetailOut(CommunityOut):
    members: list[CommunityMemberOut] = Field(..., alias="member_list")


class CommunityIn(Schema):
    name: str
    kind: str
    region_id: int
    institution_id: int
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""


class CommunityPatch(Schema):
    name: str | None = None
    kind: str | None = None
    region_id: int | None = None
    institution_id: int | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    is_active: bool | None = None


class CommunityMemberIn(Schema):
    resident_id: int
    role: str = ""
    joined_on: dt.date | None = None


class InstitutionOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    level: str
    region_id: int
    region_name: str = Field(..., alias="region.name")
    parent_id: int | None
    alliance_id: int | None
    address: str
    phone: str
    is_active: bool


class InstitutionIn(Schema):
    code: str
    name: str
    kind: str
    region_id: int
    parent_id: int | None = None
    level: str | None = None
    address: str = ""
    phone: str = ""


class InstitutionPatch(Schema):
    name: str | None = None
    kind: str | None = None
    level: str | None = None
    region_id: int | None = None
    parent_id: int | None = None
    address: str | None = None
    phone: str | None = None
    is_active: bool | None = None


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: str
    level_label: str = Field(..., alias="get_level_display")
    parent_id: int | None
    county_code: str
    is_urban: bool


class RegionIn(Schema):
    code: str
    name: str
    level: str
    parent_id: int | None = None
    is_urban: bool = False


class RegionPatch(Schema):
    name: str | None = None
    is_urban: bool | None = None


class BaselineOut(Schema):
    id: int
    institution_id: int
    institution_name: str = Field(..., alias="institution.name")
    year: int
    population: str
    count: int
    source: str


class BaselineIn(Schema):
    institution_id: int
    year: int
    population: str = "all"
    count: int
    source: str = ""
