"""Business errors of the teams app (stable codes, Chinese messages)."""

from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import Conflict, ValidationFailed


class DuplicateLicence(Conflict):
    code = "duplicate_licence"
    default_message = _("该执业证书编码已登记")


class NotPrimaryInstitution(ValidationFailed):
    code = "not_primary_institution"
    default_message = _("家庭医生团队只能设在社区卫生服务中心或乡镇卫生院")


class NotHospital(ValidationFailed):
    code = "not_hospital"
    default_message = _("专科医生的派出机构必须是二级或三级医院")


class NotFamilyDoctor(ValidationFailed):
    code = "not_family_doctor"
    default_message = _("该人员不能担任家庭医生")


class DuplicateMembership(Conflict):
    code = "duplicate_membership"
    default_message = _("该人员已在本团队担任此角色")


class NotInInstitution(ValidationFailed):
    code = "not_in_institution"
    default_message = _("该人员不属于本机构")


class LeaderRequired(ValidationFailed):
    code = "leader_required"
    default_message = _("团队长的成员关系不能直接结束，请先更换团队长")


class TeamHasResidents(Conflict):
    code = "team_has_residents"
    default_message = _("团队仍有签约居民，请先转移后再停用")


class InactiveRecord(ValidationFailed):
    code = "inactive_record"
    default_message = _("该记录已停用")
