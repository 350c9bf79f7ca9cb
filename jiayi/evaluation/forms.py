import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from .indicators import INDICATORS


class PeriodForm(forms.Form):
    period_start = forms.DateField(label=_("期间起"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("期间止"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        year = year or dt.date.today().year
        self.fields["period_start"].initial = dt.date(year, 1, 1)
        self.fields["period_end"].initial = dt.date(year, 12, 31)


class AssessmentRunForm(PeriodForm):
    scheme = forms.ModelChoiceField(label=_("考核方案"), queryset=None)

    def __init__(self, *args, schemes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes


class SettlementRunForm(PeriodForm):
    assessment = forms.ModelChoiceField(
        label=_("考核结果（不选则按满分拨付）"), queryset=None, required=False
    )

    def __init__(self, *args, runs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = runs


class CostForm(PeriodForm):
    team = forms.ModelChoiceField(label=_("团队"), queryset=None)
    amount = forms.DecimalField(label=_("成本（元）"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class SchemeForm(forms.Form):
    """One weight and one target per indicator; a blank weight leaves the indicator out."""

    name = forms.CharField(label=_("方案名称"), max_length=100)

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = {i["indicator"]: i for i in (scheme.items if scheme else [])}
        if scheme:
            self.fields["name"].initial = scheme.name
        for code, ind in INDICATORS.items():
            item = current.get(code, {})
            self.fields[f"w_{code}"] = forms.DecimalField(
                label=ind.name, required=False, min_value=0, initial=item.get("weight")
            )
            self.fields[f"t_{code}"] = forms.DecimalField(
                label=_("目标值"), required=False, min_value=0, initial=item.get("target")
            )

    def rows(self):
        return [(INDICATORS[c], self[f"w_{c}"], self[f"t_{c}"]) for c in INDICATORS]

    def items(self) -> list[dict]:
        out = []
        for code in INDICATORS:
            w, t = self.cleaned_data.get(f"w_{code}"), self.cleaned_data.get(f"t_{code}")
            if w:
                out.append({"indicator": code, "weight": w, "target": t})
        return out
