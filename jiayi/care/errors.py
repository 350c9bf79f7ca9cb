from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import BusinessError, Conflict, ValidationFailed


class EntitlementExceeded(Conflict):
    code = "entitlement_exceeded"
    default_message = _("该服务项目本年度次数已用完")


class InvalidMeasurement(ValidationFailed):
    code = "invalid_measurement"
    default_message = _("测量值不正确")


class NotEligible(ValidationFailed):
    code = "not_eligible"
    default_message = _("该居民不符合条件")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("当前状态下不能执行此操作")


class ReminderChannelNotConfigured(BusinessError):
    code = "reminder_channel_not_configured"
    status = 503
    default_message = _("提醒发送渠道未配置")
