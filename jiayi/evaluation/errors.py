from django.utils.translation import gettext_lazy as _

from jiayi.core.errors import ValidationFailed


class InvalidScheme(ValidationFailed):
    code = "invalid_assessment_scheme"
    default_message = _("考核方案不正确")


class InvalidPeriod(ValidationFailed):
    code = "invalid_period"
    default_message = _("期间不正确：截止日期不能早于起始日期，且不超过3年")
