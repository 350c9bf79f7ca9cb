from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import BusinessError, Conflict, ValidationFailed


class DuplicateContract(Conflict):
    code = "duplicate_contract"
    default_message = _("该居民已有生效中的签约，不能重复签约")


class HouseholdSignedElsewhere(Conflict):
    code = "household_other_team"
    default_message = _("该户已与其他家庭医生团队签约，一户只能选择一个团队")


class OutsideSigningWindow(ValidationFailed):
    code = "outside_signing_window"
    default_message = _("当前不在本地区规定的签约时间窗口内")


class TermNotAllowed(ValidationFailed):
    code = "term_not_allowed"
    default_message = _("签约年限不符合本地区政策")


class InvalidPackages(ValidationFailed):
    code = "invalid_packages"
    default_message = _("服务包选择不正确")


class InvalidCombination(ValidationFailed):
    code = "invalid_combination"
    default_message = _("组合签约机构不正确")


class IllegalTransition(BusinessError):
    code = "illegal_transition"
    status = 409
    default_message = _("当前状态下不能执行此操作")


class ConsentMissing(ValidationFailed):
    code = "consent_missing"
    default_message = _("缺少居民签名或线上确认")
