"""Forms of the survey screens. They only parse; the services validate answers and rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayi.registry.models import Institution
from jiayi.teams.models import Team

from .models import FlagStatus, QuestionKind, Questionnaire


class AnswerForm(forms.Form):
    """One field per question, named by the question's code (so service errors land on it)."""

    def __init__(self, *args, questions, contracts=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contracts is not None and len(contracts) > 1:
            self.fields["contract"] = forms.TypedChoiceField(
                label=_("为谁填写"),
                coerce=int,
                choices=[(c.pk, f"{c.resident.name}（{c.team.name}）") for c in contracts],
            )
        for q in questions:
            label = f"{q.order}. {q.text}"
            if q.kind == QuestionKind.TEXT:
                field = forms.CharField(
                    label=label,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                )
            else:
                field = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[(o["value"], o["label"]) for o in q.choices()],
                    widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                )
            field.question = q
            self.fields[q.code] = field

    def answers(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if k != "contract" and v not in (None, "")}

    def question_fields(self):
        return [f for f in self if f.name != "contract"]


class SampleForm(forms.Form):
    title = forms.CharField(label=_("抽样名称"), max_length=100)
    questionnaire = forms.ModelChoiceField(label=_("回访问卷"), queryset=Questionnaire.objects.none())
    share_percent = forms.DecimalField(
        label=_("抽样比例（%）"), required=False, max_digits=5, decimal_places=2, min_value=0
    )
    count = forms.IntegerField(label=_("或抽样数量"), required=False, min_value=1)
    institution = forms.ModelChoiceField(label=_("机构"), queryset=Institution.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("团队"), queryset=Team.objects.none(), required=False)
    signed_from = forms.DateField(
        label=_("签约日期起"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    signed_to = forms.DateField(
        label=_("签约日期止"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    first_only = forms.BooleanField(label=_("仅首次签约（不含续约）"), required=False)
    seed = forms.IntegerField(
        label=_("随机种子"),
        required=False,
        min_value=0,
        help_text=_("留空则自动生成；填写相同种子可复现同一样本"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].queryset = Questionnaire.objects.filter(is_active=True)
        self.fields["institution"].queryset = Institution.objects.visible_to(user).primary().order_by("code")
        self.fields["team"].queryset = (
            Team.objects.visible_to(user).active().order_by("institution__code", "name")
        )
        for name, field in self.fields.items():
            if name != "first_only":
                field.widget.attrs.setdefault("class", "form-control")
        self.fields["questionnaire"].widget.attrs["class"] = "form-select"
        self.fields["institution"].widget.attrs["class"] = "form-select"
        self.fields["team"].widget.attrs["class"] = "form-select"
        self.fields["first_only"].widget.attrs["class"] = "form-check-input"


class UnreachableForm(forms.Form):
    note = forms.CharField(
        label=_("无法联系的情况"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：空号、三次无人接听")}),
    )


class ResolveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("核查结论"),
        choices=[
            (FlagStatus.CONFIRMED, FlagStatus.CONFIRMED.label),
            (FlagStatus.DISMISSED, FlagStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("核查说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
