"""Core API: the caller's own identity, audit and access events, user management."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from . import queries, services
from .errors import NotFound
from .filters import AccessEventFilter, AuditEventFilter, UserFilter
from .models import Role
from .permissions import PERMISSIONS, role_of

router = Router(tags=["core"])


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    role_label: str
    scope_kind: str
    region_id: int | None = None
    institution_id: int | None = None
    team_id: int | None = None
    resident_id: int | None = None
    permissions: list[str]


@router.get("/me", response=MeOut, summary="当前登录用户")
def me(request):
    u = request.user
    role = role_of(u)
    return {
        "id": u.pk,
        "username": u.username,
        "display_name": u.display_name,
        "role": role,
        "role_label": str(Role(role).label),
        "scope_kind": u.scope.kind,
        "region_id": u.region_id,
        "institution_id": u.institution_id,
        "team_id": u.team_id,
        "resident_id": u.resident_id,
        "permissions": sorted(p for p, roles in PERMISSIONS.items() if role in roles),
    }


class AuditEventOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None = None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    county_code: str
    before: dict | None = None
    after: dict | None = None
    ip: str | None = None


class AccessEventOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None = None
    actor_name: str
    object_type: str
    object_id: str
    object_repr: str
    field: str
    county_code: str
    ip: str | None = None


@router.get("/audit-events", response=list[AuditEventOut], summary="审计事件（数据变更）")
@paginate
def audit_event_list(request, filters: Query[AuditEventFilter]):
    return filters.filter(queries.audit_events(request.user))


@router.get("/audit-events/{event_id}", response=AuditEventOut, summary="审计事件详情")
def audit_event_get(request, event_id: int):
    return queries.audit_event_get(request.user, event_id)


@router.get("/access-events", response=list[AccessEventOut], summary="敏感信息查看事件")
@paginate
def access_event_list(request, filters: Query[AccessEventFilter]):
    return filters.filter(queries.access_events(request.user))


# --- users -------------------------------------------------------------------------------------


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    region_id: int | None = None
    institution_id: int | None = None
    team_id: int | None = None
    resident_id: int | None = None
    is_active: bool
    locked_until: dt.datetime | None = None
    last_login: dt.datetime | None = None


class UserScopeIn(Schema):
    role: str
    display_name: str = ""
    email: str = ""
    region_id: int | None = None
    institution_id: int | None = None
    team_id: int | None = None
    resident_id: int | None = None


class UserCreateIn(UserScopeIn):
    username: str = Field(min_length=1, max_length=150)
    password: str


class PasswordIn(Schema):
    password: str


def _scope_objects(actor, data: UserScopeIn) -> dict:
    """Scope objects by id, each fetched inside the actor's own scope (else 404)."""
    from jiayi.registry.models import Institution, Region, Resident
    from jiayi.teams.models import Team

    out = {"region": None, "institution": None, "team": None, "resident": None}
    for key, model in (
        ("region", Region),
        ("institution", Institution),
        ("team", Team),
        ("resident", Resident),
    ):
        pk = getattr(data, f"{key}_id")
        if pk is not None:
            try:
                out[key] = model.objects.get_visible(actor, pk=pk)
            except NotFound:
                raise NotFound(details={"field": f"{key}_id"}) from None
    return out


@router.get("/users", response=list[UserOut], summary="用户列表")
@paginate
def user_list(request, filters: Query[UserFilter]):
    return filters.filter(queries.users_visible_to(request.user).order_by("username"))


@router.get("/users/{user_id}", response=UserOut, summary="用户详情")
def user_get(request, user_id: int):
    return queries.user_get(request.user, user_id)


@router.post("/users", response={201: UserOut}, summary="新建用户")
def user_create(request, payload: UserCreateIn):
    user = services.user_create(
        actor=request.user,
        username=payload.username,
        password=payload.password,
        role=payload.role,
        display_name=payload.display_name,
        email=payload.email,
        **_scope_objects(request.user, payload),
    )
    return Status(201, user)


@router.patch("/users/{user_id}", response=UserOut, summary="修改用户")
def user_update(request, user_id: int, payload: UserScopeIn):
    target = queries.user_get(request.user, user_id)
    return services.user_update(
        actor=request.user,
        user=target,
        role=payload.role,
        display_name=payload.display_name,
        email=payload.email,
        **_scope_objects(request.user, payload),
    )


@router.post("/users/{user_id}/deactivate", response=UserOut, summary="停用用户")
def user_deactivate(request, user_id: int):
    return services.user_deactivate(actor=request.user, user=queries.user_get(request.user, user_id))


@router.post("/users/{user_id}/reactivate", response=UserOut, summary="启用用户")
def user_reactivate(request, user_id: int):
    return services.user_reactivate(actor=request.user, user=queries.user_get(request.user, user_id))


@router.post("/users/{user_id}/unlock", response=UserOut, summary="解除登录锁定")
def user_unlock(request, user_id: int):
    target = queries.user_get(request.user, user_id)
    services.user_unlock(actor=request.user, user=target)
    return get_object_or_404(queries.users_visible_to(request.user), pk=user_id)


@router.post("/users/{user_id}/password", response={204: None}, summary="重置密码")
def user_set_password(request, user_id: int, payload: PasswordIn):
    services.user_set_password(
        actor=request.user, user=queries.user_get(request.user, user_id), password=payload.password
    )
    return Status(204, None)
