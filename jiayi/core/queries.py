"""Reads of the core app: audit and access events, users. Every read is scoped here.

Audit events carry the county code of the object they concern; a health commission sees the
events of its own region (by county code prefix), the system administrator sees them all.
"""

from django.db.models import Q, QuerySet

from . import scope as sc
from .errors import NotFound
from .models import AccessEvent, AuditEvent, Role, User
from .permissions import require_perm, role_of


def _event_scope(user) -> Q | None:
    """None means "everything"; an empty Q-match means nothing."""
    scope = user.scope
    if scope.sees_all:
        return None
    if scope.kind == sc.REGION and scope.region_prefix:
        # County codes are 6 digits; a city commission's prefix (4 digits) matches all its counties.
        return Q(county_code__startswith=scope.region_prefix[:6])
    return sc.nothing()


def _scoped(queryset: QuerySet, user) -> QuerySet:
    require_perm(user, "core.view_audit")
    q = _event_scope(user)
    return queryset if q is None else queryset.filter(q)


def audit_events(user) -> QuerySet:
    return _scoped(AuditEvent.objects.select_related("actor"), user)


def access_events(user) -> QuerySet:
    return _scoped(AccessEvent.objects.select_related("actor"), user)


def audit_event_get(user, pk) -> AuditEvent:
    try:
        return audit_events(user).get(pk=pk)
    except (AuditEvent.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def recent_audit_events(user, limit: int = 10) -> list[AuditEvent]:
    return list(audit_events(user)[:limit])


# --- users -------------------------------------------------------------------------------------

# Roles an institution administrator may hand out: the people of their institution and its teams.
INSTITUTION_ADMIN_GRANTS = {
    Role.INSTITUTION_ADMIN,
    Role.REFERRAL_DESK,
    Role.TEAM_LEADER,
    Role.DOCTOR,
    Role.TEAM_MEMBER,
    Role.RESIDENT,
}


def users_visible_to(user) -> QuerySet:
    """The logins a user may manage: all for sysadmin; an institution admin's own institution's."""
    require_perm(user, "core.manage_users")
    qs = User.objects.select_related("region", "institution", "team", "team__institution", "resident")
    if role_of(user) == Role.SYSADMIN:
        return qs
    scope = user.scope
    if scope.kind != sc.INSTITUTION:
        return qs.none()
    ids = scope.institution_ids
    return qs.filter(
        Q(role__in=INSTITUTION_ADMIN_GRANTS)
        & (Q(institution_id__in=ids) | Q(team__institution_id__in=ids) | Q(resident__institution_id__in=ids))
    )


def user_get(user, pk) -> User:
    try:
        return users_visible_to(user).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def grantable_roles(user) -> list[tuple[str, str]]:
    if role_of(user) == Role.SYSADMIN:
        return list(Role.choices)
    if role_of(user) == Role.INSTITUTION_ADMIN:
        return [(value, label) for value, label in Role.choices if value in INSTITUTION_ADMIN_GRANTS]
    return []


def user_history(actor, user: User, limit: int = 20) -> list[AuditEvent]:
    """The audit trail of one login, for those who manage it."""
    user = user_get(actor, user.pk)
    return list(AuditEvent.objects.filter(object_type="core.user", object_id=str(user.pk))[:limit])
