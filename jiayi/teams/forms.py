"""Forms of the teams screens. They only parse input; the services decide (and audit)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayi.registry.models import PRIMARY_KINDS, Institution, Region, RegionLevel

from . import queries
from .models import DOCTOR_PROFESSIONS, Practitioner, Team, TeamRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def manageable_institutions(user):
    scope = user.scope
    qs = Institution.objects.filter(is_active=True).order_by("code")
    return qs if scope.sees_all else qs.filter(pk__in=scope.institution_ids)


def _villages_for(user):
    counties = set(manageable_institutions(user).values_list("county_code", flat=True))
    return Region.objects.filter(level=RegionLevel.VILLAGE, county_code__in=counties).order_by("code")


class _Bootstrap:
    """Bootstrap classes on every widget, so templates can render fields one by one."""

    def _style(self):
        for field in self.fields.values():
            w = field.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, forms.Select | forms.SelectMultiple):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")


class PractitionerForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = Practitioner
        fields = [
            "name",
            "licence_no",
            "profession",
            "title",
            "department",
            "institution",
            "home_institution",
            "phone",
            "is_retired",
            "tcm_capable",
        ]
        help_texts = {
            "home_institution": _("从二、三级医院下派的专科医生填写派出医院"),
            "tcm_capable": _("中医类别医生自动视为能提供中医药服务"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = manageable_institutions(user)
        self.fields["home_institution"].queryset = (
            Institution.objects.visible_to(user).hospitals().order_by("code")
        )
        self._style()

    def validate_unique(self):
        # The service decides uniqueness (with its own message and a 409 in the API).
        pass


class TeamForm(_Bootstrap, forms.ModelForm):
    leader = forms.ModelChoiceField(label=_("团队长"), queryset=Practitioner.objects.none())
    since = forms.DateField(label=_("组建日期"), required=False, widget=DateInput())

    class Meta:
        model = Team
        fields = ["institution", "name", "leader", "phone", "is_individual", "villages"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = manageable_institutions(user)
        self.fields["institution"].queryset = institutions.filter(kind__in=PRIMARY_KINDS)
        self.fields["leader"].queryset = Practitioner.objects.filter(
            is_active=True, profession__in=DOCTOR_PROFESSIONS, institution__in=institutions
        ).select_related("institution")
        self.fields["leader"].label_from_instance = lambda p: f"{p.name}（{p.institution.name}）"
        self.fields["villages"].queryset = _villages_for(user)
        self.fields["villages"].widget.attrs["size"] = 8
        self.fields["since"].initial = timezone.localdate()
        self._style()


class TeamEditForm(_Bootstrap, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "phone", "is_individual", "villages"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = _villages_for(user)
        self.fields["villages"].widget.attrs["size"] = 8
        self._style()


class MemberAddForm(_Bootstrap, forms.Form):
    practitioner = forms.ModelChoiceField(label=_("人员"), queryset=Practitioner.objects.none())
    role = forms.ChoiceField(
        label=_("团队角色"), choices=[(v, lbl) for v, lbl in TeamRole.choices if v != TeamRole.LEADER]
    )
    since = forms.DateField(label=_("加入日期"), required=False, widget=DateInput())

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = queries.member_candidates(team)
        self.fields["practitioner"].label_from_instance = lambda p: (
            f"{p.name} · {p.get_profession_display()} · {p.institution.name}"
        )
        self.fields["since"].initial = timezone.localdate()
        self._style()


class MemberEndForm(_Bootstrap, forms.Form):
    until = forms.DateField(label=_("退出日期"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = timezone.localdate()
        self._style()


class ChangeLeaderForm(_Bootstrap, forms.Form):
    leader = forms.ModelChoiceField(label=_("新团队长"), queryset=Practitioner.objects.none())
    since = forms.DateField(label=_("生效日期"), required=False, widget=DateInput())
    keep_previous = forms.BooleanField(label=_("原团队长留任家庭医生"), required=False, initial=True)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = queries.leader_candidates(team)
        self.fields["since"].initial = timezone.localdate()
        self._style()
