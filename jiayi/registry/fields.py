"""Normalising and masking of the registry's sensitive values."""

import re

from django.utils.translation import gettext as _

from jiayi.core.errors import ValidationFailed

_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}\d{7,8})$")


def normalize_phone(raw: str | None) -> str:
    value = re.sub(r"[\s\-()+]", "", raw or "")
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value


def parse_phone(raw: str | None) -> str:
    """A mobile (11 digits starting 1) or a landline with area code; empty is allowed."""
    value = normalize_phone(raw)
    if value and not _PHONE.match(value):
        raise ValidationFailed(_("电话号码格式不正确：%(v)s") % {"v": raw}, details={"field": "phone"})
    return value


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return value[:2] + "*" * (len(value) - 2)
    return value[:3] + "****" + value[-4:]


def set_national_id(resident, raw: str) -> None:
    """Validate an ID and set the ciphertext, blind index, masked form, birth date and sex."""
    from jiayi.core import crypto, nationalid

    nid = nationalid.parse(raw)
    resident.id_cipher = crypto.encrypt(nid.value)
    resident.id_index = crypto.blind_index("nid", nid.value)
    resident.id_masked = nationalid.mask(nid.value)
    resident.birth_date = nid.birth_date
    resident.sex = nid.sex


def set_phone(resident, raw: str | None) -> None:
    from jiayi.core import crypto

    value = parse_phone(raw)
    resident.phone_cipher = crypto.encrypt(value)
    resident.phone_index = crypto.blind_index("phone", value)
    resident.phone_masked = mask_phone(value)
