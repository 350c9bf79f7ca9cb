from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from . import nationalid, services
from .errors import InvalidNationalId
from .models import User
from .queries import grantable_roles


class LockoutAuthenticationForm(AuthenticationForm):
    """Log-in with lock-out (R-SEC-3).

    One message for every failure — wrong password, unknown user, locked or deactivated account —
    so that the page never tells whether a username exists.
    """

    error_messages = {
        "invalid_login": _("用户名或密码不正确，或账号因连续输错已被临时锁定。请稍后再试，或联系管理员。"),
        "inactive": _("用户名或密码不正确，或账号因连续输错已被临时锁定。请稍后再试，或联系管理员。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password") or ""
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and services.user_is_locked(user):
            # Hash anyway so that a locked account answers as slowly as a wrong password.
            make_password(password)
            raise self.get_invalid_login_error()
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.user_login_failed_register(username=username)
            raise
        if self.get_user() is not None:  # None when a field was left empty
            services.user_login_succeeded(user=self.get_user())
        return cleaned


def _widgetize(form):
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        else:
            widget.attrs.setdefault("class", "form-control")
        widget.attrs.setdefault("id", f"id_{name}")


class UserForm(forms.Form):
    """Create or edit a login. Which scope object a role needs is checked by the service."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    role = forms.ChoiceField(label=_("角色"))
    region = forms.ModelChoiceField(label=_("管辖区域"), queryset=None, required=False)
    institution = forms.ModelChoiceField(label=_("所属机构"), queryset=None, required=False)
    team = forms.ModelChoiceField(label=_("所属团队"), queryset=None, required=False)
    resident = forms.CharField(
        label=_("居民身份证号"),
        max_length=18,
        required=False,
        help_text=_("居民账号须关联本人档案：输入其18位身份证号"),
    )
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args, actor, instance: User | None = None, **kwargs):
        from jiayi.registry.models import Institution, Region, RegionLevel
        from jiayi.teams.models import Team

        self.actor = actor
        self.instance = instance
        if instance is not None:
            initial = kwargs.setdefault("initial", {})
            initial.update(
                {
                    "username": instance.username,
                    "display_name": instance.display_name,
                    "email": instance.email,
                    "role": instance.role,
                    "region": instance.region_id,
                    "institution": instance.institution_id,
                    "team": instance.team_id,
                }
            )
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "---------")] + grantable_roles(actor)
        self.fields["region"].queryset = (
            Region.objects.visible_to(actor).exclude(level=RegionLevel.VILLAGE).order_by("code")
        )
        self.fields["institution"].queryset = Institution.objects.visible_to(actor).filter(is_active=True)
        self.fields["team"].queryset = (
            Team.objects.visible_to(actor).filter(is_active=True).select_related("institution")
        )
        self.fields["team"].label_from_instance = lambda t: f"{t.institution.name} · {t.name}"
        if actor.scope.kind == "institution":
            ids = actor.scope.institution_ids
            self.fields["institution"].queryset = self.fields["institution"].queryset.filter(pk__in=ids)
            self.fields["team"].queryset = self.fields["team"].queryset.filter(institution_id__in=ids)
            del self.fields["region"]
        if instance is not None:
            # The username is the login's identity in the audit trail: it does not change.
            del self.fields["username"], self.fields["password1"], self.fields["password2"]
            if instance.resident_id:
                self.fields["resident"].help_text = _("当前关联：%(name)s（%(id)s）。留空则保持不变。") % {
                    "name": instance.resident.name,
                    "id": instance.resident.id_masked,
                }
        _widgetize(self)

    def clean_resident(self):
        from jiayi.registry.models import Resident

        raw = self.cleaned_data.get("resident", "").strip()
        if not raw:
            return self.instance.resident if self.instance is not None else None
        try:
            value = nationalid.parse(raw).value
        except InvalidNationalId as exc:
            raise forms.ValidationError(str(exc.message)) from None
        resident = Resident.objects.visible_to(self.actor).with_national_id(value).first()
        if resident is None:
            raise forms.ValidationError(_("在您的管辖范围内没有找到该身份证号的居民"))
        return resident

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致"))
        return cleaned

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "role": d["role"],
            "display_name": d.get("display_name", ""),
            "email": d.get("email", ""),
            "region": d.get("region"),
            "institution": d.get("institution"),
            "team": d.get("team"),
            "resident": d.get("resident"),
        }


class PasswordResetForm(forms.Form):
    password1 = forms.CharField(label=_("新密码"), widget=forms.PasswordInput())
    password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _widgetize(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致"))
        return cleaned
