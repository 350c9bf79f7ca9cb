"""Policy forms. They only parse; the rules live in schemas.validate_policy_values (via services)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayi.registry.models import Region, RegionLevel

from .display import GROUPS, _num
from .models import PolicySetting
from .schemas import LEVEL_LABELS
from .services import VALUE_FIELDS

_LEVEL_BY_TEXT = {**{v: k for k, v in LEVEL_LABELS.items()}, **{k: k for k in LEVEL_LABELS}}
_TARGET_KEYS = ("overall", "key_population", "primary_care_visit", "satisfaction")

TARGETS_HELP = gettext_lazy(
    "每行一条：年份[-月] 全人群% 重点人群% 基层就诊率% 满意度%，不规定的写 -。例如：2025 45 80 60 -"
)
BONUS_HELP = gettext_lazy(
    "每行一条：转出层级 转入层级 提高百分点（层级：村级、基层、二级、三级）。例如：村级 基层 2"
)


def targets_to_text(targets: list[dict]) -> str:
    lines = []
    for t in targets:
        when = str(t["year"]) if t.get("month", 12) == 12 else f"{t['year']}-{t['month']}"
        vals = ["-" if t.get(k) is None else _num(Decimal(str(t[k]))) for k in _TARGET_KEYS]
        lines.append(" ".join([when, *vals]))
    return "\n".join(lines)


def bonus_to_text(items: list[dict]) -> str:
    return "\n".join(
        f"{LEVEL_LABELS[b['from_level']]} {LEVEL_LABELS[b['to_level']]} {_num(Decimal(str(b['points'])))}"
        for b in items
    )


def _parse_targets(text: str) -> list[dict]:
    out = []
    for n, line in enumerate(filter(None, (x.strip() for x in text.splitlines())), start=1):
        parts = line.split()
        try:
            year, _sep, month = parts[0].partition("-")
            item = {"year": int(year), "month": int(month or 12)}
            for key, raw in zip(_TARGET_KEYS, parts[1:5], strict=False):
                item[key] = None if raw == "-" else Decimal(raw.rstrip("%"))
        except (ValueError, InvalidOperation, IndexError):
            raise forms.ValidationError(_("第%(n)s行格式不正确") % {"n": n}) from None
        out.append(item)
    return out


def _parse_bonus(text: str) -> list[dict]:
    out = []
    for n, line in enumerate(filter(None, (x.strip() for x in text.splitlines())), start=1):
        parts = line.replace("→", " ").split()
        try:
            out.append(
                {
                    "from_level": _LEVEL_BY_TEXT[parts[0]],
                    "to_level": _LEVEL_BY_TEXT[parts[1]],
                    "points": Decimal(parts[2].lstrip("+")),
                }
            )
        except (KeyError, IndexError, InvalidOperation):
            raise forms.ValidationError(_("第%(n)s行格式不正确") % {"n": n}) from None
    return out


class PolicyValuesForm(forms.Form):
    """Every rule of a setting, grouped as on the detail page."""

    def __init__(self, *args, setting: PolicySetting | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        names = [n for n in VALUE_FIELDS if n not in {"targets", "referral_reimbursement", "allowed_terms"}]
        self.fields.update(forms.fields_for_model(PolicySetting, fields=names))
        self.fields["allowed_terms"] = forms.TypedMultipleChoiceField(
            label=PolicySetting._meta.get_field("allowed_terms").verbose_name,
            choices=[(1, _("1年")), (2, _("2年")), (3, _("3年"))],
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": _("至少选择一种签约年限")},
        )
        self.fields["targets"] = forms.CharField(
            label=PolicySetting._meta.get_field("targets").verbose_name,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=TARGETS_HELP,
        )
        self.fields["referral_reimbursement"] = forms.CharField(
            label=PolicySetting._meta.get_field("referral_reimbursement").verbose_name,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=BONUS_HELP,
        )
        self.fields["notes"].widget.attrs["rows"] = 2
        for f in ("signing_window_start", "signing_window_end"):
            self.fields[f].widget.attrs["placeholder"] = "MM-DD"
        if setting is not None and not self.is_bound:
            for name in VALUE_FIELDS:
                self.initial[name] = getattr(setting, name)
            self.initial["targets"] = targets_to_text(setting.targets)
            self.initial["referral_reimbursement"] = bonus_to_text(setting.referral_reimbursement)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def clean_targets(self):
        return _parse_targets(self.cleaned_data.get("targets") or "")

    def clean_referral_reimbursement(self):
        return _parse_bonus(self.cleaned_data.get("referral_reimbursement") or "")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in VALUE_FIELDS if name in self.cleaned_data}

    def fieldsets(self):
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in GROUPS]


def region_choices(user):
    """Regions a policy can be set for: province, city and county levels the user may see."""
    return (
        Region.objects.visible_to(user)
        .filter(level__in=[RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY])
        .order_by("code")
    )


class PolicyTargetForm(forms.Form):
    """Region and year of a new setting (or of a copy). An empty region means national."""

    region = forms.ModelChoiceField(
        label=gettext_lazy("区域"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("全国（默认）"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_choices(user)
