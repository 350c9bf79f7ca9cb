"""Writes of the core app: users, log-in failures and lock-out.

A user's role needs exactly one scope object (R-SEC-1): a region for the commission and finance,
an institution for institution admins and referral desks, a team for team roles, a resident for a
resident. Password hashes never enter the audit trail: user snapshots list their fields explicitly.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scope as sc
from .audit import record_write, snapshot
from .errors import Conflict, Forbidden, ValidationFailed
from .models import INSTITUTION_ROLES, REGION_ROLES, TEAM_ROLES, Role, User
from .permissions import require_perm, role_of
from .queries import INSTITUTION_ADMIN_GRANTS, users_visible_to

USER_AUDIT_FIELDS = [
    "username",
    "display_name",
    "email",
    "role",
    "region",
    "institution",
    "team",
    "resident",
    "is_active",
    "is_superuser",
    "locked_until",
    "failed_logins",
]


class UsernameTaken(Conflict):
    code = "username_taken"
    default_message = _("该用户名已被使用")


class ScopeObjectMissing(ValidationFailed):
    code = "scope_object_missing"
    default_message = _("该角色必须指定管辖范围")


def _user_snapshot(user: User) -> dict:
    return snapshot(user, USER_AUDIT_FIELDS)


def user_county_code(user: User) -> str:
    """The county the login belongs to, so that the county's commission sees its audit events."""
    for obj in (user.region, user.institution, user.team, user.resident):
        if obj is not None:
            return getattr(obj, "county_code", "") or ""
    return ""


def _audit(actor, action: str, user: User, before: dict | None, after: dict | None):
    record_write(
        actor=actor,
        action=action,
        obj=user,
        object_repr=f"{user.username} ({user})",
        before=before,
        after=after,
        county_code=user_county_code(user),
    )


# --- log-in failures and lock-out (R-SEC-3) ---------------------------------------------------


def user_login_failed_register(*, username: str) -> User | None:
    """Count a failed log-in; lock the account for a while after too many in a row (R-SEC-3)."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return None
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.JIAYI_LOCKOUT_ATTEMPTS:
            user.locked_until = timezone.now() + dt.timedelta(minutes=settings.JIAYI_LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            _audit(None, "lock", user, None, {"locked_until": user.locked_until})
        return user


def user_login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)


def user_is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


# --- user management ----------------------------------------------------------------------------


def _visible_user(actor, user: User) -> User:
    from .errors import NotFound

    if not users_visible_to(actor).filter(pk=user.pk).exists():
        raise NotFound()
    return user


def _clean_scope(actor, *, role: str, region, institution, team, resident) -> dict:
    """The one scope object the role needs (others cleared), checked against the actor's reach."""
    if role not in Role.values:
        raise ValidationFailed(_("未知的角色"), details={"field": "role"})
    actor_role = role_of(actor)
    if actor_role != Role.SYSADMIN and role not in INSTITUTION_ADMIN_GRANTS:
        raise Forbidden(_("您不能授予该角色"), details={"field": "role"})
    out = {"region": None, "institution": None, "team": None, "resident": None}
    label = Role(role).label
    if role in REGION_ROLES:
        if region is None:
            raise ScopeObjectMissing(
                _("角色“%(role)s”必须指定管辖区域") % {"role": label}, details={"field": "region"}
            )
        out["region"] = region
    elif role in INSTITUTION_ROLES:
        if institution is None:
            raise ScopeObjectMissing(
                _("角色“%(role)s”必须指定所属机构") % {"role": label}, details={"field": "institution"}
            )
        if role == Role.REFERRAL_DESK:
            from jiayi.registry.models import HOSPITAL_KINDS

            if institution.kind not in HOSPITAL_KINDS:
                raise ValidationFailed(
                    _("转诊专窗账号只能属于二级或三级医院"), details={"field": "institution"}
                )
        out["institution"] = institution
    elif role in TEAM_ROLES:
        if team is None:
            raise ScopeObjectMissing(
                _("角色“%(role)s”必须指定所属团队") % {"role": label}, details={"field": "team"}
            )
        out["team"] = team
    elif role == Role.RESIDENT:
        if resident is None:
            raise ScopeObjectMissing(_("居民账号必须关联居民本人的档案"), details={"field": "resident"})
        out["resident"] = resident
    if actor_role != Role.SYSADMIN:
        _check_reach(actor, out)
    return out


