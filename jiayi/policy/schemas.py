"""Schemas of the structured (JSON) parts of a policy setting, and the whole-setting check.

`validate_policy_values` is the one place a policy's rules are checked; services call it, so the
form, the API and the preset loader reject the same things with the same Chinese message.
"""

import re
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, Field, ValidationError

from jiayi.core.errors import ValidationFailed

Level = Literal["village", "primary", "secondary", "tertiary"]
LEVEL_LABELS = {"village": "村级", "primary": "基层", "secondary": "二级", "tertiary": "三级"}


class Target(BaseModel):
    """A coverage target to reach by the end of `month` of `year`; rates in percent."""

    year: int = Field(ge=2000, le=2100)
    month: int = Field(default=12, ge=1, le=12)
    overall: Decimal | None = Field(default=None, ge=0, le=100)
    key_population: Decimal | None = Field(default=None, ge=0, le=100)
    primary_care_visit: Decimal | None = Field(default=None, ge=0, le=100)
    satisfaction: Decimal | None = Field(default=None, ge=0, le=100)


class ReimbursementBonus(BaseModel):
    """Inpatient reimbursement raised by `points` for a referral from one level to another."""

    from_level: Level
    to_level: Level
    points: Decimal = Field(ge=0, le=100)


_MONTH_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
_MD = re.compile(r"^(\d\d)-(\d\d)$")


def parse_month_day(value: str) -> tuple[int, int] | None:
    m = _MD.match(value or "")
    if not m:
        return None
    month, day = int(m.group(1)), int(m.group(2))
    if month not in _MONTH_DAYS or not 1 <= day <= _MONTH_DAYS[month]:
        return None
    return month, day


def _fail(field: str, message: str):
    raise ValidationFailed(message, details={"field": field})


def _check_list(field: str, model, items) -> list[dict]:
    if not isinstance(items, list):
        _fail(field, _("格式不正确，应为列表"))
    out = []
    for i, item in enumerate(items, start=1):
        try:
            out.append(model.model_validate(item).model_dump(mode="json", exclude_none=True))
        except ValidationError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            _fail(field, _("第%(n)s条（%(where)s）取值无效") % {"n": i, "where": where})
    return out


def validate_policy_values(v: dict) -> dict:
    """Check a complete set of policy values; return them normalised (JSON lists cleaned)."""
    for f in ("signing_window_start", "signing_window_end"):
        if parse_month_day(v.get(f, "")) is None:
            _fail(f, _("日期格式应为“月-日”，例如 06-30"))
    if parse_month_day(v["signing_window_end"]) < parse_month_day(v["signing_window_start"]):
        _fail("signing_window_end", _("签约窗口结束日期不能早于开始日期"))
    terms = v.get("allowed_terms")
    if (
        not isinstance(terms, list)
        or not terms
        or any(not isinstance(t, int) or not 1 <= t <= 3 for t in terms)
    ):
        _fail("allowed_terms", _("签约年限只能在1至3年之间"))
    v["allowed_terms"] = sorted(set(terms))
    if 1 not in v["allowed_terms"]:
        _fail("allowed_terms", _("必须允许1年期签约"))
    if v.get("capacity_per_doctor", 0) < 1:
        _fail("capacity_per_doctor", _("签约上限必须大于0"))
    for f in ("contact_days_red", "contact_days_yellow", "contact_days_green", "contact_days_default"):
        if not v.get(f) or v[f] < 1:
            _fail(f, _("联系间隔必须大于0天"))
    if not v["contact_days_red"] <= v["contact_days_yellow"] <= v["contact_days_green"]:
        _fail("contact_days_yellow", _("联系间隔应满足：红标 ≤ 黄标 ≤ 绿标"))
    _check_fee(v)
    _check_percent(v, "staff_share_min_percent", required=True)
    _check_percent(v, "referred_lab_imaging_discount_percent")
    _check_percent(v, "slot_reserve_percent")
    lo, hi = v.get("target_increase_min"), v.get("target_increase_max")
    if lo is not None and hi is not None and hi < lo:
        _fail("target_increase_max", _("每年提升上限不能小于下限"))
    if not 1 <= v.get("long_rx_min_weeks", 0) <= v.get("long_rx_max_weeks", 0) <= 52:
        _fail("long_rx_max_weeks", _("长期处方周数范围无效（最短 ≤ 最长 ≤ 52）"))
    v["targets"] = sorted(
        _check_list("targets", Target, v.get("targets", [])), key=lambda t: (t["year"], t["month"])
    )
    v["referral_reimbursement"] = _check_list(
        "referral_reimbursement", ReimbursementBonus, v.get("referral_reimbursement", [])
    )
    return v


def _check_percent(v: dict, field: str, *, required: bool = False):
    value = v.get(field)
    if value is None:
        if required:
            _fail(field, _("此项必填"))
        return
    if not Decimal(0) <= Decimal(value) <= Decimal(100):
        _fail(field, _("比例应在0至100之间"))


_FEE_PARTS = ("basic_fee_public_health", "basic_fee_insurance", "basic_fee_resident")


def _check_fee(v: dict):
    values = [v.get(f) for f in ("basic_fee", *_FEE_PARTS)]
    if all(x is None for x in values):
        return
    if any(x is None for x in values):
        _fail("basic_fee", _("基础包费用及其三方分担须同时填写或同时留空"))
    if any(Decimal(x) < 0 for x in values):
        _fail("basic_fee", _("费用不能为负数"))
    if sum(Decimal(v[f]) for f in _FEE_PARTS) != Decimal(v["basic_fee"]):
        _fail("basic_fee", _("公卫经费、医保基金与居民个人分担之和必须等于签约服务费"))
