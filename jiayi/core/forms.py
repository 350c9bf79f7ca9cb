from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import services
from .models import User


class LockoutAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错多次后账号将被临时锁定。"),
        "inactive": _("该账号已停用。"),
        "locked": _("连续登录失败次数过多，账号已临时锁定，请%(minutes)s分钟后再试或联系管理员。"),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        user = User.objects.filter(username=username).first() if username else None
        if user is not None and services.user_is_locked(user):
            from django.conf import settings

            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.JIAYI_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.user_login_failed_register(username=username)
            raise
        services.user_login_succeeded(user=self.get_user())
        return cleaned
