"""Registry business errors: a stable `code` each, a Chinese message for people."""

from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import Conflict, Forbidden, ValidationFailed


class OutOfScope(Forbidden):
    code = "out_of_scope"
    default_message = _("该记录不在您的管辖范围内")


class DuplicateHousehold(Conflict):
    code = "duplicate_household"
    default_message = _("该户编号已存在")


class DuplicateInstitution(Conflict):
    code = "duplicate_institution"
    default_message = _("该机构编码已存在")


class DuplicateRegion(Conflict):
    code = "duplicate_region"
    default_message = _("该区划代码已存在")


class DuplicateKeyPopulation(Conflict):
    code = "duplicate_key_population"
    default_message = _("该居民在此期间已登记为该类重点人群")


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = _("该居民已是成员")


class AlreadyInHousehold(Conflict):
    code = "already_in_household"
    default_message = _("该居民已属于其他家庭户，请先从原家庭户移出")


class DerivedKeyPopulation(ValidationFailed):
    code = "derived_key_population"
    default_message = _("该类重点人群由出生日期自动判定，无需登记")


class InvalidParent(ValidationFailed):
    code = "invalid_parent"
    default_message = _("上级不符合要求")


class InvalidRegionCode(ValidationFailed):
    code = "invalid_region_code"
    default_message = _("区划代码不符合要求")


class HouseholdHeadRule(ValidationFailed):
    code = "household_head_rule"
    default_message = _("每户必须有且只有一名户主")


class NotAMember(ValidationFailed):
    code = "not_a_member"
    default_message = _("该居民不是此家庭户或功能社区的成员")


class ResidentInactive(ValidationFailed):
    code = "resident_inactive"
    default_message = _("该居民已死亡或已注销")


class TeamNotEligible(ValidationFailed):
    code = "team_not_eligible"
    default_message = _("该团队不能负责此居民")
