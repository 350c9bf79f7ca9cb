"""Typed business errors.

Services raise them; screens show `message` (Chinese, translatable); the API answers
`{"code", "message", "details"}` with `status`. A subclass per rule keeps codes stable.
"""

from django.utils.translation import gettext_lazy as _


class BusinessError(Exception):
    code = "business_error"
    status = 400
    default_message = _("操作无法完成")

    def __init__(self, message=None, *, details: dict | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.details = details or {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class ValidationFailed(BusinessError):
    code = "validation_failed"
    status = 422
    default_message = _("输入的数据有误")


class InvalidNationalId(ValidationFailed):
    code = "invalid_national_id"
    default_message = _("身份证号码无效")


class NotFound(BusinessError):
    code = "not_found"
    status = 404
    default_message = _("记录不存在或无权查看")


class Forbidden(BusinessError):
    code = "forbidden"
    status = 403
    default_message = _("没有执行此操作的权限")


class Conflict(BusinessError):
    code = "conflict"
    status = 409
    default_message = _("与已有记录冲突")


class DuplicateResident(Conflict):
    code = "duplicate_resident"
    default_message = _("该身份证号码的居民已登记")


class CapacityExceeded(Conflict):
    code = "capacity_exceeded"
    default_message = _("家庭医生签约人数已达上限")


class ImportRejected(ValidationFailed):
    code = "import_rejected"
    default_message = _("导入文件无法读取")
