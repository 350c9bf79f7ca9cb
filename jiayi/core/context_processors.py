from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

# (label, url name, icon, roles that see it; None = every staff role)
_NAV = [
    (_("首页"), "home", "house", None),
    (_("居民"), "registry:resident_list", "people", "people"),
    (_("家庭户"), "registry:household_list", "house-heart", "people"),
    (_("功能社区"), "registry:community_list", "buildings", "people"),
    (_("团队"), "teams:team_list", "diagram-3", "staff"),
    (_("医务人员"), "teams:practitioner_list", "person-badge", "staff"),
    (_("机构"), "registry:institution_list", "hospital", "staff"),
    (_("区划"), "registry:region_list", "map", "admin"),
    (_("人口基数"), "registry:baseline_list", "bar-chart", "admin"),
    (_("数据导入"), "core:import_list", "upload", "import"),
    (_("审计"), "core:audit_list", "shield-check", "audit"),
]

_GROUPS = {
    "people": {
        Role.SYSADMIN,
        Role.COMMISSION,
        Role.INSTITUTION_ADMIN,
        Role.TEAM_LEADER,
        Role.DOCTOR,
        Role.TEAM_MEMBER,
    },
    "staff": {
        Role.SYSADMIN,
        Role.COMMISSION,
        Role.FINANCE,
        Role.INSTITUTION_ADMIN,
        Role.TEAM_LEADER,
        Role.DOCTOR,
        Role.TEAM_MEMBER,
        Role.REFERRAL_DESK,
    },
    "admin": {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE, Role.INSTITUTION_ADMIN},
    "import": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    "audit": {Role.SYSADMIN, Role.COMMISSION},
}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = Role.SYSADMIN if user.is_superuser else user.role
    items = []
    for label, name, icon, group in _NAV:
        if group is not None and role not in _GROUPS[group]:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app not installed yet contributes no menu entry
            continue
        items.append(
            {"label": label, "url": url, "icon": icon, "active": request.path.startswith(url) and url != "/"}
        )
    return {"nav_items": items, "role_label": Role(role).label}
