"""Forms of the referral screens. They parse input; the services hold the rules."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SlotKind, Urgency


def _control(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-control")


class ReferralRequestForm(forms.Form):
    to_institution = forms.ModelChoiceField(label=_("转入医院"), queryset=None, empty_label=_("请选择医院"))
    department = forms.CharField(
        label=_("科室"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "departments", "autocomplete": "off"}),
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    reason = forms.CharField(label=_("转诊原因"), max_length=200)
    clinical_summary = forms.CharField(
        label=_("病情摘要"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("主要诊断、近期检查结果、用药情况等，便于医院接诊"),
    )

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_institution"].queryset = hospitals
        _control(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _control(self)


class ScheduleForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("号源"), coerce=int, empty_value=None)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        for s in slots:
            local = timezone.localtime(s.starts_at)
            label = f"{local:%m-%d %H:%M} · {s.pool.get_kind_display()}"
            if s.pool.provider:
                label += f" · {s.pool.provider}"
            if s.held_for_family_doctors:
                label += " · " + str(_("家庭医生预留"))
            choices.append((s.pk, label))
        self.fields["slot"].choices = choices
        _control(self)


class ReferDownForm(forms.Form):
    reason = forms.CharField(label=_("下转原因"), max_length=200, initial=_("病情稳定，转回基层康复随访"))
    department = forms.CharField(label=_("接收科室"), max_length=50, required=False, initial=_("全科"))
    clinical_summary = forms.CharField(
        label=_("出院小结/康复建议"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _control(self)


class SlotPoolForm(forms.Form):
    hospital = forms.ModelChoiceField(label=_("医院"), queryset=None, empty_label=None)
    department = forms.CharField(
        label=_("科室"),
        max_length=50,
        widget=forms.TextInput(attrs={"list": "departments", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=_("号源类型"), choices=SlotKind.choices)
    provider = forms.CharField(label=_("专家/设备"), max_length=50, required=False)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}), initial="08:00"
    )
    capacity = forms.IntegerField(label=_("号源总数"), min_value=1, max_value=500, initial=12)
    interval_minutes = forms.IntegerField(
        label=_("每号间隔（分钟）"), min_value=0, max_value=240, initial=15, help_text=_("床位填 0")
    )

    def __init__(self, *args, hospitals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = hospitals
        self.fields["date"].initial = timezone.localdate() + dt.timedelta(days=14)
        _control(self)
