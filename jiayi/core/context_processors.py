from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from .models import Role

# Menu sections, in order: (section label, icon). A section that shows one entry is a plain
# link; one with more is a dropdown, so that an administrator's menu still fits on one line.
_SECTIONS = {
    "home": (pgettext_lazy("nav", "首页"), "house"),
    "work": (pgettext_lazy("nav", "工作台"), "clipboard2-pulse"),
    "people": (pgettext_lazy("nav", "居民"), "people"),
    "contracts": (pgettext_lazy("nav", "签约"), "pen"),
    "referrals": (pgettext_lazy("nav", "转诊"), "arrow-left-right"),
    "org": (pgettext_lazy("nav", "机构与团队"), "diagram-3"),
    "monitor": (pgettext_lazy("nav", "监测考核"), "graph-up"),
    "system": (pgettext_lazy("nav", "系统"), "gear"),
}

# (section, label, url name, icon, roles that see it; None = every staff role)
_NAV = [
    ("home", pgettext_lazy("nav", "首页"), "home", "house", None),
    ("work", pgettext_lazy("nav", "工作台"), "care:workbench", "clipboard2-pulse", "workbench"),
    ("people", pgettext_lazy("nav", "居民"), "registry:resident_list", "people", "people"),
    ("people", pgettext_lazy("nav", "家庭户"), "registry:household_list", "house-heart", "people"),
    ("people", pgettext_lazy("nav", "功能社区"), "registry:community_list", "buildings", "people"),
    ("contracts", pgettext_lazy("nav", "签约"), "contracts:contract_list", "pen", "people"),
    ("contracts", pgettext_lazy("nav", "服务包"), "catalog:package_list", "box-seam", "staff"),
    ("contracts", pgettext_lazy("nav", "政策设置"), "policy:policy_list", "sliders", "admin"),
    ("referrals", pgettext_lazy("nav", "转诊"), "referrals:referral_list", "arrow-left-right", "referrals"),
    ("org", pgettext_lazy("nav", "团队"), "teams:team_list", "diagram-3", "staff"),
    ("org", pgettext_lazy("nav", "医务人员"), "teams:practitioner_list", "person-badge", "staff"),
    ("org", pgettext_lazy("nav", "机构"), "registry:institution_list", "hospital", "staff"),
    ("org", pgettext_lazy("nav", "区划"), "registry:region_list", "map", "admin"),
    ("org", pgettext_lazy("nav", "人口基数"), "registry:baseline_list", "bar-chart", "admin"),
    ("monitor", pgettext_lazy("nav", "监测"), "evaluation:dashboard", "graph-up", "monitor"),
    ("monitor", pgettext_lazy("nav", "考核结算"), "evaluation:settlement_list", "cash-coin", "monitor"),
    ("monitor", pgettext_lazy("nav", "满意度"), "surveys:questionnaire_list", "emoji-smile", "surveys"),
    ("monitor", pgettext_lazy("nav", "质控"), "surveys:qc_flag_list", "clipboard-check", "qc"),
    ("system", pgettext_lazy("nav", "数据导入"), "core:import_list", "upload", "import"),
    ("system", pgettext_lazy("nav", "用户"), "core:user_list", "person-gear", "users"),
    ("system", pgettext_lazy("nav", "审计"), "core:audit_list", "shield-check", "audit"),
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
        return {"nav_items": [], "nav_sections": []}
    role = Role.SYSADMIN if user.is_superuser else user.role
    items = []
    for section, label, name, icon, group in _NAV:
        if group is not None and role not in _GROUPS[group]:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app not installed yet contributes no menu entry
            continue
        active = request.path.startswith(url) and url != "/" or (url == "/" and request.path == "/")
        items.append({"section": section, "label": label, "url": url, "icon": icon, "active": active})
    sections = []
    for key, (label, icon) in _SECTIONS.items():
        entries = [i for i in items if i["section"] == key]
        if entries:
            sections.append(
                {
                    "key": key,
                    "label": label,
                    "icon": icon,
                    "items": entries,
                    "active": any(i["active"] for i in entries),
                }
            )
    return {"nav_items": items, "nav_sections": sections, "role_label": Role(role).label}
