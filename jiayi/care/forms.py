"""Forms of the care screens. They parse and present; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayi.catalog.models import ServiceItem
from jiayi.teams.models import Practitioner

from .models import Condition, MeasurementSource, RiskColour, ServiceChannel, TcmTechnique
from .prescriptions import CONDITION_CHOICES

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _num(label, step="1"):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": step, "inputmode": "decimal"}),
    )


def practitioner_for(user) -> Practitioner | None:
    return getattr(user, "practitioner", None) if user.is_authenticated else None


def practitioner_choices(user):
    return Practitioner.objects.visible_to(user).filter(is_active=True).order_by("name")


class _Styled:
    def _style(self):
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.Select):
                w.attrs.setdefault("class", "form-select")
            elif isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            else:
                w.attrs.setdefault("class", "form-control")


# Measurements the record form offers, with their unit hints (the service validates ranges).
MEASUREMENT_FIELDS = [
    ("sbp", _("收缩压 mmHg"), "1"),
    ("dbp", _("舒张压 mmHg"), "1"),
    ("heart_rate", _("心率 次/分"), "1"),
    ("fasting_glucose", _("空腹血糖 mmol/L"), "0.1"),
    ("random_glucose", _("随机血糖 mmol/L"), "0.1"),
    ("hba1c", _("糖化血红蛋白 %"), "0.1"),
    ("weight", _("体重 kg"), "0.1"),
    ("height", _("身高 cm"), "0.1"),
    ("waist", _("腰围 cm"), "0.1"),
]


class ServiceRecordForm(_Styled, forms.Form):
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceItem.objects.none())
    performed_on = forms.DateField(label=_("服务日期"), widget=_DATE)
    channel = forms.ChoiceField(label=_("服务方式"), choices=ServiceChannel.choices)
    practitioner = forms.ModelChoiceField(label=_("服务人员"), queryset=Practitioner.objects.none())
    place = forms.CharField(label=_("服务地点"), max_length=100, required=False)
    tcm_technique = forms.ChoiceField(label=_("中医药技术"), choices=TcmTechnique.choices, required=False)
    notes = forms.CharField(label=_("服务记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    measurement_source = forms.ChoiceField(
        label=_("测量值来源"), choices=MeasurementSource.choices, initial=MeasurementSource.ENTERED
    )
    is_contact = forms.BooleanField(label=_("计为主动联系"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        mine = practitioner_for(user)
        kwargs["initial"].setdefault("performed_on", timezone.localdate())
        kwargs["initial"].setdefault("channel", ServiceChannel.FACE_TO_FACE)
        if mine is not None:
            kwargs["initial"].setdefault("practitioner", mine.pk)
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(is_active=True).order_by("category", "code")
        self.fields["practitioner"].queryset = practitioner_choices(user)
        for name, label, step in MEASUREMENT_FIELDS:
            self.fields[name] = _num(label, step)
        self._style()

    def measurements(self) -> dict:
        source = self.cleaned_data.get("measurement_source") or MeasurementSource.ENTERED
        return {
            name: (self.cleaned_data[name], source)
            for name, _l, _s in MEASUREMENT_FIELDS
            if self.cleaned_data.get(name) is not None
        }

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "item": d["item"],
            "performed_on": d["performed_on"],
            "channel": d["channel"],
            "practitioner": d["practitioner"],
            "place": d["place"],
            "notes": d["notes"],
            "tcm_technique": d["tcm_technique"] or "",
            "is_contact": d["is_contact"],
            "measurements": self.measurements(),
        }


QUICK_CHANNELS = [
    (ServiceChannel.PHONE, ServiceChannel.PHONE.label),
    (ServiceChannel.FACE_TO_FACE, ServiceChannel.FACE_TO_FACE.label),
    (ServiceChannel.HOME_VISIT, ServiceChannel.HOME_VISIT.label),
]


class QuickContactForm(_Styled, forms.Form):
    """The one-step "记录联系" from a worklist row: a follow-up today."""

    channel = forms.ChoiceField(label=_("联系方式"), choices=QUICK_CHANNELS, initial=ServiceChannel.PHONE)
    sbp = _num(_("收缩压"))
    dbp = _num(_("舒张压"))
    notes = forms.CharField(label=_("备注"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def measurements(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("sbp", "dbp") if self.cleaned_data.get(k) is not None}


class ReasonForm(_Styled, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class RiskForm(_Styled, forms.Form):
    condition = forms.ChoiceField(label=_("疾病"), choices=Condition.choices)
    colour = forms.ChoiceField(label=_("色标"), choices=RiskColour.choices)
    reason = forms.CharField(label=_("依据"), max_length=300)
    assessed_on = forms.DateField(label=_("评估日期"), widget=_DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class AssessmentForm(_Styled, forms.Form):
    assessed_on = forms.DateField(label=_("评估日期"), widget=_DATE, required=False)
    findings = forms.CharField(label=_("评估发现"), widget=forms.Textarea(attrs={"rows": 3}))
    lifestyle = forms.CharField(label=_("生活方式"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    plan = forms.CharField(label=_("健康管理计划"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


def parse_medicines(text: str) -> list[dict]:
    """One medicine a line: "name dose frequency" separated by spaces (or "，")."""
    lines = []
    for raw in (text or "").splitlines():
        parts = raw.replace("，", " ").replace(",", " ").split()
        if parts:
            lines.append(
                {
                    "name": parts[0],
                    "dose": parts[1] if len(parts) > 1 else "",
                    "frequency": " ".join(parts[2:]),
                }
            )
    return lines


class PrescriptionForm(_Styled, forms.Form):
    condition = forms.ChoiceField(label=_("慢性病"), choices=CONDITION_CHOICES)
    medicines = forms.CharField(
        label=_("药品"),
        help_text=_("每行一种：药名 剂量 用法，例如：氨氯地平片 5mg 每日一次"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weeks = forms.IntegerField(label=_("处方周数"), min_value=1, max_value=52, initial=8)
    start = forms.DateField(label=_("开始日期"), widget=_DATE, required=False)
    practitioner = forms.ModelChoiceField(label=_("开具医生"), queryset=Practitioner.objects.none())

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        mine = practitioner_for(user)
        if mine is not None:
            kwargs["initial"].setdefault("practitioner", mine.pk)
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioner_choices(user).doctors()
        self._style()


class HomeBedAdmitForm(_Styled, forms.Form):
    diagnosis = forms.CharField(label=_("建床诊断"), max_length=200)
    admitted_on = forms.DateField(label=_("建床日期"), widget=_DATE, required=False)
    practitioner = forms.ModelChoiceField(label=_("责任医生"), queryset=Practitioner.objects.none())

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {})
        mine = practitioner_for(user)
        if mine is not None:
            kwargs["initial"].setdefault("practitioner", mine.pk)
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioner_choices(user)
        self._style()


class HomeBedVisitForm(_Styled, forms.Form):
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=ServiceItem.objects.none())
    performed_on = forms.DateField(label=_("查床日期"), widget=_DATE, required=False)
    notes = forms.CharField(label=_("查床记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sbp = _num(_("收缩压"))
    dbp = _num(_("舒张压"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ServiceItem.objects.filter(is_active=True).order_by("category", "code")
        home = ServiceItem.objects.filter(code="HOME_VISIT").values_list("pk", flat=True).first()
        if home:
            self.fields["item"].initial = home
        self._style()


class DischargeForm(_Styled, forms.Form):
    summary = forms.CharField(label=_("撤床小结"), widget=forms.Textarea(attrs={"rows": 3}))
    discharged_on = forms.DateField(label=_("撤床日期"), widget=_DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()
