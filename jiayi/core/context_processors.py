from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from .models import Role

# (label, url name, icon, roles that see it; None = every staff role)
_NAV = [
    (pgettext_lazy("nav", "首页"), "home", "house", None),
    (pgettext_lazy("nav", "工作台"), "care:workbench", "clipboard2-pulse", "workbench"),
    (pgettext_lazy("nav", "居民"), "registry:resident_list", "people", "people"),
    (pgettext_lazy("nav", "家庭户"), "registry:household_list", "house-heart", "people"),
    (pgettext_lazy("nav", "功能社区"), "registry:community_list", "buildings", "people"),
    (pgettext_lazy("nav", "签约"), "contracts:contract_list", "pen", "people"),
    (pgettext_lazy("nav", "团队"), "teams:team_list", "diagram-3", "staff"),
    (pgettext_lazy("nav", "医务人员"), "teams:practitioner_list", "person-badge", "staff"),
    (pgettext_lazy("nav", "服务包"), "catalog:package_list", "box-seam", "staff"),
    (pgettext_lazy("nav", "机构"), "registry:institution_list", "hospital", "staff"),
    (pgettext_lazy("nav", "区划"), "registry:region_list", "map", "admin"),
    (pgettext_lazy("nav", "人口基数"), "registry:baseline_list", "bar-chart", "admin"),
    (pgettext_lazy("nav", "政策设置"), "policy:policy_list", "sliders", "admin"),
    (pgettext_lazy("nav", "监测"), "evaluation:dashboard", "graph-up", "monitor"),
    (pgettext_lazy("nav", "考核结算"), "evaluation:settlement_list", "cash-coin", "monitor"),
    (pgettext_lazy("nav", "转诊"), "referrals:referral_list", "arrow-left-right", "referrals"),
    (pgettext_lazy("nav", "满意度"), "surveys:questionnaire_list", "emoji-smile", "surveys"),
    (pgettext_lazy("nav", "质控"), "surveys:qc_flag_list", "clipboard-check", "qc"),
    (pgettext_lazy("nav", "数据导入"), "core:import_list", "upload", "import"),
    (pgettext_lazy("nav", "审计"), "core:audit_list", "shield-check", "audit"),
    (pgettext_lazy("nav", "用户"), "core:user_list", "person-gear", "users"),
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
    "monitor": {Role.SYSADMIN, Role.COMMISSION, Role.FINANCE, Role.INSTITUTION_ADMIN},
    "users": {Role.SYSADMIN, Role.INSTITUTION_ADMIN},
    "surveys": {
        Role.SYSADMIN,
        Role.COMMISSION,
        Role.FINANCE,
        Role.INSTITUTION_ADMIN,
        Role.TEAM_LEADER,
        Role.DOCTOR,
        Role.TEAM_MEMBER,
        Role.RESIDENT,
    },
    "referrals": {
        Role.SYSADMIN,
        Role.COMMISSION,
        Role.INSTITUTION_ADMIN,
        Role.TEAM_LEADER,
        Role.DOCTOR,
        Role.TEAM_MEMBER,
        Role.REFERRAL_DESK,
    },
    "qc": {Role.SYSADMIN, Role.COMMISSION, Role.INSTITUTION_ADMIN},
    "workbench": {Role.TEAM_LEADER, Role.DOCTOR, Role.TEAM_MEMBER, Role.INSTITUTION_ADMIN},
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
