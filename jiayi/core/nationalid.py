"""The 18-digit resident identity number (GB 11643-1999, check digit ISO 7064 MOD 11-2)."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .errors import InvalidNationalId

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class NationalId:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def region_code(self) -> str:
        return self.value[:6]


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse(raw: str, *, today: dt.date | None = None) -> NationalId:
    """Validate and decode an ID, or raise InvalidNationalId with a reason a clerk can act on."""
    value = normalize(raw)
    if not value:
        raise InvalidNationalId(_("身份证号码不能为空"), details={"reason": "empty"})
    if len(value) == 15 and value.isdigit():
        raise InvalidNationalId(
            _("15位旧身份证号码不再受理，请使用18位身份证号码"), details={"reason": "legacy_15"}
        )
    if len(value) != 18:
        raise InvalidNationalId(
            _("身份证号码应为18位，实际为%(n)d位") % {"n": len(value)}, details={"reason": "length"}
        )
    if not _SHAPE.match(value):
        raise InvalidNationalId(
            _("身份证号码前17位应为数字，最后一位为数字或X"), details={"reason": "characters"}
        )
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidNationalId(
            _("身份证号码中的出生日期不存在：%(d)s") % {"d": value[6:14]}, details={"reason": "birth_date"}
        ) from None
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise InvalidNationalId(
            _("身份证号码中的出生日期不可能：%(d)s") % {"d": value[6:14]}, details={"reason": "birth_date"}
        )
    if check_digit(value[:17]) != value[17]:
        raise InvalidNationalId(_("身份证号码校验位错误"), details={"reason": "check_digit"})
    sex = "M" if int(value[16]) % 2 else "F"
    return NationalId(value=value, birth_date=birth, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidNationalId:
        return False
    return True


def mask(value: str) -> str:
    """`5001**********1234`: region prefix and last four only."""
    value = normalize(value)
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def make(region6: str, birth: dt.date, seq3: int, sex: str) -> str:
    """Build a valid ID (demo data and tests): sequence parity carries the sex."""
    seq = seq3 % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{region6}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)
