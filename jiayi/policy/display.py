"""How a policy setting reads on screen: grouped rows of Chinese labels and values."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import PolicySetting
from .schemas import LEVEL_LABELS

GROUPS = [
    (gettext_lazy("基本信息"), ["title", "document", "notes"]),
    (
        gettext_lazy("签约窗口与年限"),
        [
            "signing_window_start",
            "signing_window_end",
            "signing_window_mode",
            "allowed_terms",
            "multi_year_min_continuous_years",
            "capacity_per_doctor",
        ],
    ),
    (gettext_lazy("续约"), ["auto_renew_basic", "renew_personalised_on_payment", "renewal_reminder_days"]),
    (
        gettext_lazy("主动联系间隔"),
        [
            "contact_days_red",
            "contact_days_yellow",
            "contact_days_green",
            "contact_days_default",
        ],
    ),
    (gettext_lazy("覆盖率目标"), ["targets", "target_increase_min", "target_increase_max"]),
    (
        gettext_lazy("签约服务费"),
        [
            "basic_fee",
            "basic_fee_public_health",
            "basic_fee_insurance",
            "basic_fee_resident",
            "staff_share_min_percent",
            "staff_share_after_costs",
        ],
    ),
    (
        gettext_lazy("转诊激励"),
        [
            "referral_reimbursement",
            "single_deductible_in_alliance",
            "continuous_deductible",
            "referred_lab_imaging_discount_percent",
        ],
    ),
    (
        gettext_lazy("服务与号源"),
        [
            "overuse_mode",
            "long_rx_min_weeks",
            "long_rx_max_weeks",
            "slot_reserve_percent",
            "slot_release_lead_days",
        ],
    ),
]

_UNSET = gettext_lazy("未规定")


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def target_line(t: dict) -> str:
    parts = []
    for key, label in (
        ("overall", _("全人群")),
        ("key_population", _("重点人群")),
        ("primary_care_visit", _("基层就诊率")),
        ("satisfaction", _("满意度")),
    ):
        if t.get(key) is not None:
            parts.append(f"{label} {_num(Decimal(str(t[key])))}%")
    when = _("%(y)s年%(m)s月底") % {"y": t["year"], "m": t.get("month", 12)}
    return f"{when}：" + "，".join(parts)


def bonus_line(b: dict) -> str:
    return _("%(a)s→%(b)s 报销比例提高%(p)s个百分点") % {
        "a": LEVEL_LABELS[b["from_level"]],
        "b": LEVEL_LABELS[b["to_level"]],
        "p": _num(Decimal(str(b["points"]))),
    }


def display_value(setting: PolicySetting, name: str):
    """A readable value; lists come back as a list of lines."""
    value = getattr(setting, name)
    field = PolicySetting._meta.get_field(name)
    if name == "targets":
        return [target_line(t) for t in value] or [str(_UNSET)]
    if name == "referral_reimbursement":
        return [bonus_line(b) for b in value] or [str(_UNSET)]
    if name == "allowed_terms":
        return "、".join(_("%s年") % t for t in value)
    if field.choices:
        return getattr(setting, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None or value == "":
        return str(_UNSET)
    if isinstance(value, Decimal):
        unit = "%" if "percent" in name else (_("元") if "fee" in name else _("个百分点"))
        return f"{_num(value)} {unit}"
    return str(value)


def grouped_rows(setting: PolicySetting) -> list[dict]:
    out = []
    for title, names in GROUPS:
        rows = []
        for name in names:
            value = display_value(setting, name)
            rows.append(
                {
                    "name": name,
                    "label": PolicySetting._meta.get_field(name).verbose_name,
                    "value": value,
                    "is_list": isinstance(value, list),
                }
            )
        out.append({"title": title, "rows": rows})
    return out
