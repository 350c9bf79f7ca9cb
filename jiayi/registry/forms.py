"""Forms of the registry screens. They parse input; the services decide (and re-check) the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiayi.core import nationalid
from jiayi.core.errors import ValidationFailed

from . import queries
from .fields import parse_phone
from .models import (
    DERIVED_KINDS,
    POPULATION_CHOICES,
    CommunityKind,
    InstitutionKind,
    InstitutionLevel,
    InsuranceType,
    KeyPopulationKind,
    KeyPopulationSource,
    Region,
    RegionLevel,
    Relation,
    ResidenceStatus,
)


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates render fields in one loop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


def _clean_phone(value):
    try:
        return parse_phone(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(str(exc.message)) from None


class ResidentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    national_id = forms.CharField(label=_("身份证号"), max_length=20)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("现住址"), max_length=200, required=False)
    region = RegionChoiceField(label=_("村/社区"), queryset=Region.objects.none())
    institution = forms.ModelChoiceField(label=_("管理机构"), queryset=None)
    residence_status = forms.ChoiceField(label=_("居住状态"), choices=ResidenceStatus.choices)
    insurance_type = forms.ChoiceField(label=_("医保类型"), choices=InsuranceType.choices)

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["region"].queryset = queries.region_options(user, level=RegionLevel.VILLAGE)
        self.fields["institution"].queryset = queries.managed_institutions(user)
        if editing:
            self.fields["national_id"].required = False
            self.fields["national_id"].help_text = _("如需更正身份证号，请填写完整的18位号码；留空则不修改")

    def clean_national_id(self):
        value = self.cleaned_data["national_id"]
        if not value and self.editing:
            return ""
        try:
            return nationalid.parse(value).value
        except ValidationFailed as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def clean_phone(self):
        return _clean_phone(self.cleaned_data["phone"])


class HouseholdForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("户编号"), max_length=30)
    region = RegionChoiceField(label=_("村/社区"), queryset=Region.objects.none())
    institution = forms.ModelChoiceField(label=_("管理机构"), queryset=None)
    address = forms.CharField(label=_("家庭住址"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = queries.region_options(user, level=RegionLevel.VILLAGE)
        self.fields["institution"].queryset = queries.managed_institutions(user)


class AddMemberForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)


class ChangeHeadForm(BootstrapMixin, forms.Form):
    """The new head, then each other member's relation to them, pre-filled with the suggestion."""

    new_head = forms.TypedChoiceField(label=_("新户主"), coerce=int)

    def __init__(self, *args, members, new_head=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        living = [m for m in members if not m.deceased_on and m.is_active]
        self.fields["new_head"].choices = [(m.pk, m.name) for m in living]
        suggested = queries.suggest_relations(members, new_head) if new_head else {}
        choices = [c for c in Relation.choices if c[0] != Relation.HEAD]
        for m in members:
            if new_head is not None and m.pk == new_head.pk:
                continue
            self.fields[f"rel_{m.pk}"] = forms.ChoiceField(
                label=m.name, choices=choices, initial=suggested.get(m.pk, m.relation), required=False
            )
            self.fields[f"rel_{m.pk}"].widget.attrs["class"] = "form-select form-select-sm"

    def relations(self, new_head_pk: int) -> dict[int, str]:
        out = {}
        for m in self.members:
            value = self.cleaned_data.get(f"rel_{m.pk}")
            if m.pk != new_head_pk and value:
                out[m.pk] = value
        return out


class KeyPopulationForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("重点人群"), choices=[c for c in KeyPopulationKind.choices if c[0] not in DERIVED_KINDS]
    )
    source = forms.ChoiceField(label=_("来源"), choices=KeyPopulationSource.choices)
    valid_from = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    valid_to = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class EndDateForm(forms.Form):
    valid_to = forms.DateField(label=_("截止日期"), widget=DateInput())


class DeathForm(BootstrapMixin, forms.Form):
    deceased_on = forms.DateField(label=_("死亡日期"), widget=DateInput())
    new_head = forms.TypedChoiceField(label=_("新户主"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].choices = [("", _("暂不指定（本户标记为户主待定）"))] + [
            (m.pk, m.name) for m in candidates
        ]


class CommunityForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=CommunityKind.choices)
    region = RegionChoiceField(label=_("所在区划"), queryset=Region.objects.none())
    institution = forms.ModelChoiceField(label=_("服务机构"), queryset=None)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("在用"), required=False, initial=True)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = queries.region_options(user)
        self.fields["institution"].queryset = queries.managed_institutions(user)

    def clean_contact_phone(self):
        return _clean_phone(self.cleaned_data["contact_phone"])


class CommunityMemberForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.CharField(label=_("身份"), max_length=30, required=False)


class InstitutionForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("机构编码"), max_length=30)
    name = forms.CharField(label=_("机构名称"), max_length=100)
    kind = forms.ChoiceField(label=_("机构类型"), choices=InstitutionKind.choices)
    level = forms.ChoiceField(
        label=_("转诊层级"),
        choices=[("", _("按机构类型自动"))] + list(InstitutionLevel.choices),
        required=False,
    )
    region = RegionChoiceField(label=_("所在区划"), queryset=Region.objects.none())
    parent = forms.ModelChoiceField(label=_("上级机构"), queryset=None, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    is_active = forms.BooleanField(label=_("在用"), required=False, initial=True)

    def __init__(self, *args, user, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = queries.region_options(user)
        self.fields["parent"].queryset = queries.institution_options(user, primary_only=True)
        if editing:
            self.fields["code"].disabled = True


class RegionForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("区划代码"), max_length=12, min_length=12)
    name = forms.CharField(label=_("名称"), max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=RegionLevel.choices)
    is_urban = forms.BooleanField(label=_("城镇"), required=False)


class BaselineForm(BootstrapMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("机构"), queryset=None)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    population = forms.ChoiceField(label=_("人群"), choices=POPULATION_CHOICES)
    count = forms.IntegerField(label=_("人数"), min_value=0)
    source = forms.CharField(label=_("数据来源"), max_length=100, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = queries.managed_institutions(user)
