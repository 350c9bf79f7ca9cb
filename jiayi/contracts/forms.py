"""Forms of the contract screens. They parse input; the services decide (rules live there)."""

import base64
import binascii
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayi.teams.models import Practitioner, Team

from .models import Channel, ConsentMode, TerminationReason

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL = re.compile(r"^data:image/png;base64,(?P<data>[A-Za-z0-9+/=\s]+)$")
MAX_SIGNATURE_CHARS = 800_000  # ~600 KB of PNG; the service caps the decoded size


def decode_signature(value: str) -> bytes | None:
    """A `data:image/png;base64,…` URL (what the signature pad gives) or bare base64 → PNG bytes.

    Raises ValueError for anything that is not a PNG image."""
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > MAX_SIGNATURE_CHARS:
        raise ValueError("too large")
    m = _DATA_URL.match(value)
    raw = m.group("data") if m else value
    if not m and value.startswith("data:"):
        raise ValueError("not a png data url")
    try:
        data = base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("bad base64") from exc
    if not data.startswith(PNG_MAGIC):
        raise ValueError("not png")
    return data


class PackageChoiceField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ConsentForm(forms.Form):
    """What every signing form has: who signs, for how long, how, and the resident's consent."""

    assignment = forms.ChoiceField(label=_("签约团队 / 责任医生"))
    term_years = forms.TypedChoiceField(label=_("签约年限"), coerce=int)
    channel = forms.ChoiceField(
        label=_("签约渠道"),
        choices=[(v, label) for v, label in Channel.choices if v != Channel.COMMUNITY],
        initial=Channel.CLINIC,
    )
    consent_mode = forms.ChoiceField(
        label=_("居民确认方式"), choices=ConsentMode.choices, initial=ConsentMode.HANDWRITTEN
    )
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    resident_paid = forms.BooleanField(label=_("个人部分已缴费"), required=False)

    def __init__(self, *args, assignments, initial_assignment="", terms=(1,), channels=None, **kwargs):
        super().__init__(*args, **kwargs)
        if channels:
            self.fields["channel"].choices = channels
            self.fields["channel"].initial = channels[0][0]
        self.fields["assignment"].choices = assignments
        self.fields["assignment"].initial = initial_assignment
        self.fields["term_years"].choices = [(t, _("%(n)s年") % {"n": t}) for t in terms]
        self.fields["term_years"].initial = 1 if 1 in terms else (terms[0] if terms else 1)

    def clean_signature(self):
        try:
            return decode_signature(self.cleaned_data.get("signature", ""))
        except ValueError:
            raise forms.ValidationError(_("签名图片格式不正确，请重新签名")) from None

    def clean_assignment(self):
        team_id, _sep, doctor_id = self.cleaned_data["assignment"].partition(":")
        team = Team.objects.filter(pk=team_id).select_related("institution").first()
        doctor = Practitioner.objects.filter(pk=doctor_id).first()
        if team is None or doctor is None:
            raise forms.ValidationError(_("请选择签约团队和责任医生"))
        return team, doctor

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        team, doctor = d["assignment"]
        return {
            "team": team,
            "doctor": doctor,
            "term_years": d["term_years"],
            "consent_mode": d["consent_mode"],
            "signature_png": d["signature"],
            "resident_paid": d["resident_paid"],
        }


class SignForm(ConsentForm):
    """One resident: a set of packages."""

    packages = PackageChoiceField(label=_("服务包"), error_messages={"required": _("请选择服务包")})

    def __init__(self, *args, package_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["packages"].choices = [(str(p.pk), p.name) for p in package_choices]
        self._packages = {str(p.pk): p for p in package_choices}

    def clean_packages(self):
        return [self._packages[v] for v in self.cleaned_data["packages"]]


class GroupSignForm(ConsentForm):
    """A household or a functional community: members to sign, packages per member, one signature."""

    members = forms.MultipleChoiceField(
        label=_("签约成员"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名成员")},
    )
    party = forms.ChoiceField(label=_("乙方代表（签字人）"))

    def __init__(self, *args, people=(), party_people=None, party_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.resident.pk): p for p in people}
        self.party_people = {
            str(p.resident.pk): p for p in (party_people if party_people is not None else people)
        }
        self.fields["members"].choices = [(k, p.resident.name) for k, p in self.people.items()]
        self.fields["party"].choices = [(k, p.resident.name) for k, p in self.party_people.items()]
        if party_initial is not None:
            self.fields["party"].initial = str(party_initial)
        for key, person in self.people.items():
            self.fields[f"packages_{key}"] = PackageChoiceField(
                label=person.resident.name,
                required=False,
                choices=[(str(o.package.pk), o.package.name) for o in person.packages],
            )

    def clean(self):
        data = super().clean()
        chosen = []
        for key in data.get("members") or []:
            person = self.people[key]
            by_pk = {str(o.package.pk): o.package for o in person.packages}
            picked = [by_pk[v] for v in data.get(f"packages_{key}") or [] if v in by_pk]
            chosen.append((person.resident, picked))
        data["chosen"] = chosen
        party = self.party_people.get(data.get("party") or "")
        data["party_resident"] = party.resident if party else None
        return data


class TerminateForm(forms.Form):
    reason = forms.ChoiceField(label=_("解约原因"), choices=[("", "—"), *TerminationReason.choices])
    on = forms.DateField(
        label=_("解约日期"), widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
    confirmed_by_team = forms.BooleanField(label=_("甲方（团队）已确认"), required=False)
    confirmed_by_resident = forms.BooleanField(label=_("乙方（居民）已确认"), required=False)


class ReassignForm(forms.Form):
    doctor = forms.ModelChoiceField(label=_("新责任医生"), queryset=Practitioner.objects.none())
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, doctors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if doctors is not None:
            self.fields["doctor"].queryset = doctors


class RenewForm(forms.Form):
    term_years = forms.TypedChoiceField(label=_("续约年限"), coerce=int)
    resident_paid = forms.BooleanField(label=_("个人部分已缴费"), required=False)

    def __init__(self, *args, terms=(1,), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term_years"].choices = [(t, _("%(n)s年") % {"n": t}) for t in terms]
