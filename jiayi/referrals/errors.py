"""Business errors of two-way referral (R-REF). Stable codes for the API."""

from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import Conflict, ValidationFailed


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("转诊单当前状态不允许此操作")


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = _("该号源已被预约，请选择其他号源")


class SlotUnavailable(ValidationFailed):
    code = "slot_unavailable"
    default_message = _("该号源不适用于此转诊单")


class DuplicateReferral(Conflict):
    code = "duplicate_referral"
    default_message = _("该居民已有同一医院同一科室的在办转诊单")


class AlreadyReferredDown(Conflict):
    code = "already_referred_down"
    default_message = _("该转诊单已办理下转")