def _check_reach(actor, objs: dict) -> None:
    """An institution admin grants only inside their institution (and its stations and teams)."""
    ids = actor.scope.institution_ids if actor.scope.kind == sc.INSTITUTION else frozenset()
    inst = objs["institution"]
    team = objs["team"]
    resident = objs["resident"]
    ok = (
        (inst is not None and inst.pk in ids)
        or (team is not None and team.institution_id in ids)
        or (resident is not None and resident.institution_id in ids)
    )
    if not ok:
        field = next(k for k, v in objs.items() if v is not None)
        raise Forbidden(_("只能管理本机构及其团队的账号"), details={"field": field})


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), details={"field": "password"}) from None


def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str = "",
    region=None,
    institution=None,
    team=None,
    resident=None,
) -> User:
    require_perm(actor, "core.manage_users")
    username = (username or "").strip()
    if not username:
        raise ValidationFailed(_("用户名不能为空"), details={"field": "username"})
    with transaction.atomic():
        objs = _clean_scope(
            actor, role=role, region=region, institution=institution, team=team, resident=resident
        )
        if User.objects.filter(username__iexact=username).exists():
            raise UsernameTaken(details={"field": "username"})
        user = User(username=username, display_name=display_name.strip(), email=email, role=role, **objs)
        _check_password(password, user)
        user.set_password(password)
        user.save()
        _audit(actor, "create", user, None, _user_snapshot(user))
    return user


def user_update(
    *,
    actor,
    user: User,
    role: str,
    display_name: str = "",
    email: str = "",
    region=None,
    institution=None,
    team=None,
    resident=None,
) -> User:
    require_perm(actor, "core.manage_users")
    with transaction.atomic():
        _visible_user(actor, user)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.pk == actor.pk and role != user.role:
            raise ValidationFailed(_("不能修改自己的角色"), details={"field": "role"})
        objs = _clean_scope(
            actor, role=role, region=region, institution=institution, team=team, resident=resident
        )
        before = _user_snapshot(user)
        user.role = role
        user.display_name = display_name.strip()
        user.email = email
        for k, v in objs.items():
            setattr(user, k, v)
        user.save()
        _audit(actor, "update", user, before, _user_snapshot(user))
    return user


def _set_active(actor, user: User, active: bool) -> User:
    require_perm(actor, "core.manage_users")
    with transaction.atomic():
        _visible_user(actor, user)
        user = User.objects.select_for_update().get(pk=user.pk)
        if not active and user.pk == actor.pk:
            raise ValidationFailed(_("不能停用自己的账号"))
        if user.is_active == active:
            return user
        before = _user_snapshot(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            # API tokens stop with the account (TokenAuth also checks is_active).
            user.api_tokens.filter(is_active=True).update(is_active=False)
        _audit(actor, "activate" if active else "deactivate", user, before, _user_snapshot(user))
    return user


def user_deactivate(*, actor, user: User) -> User:
    """Nothing is deleted: a login that is no longer needed is switched off, with its tokens."""
    return _set_active(actor, user, False)


def user_reactivate(*, actor, user: User) -> User:
    return _set_active(actor, user, True)


def user_unlock(*, actor, user: User) -> None:
    require_perm(actor, "core.manage_users")
    with transaction.atomic():
        _visible_user(actor, user)
        before = snapshot(user, ["locked_until", "failed_logins"])
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        _audit(actor, "unlock", user, before, snapshot(user, ["locked_until", "failed_logins"]))


def user_set_password(*, actor, user: User, password: str) -> User:
    """An administrator sets a new password (the strong-password validators apply)."""
    require_perm(actor, "core.manage_users")
    with transaction.atomic():
        _visible_user(actor, user)
        user = User.objects.select_for_update().get(pk=user.pk)
        _check_password(password, user)
        user.set_password(password)
        # A reset also lifts a lock-out: the administrator has just verified the person.
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["password", "failed_logins", "locked_until"])
        # The event says that the password changed, never what it is or its hash.
        _audit(actor, "reset_password", user, None, {"password": "******"})
    return user
