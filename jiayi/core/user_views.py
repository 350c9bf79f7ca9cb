"""User management screens: sysadmin for all, institution admins for their institution and teams."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from . import queries, services
from .audit_views import action_label
from .export import Column, xlsx_response
from .filters import UserFilter, filter_from_request
from .forms import PasswordResetForm, UserForm
from .models import Role
from .permissions import has_perm, require_perm
from .viewkit import call_service, paginate, query_without_page


def _scope_label(u) -> str:
    obj = u.region or u.institution or u.team or u.resident
    if obj is None:
        return ""
    if u.team_id:
        return f"{u.team.institution.name} · {u.team.name}"
    if u.resident_id:
        return f"{u.resident.name}（{u.resident.id_masked}）"
    return str(obj)


USER_COLUMNS = [
    Column(_l("用户名"), lambda u: u.username, 16),
    Column(_l("姓名"), lambda u: u.display_name, 12),
    Column(_l("角色"), lambda u: Role(u.role).label, 14),
    Column(_l("管辖范围"), _scope_label, 30),
    Column(_l("状态"), lambda u: _("有效") if u.is_active else _("已停用"), 8),
    Column(
        _l("最近登录"),
        lambda u: timezone.localtime(u.last_login).replace(tzinfo=None) if u.last_login else None,
        20,
    ),
]


def user_list(request):
    users = queries.users_visible_to(request.user).order_by("username")
    flt, bad = filter_from_request(UserFilter, request)
    users = flt.filter(users)
    if request.GET.get("export") == "xlsx":
        require_perm(request.user, "core.export")
        return xlsx_response(_("用户"), USER_COLUMNS, users.iterator(chunk_size=2000), title=_("用户"))
    page = paginate(request, users)
    now = timezone.now()
    for u in page.object_list:
        u.scope_label = _scope_label(u)
        u.is_locked = bool(u.locked_until and u.locked_until > now)
    return render(
        request,
        "core/users/list.html",
        {
            "page_obj": page,
            "users": page.object_list,
            "bad_filters": bad,
            "querystring": query_without_page(request),
            "role_choices": queries.grantable_roles(request.user),
            "can_export": has_perm(request.user, "core.export"),
        },
    )


def user_detail(request, pk: int):
    target = queries.user_get(request.user, pk)
    history = queries.user_history(request.user, target)
    for e in history:
        e.action_label = action_label(e.action)
    return render(
        request,
        "core/users/detail.html",
        {
            "target": target,
            "scope_label": _scope_label(target),
            "is_locked": services.user_is_locked(target),
            "history": history,
        },
    )


def user_create(request):
    require_perm(request.user, "core.manage_users")
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        user = call_service(
            form,
            services.user_create,
            actor=request.user,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            **form.service_kwargs(),
        )
        if user is not None:
            messages.success(request, _("已创建账号 %(u)s") % {"u": user.username})
            return redirect("core:user_detail", pk=user.pk)
    return render(request, "core/users/form.html", {"form": form, "creating": True})


def user_edit(request, pk: int):
    target = queries.user_get(request.user, pk)
    form = UserForm(request.POST or None, actor=request.user, instance=target)
    if request.method == "POST" and form.is_valid():
        user = call_service(
            form, services.user_update, actor=request.user, user=target, **form.service_kwargs()
        )
        if user is not None:
            messages.success(request, _("已保存"))
            return redirect("core:user_detail", pk=user.pk)
    return render(request, "core/users/form.html", {"form": form, "target": target, "creating": False})


def _action(request, pk, fn, done: str):
    target = queries.user_get(request.user, pk)
    fn(actor=request.user, user=target)  # business errors become a message (BusinessErrorMiddleware)
    messages.success(request, done % {"u": target.username})
    return redirect("core:user_detail", pk=target.pk)


@require_POST
def user_deactivate(request, pk: int):
    return _action(request, pk, services.user_deactivate, _("已停用账号 %(u)s"))


@require_POST
def user_reactivate(request, pk: int):
    return _action(request, pk, services.user_reactivate, _("已启用账号 %(u)s"))


@require_POST
def user_unlock(request, pk: int):
    return _action(request, pk, services.user_unlock, _("已解除账号 %(u)s 的登录锁定"))


def user_password(request, pk: int):
    target = queries.user_get(request.user, pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = call_service(
            form,
            services.user_set_password,
            actor=request.user,
            user=target,
            password=form.cleaned_data["password1"],
        )
        if done is not None:
            messages.success(request, _("已为 %(u)s 设置新密码") % {"u": target.username})
            return redirect("core:user_detail", pk=target.pk)
    return render(request, "core/users/password.html", {"form": form, "target": target})
