"""One demo login per role, scoped to the demo district."""

from django.contrib.auth.hashers import make_password
from django.db.models import Count

from jiayi.core.models import Role, User
from jiayi.registry.models import Institution, Region, Resident
from jiayi.teams.models import Team, TeamRole

from . import seed

DEMO_PASSWORD = "jiayi-demo-2026"
CENTRE = seed.MARKER_INSTITUTION  # 城东街道社区卫生服务中心
USERNAMES = ["admin", "wjw", "caizheng", "jigou", "yisheng", "hushi", "zhuanzhen", "jumin"]


def _yisheng_team() -> Team:
    return Team.objects.filter(institution__code=CENTRE).order_by("pk").first()


def create_logins(rng) -> list[dict]:
    """Create (or re-bind) the eight logins; an existing user of the same name is taken over."""
    county = Region.objects.get(code=seed.COUNTY[0])
    centre = Institution.objects.get(code=CENTRE)
    hospital = Institution.objects.get(code=seed.LEAD_HOSPITAL)
    team = _yisheng_team()
    leader = team.leader
    nurse = team.memberships.filter(role=TeamRole.NURSE).select_related("practitioner").first().practitioner
    # A household head of the team whose household has several members, so the resident sees a family.
    head = (
        Resident.objects.filter(team=team, relation="head", household__head__isnull=False)
        .annotate(n=Count("household__members"))
        .filter(n__gte=2)
        .exclude(phone_masked="")
        .order_by("pk")
        .first()
    ) or Resident.objects.filter(team=team, relation="head").order_by("pk").first()
    specs = [
        ("admin", Role.SYSADMIN, "系统管理员", {}),
        ("wjw", Role.COMMISSION, "区卫健委管理员", {"region": county}),
        ("caizheng", Role.FINANCE, "区财政局查看员", {"region": county}),
        ("jigou", Role.INSTITUTION_ADMIN, "城东中心机构管理员", {"institution": centre}),
        ("yisheng", Role.TEAM_LEADER, leader.name, {"team": team}),
        ("hushi", Role.TEAM_MEMBER, nurse.name, {"team": team}),
        ("zhuanzhen", Role.REFERRAL_DESK, "中心医院转诊专窗", {"institution": hospital}),
        ("jumin", Role.RESIDENT, head.name if head else "居民", {"resident": head}),
    ]
    password = make_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose
    for username, role, display, scope in specs:
        fields = {
            "role": role,
            "display_name": display,
            "password": password,
            "is_active": True,
            "is_staff": role == Role.SYSADMIN,
            "is_superuser": role == Role.SYSADMIN,
            "region": None,
            "institution": None,
            "team": None,
            "resident": None,
            "failed_logins": 0,
            "locked_until": None,
            **scope,
        }
        user, _ = User.objects.update_or_create(username=username, defaults=fields)
        if username == "yisheng":
            leader.user = user
            leader.save(update_fields=["user"])
        elif username == "hushi":
            nurse.user = user
            nurse.save(update_fields=["user"])
    return login_rows()


def _scope_label(user: User) -> str:
    if user.is_superuser:
        return "全部"
    for obj in (user.region, user.institution, user.team, user.resident):
        if obj is not None:
            if obj is user.team:
                return f"{user.team.institution.name} · {user.team.name}"
            if obj is user.resident:
                return f"居民本人及家庭（{user.resident.household.code if user.resident.household else ''}）"
            return str(obj)
    return "—"


def login_rows() -> list[dict]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=USERNAMES).select_related(
            "region", "institution", "team__institution", "resident__household"
        )
    }
    return [
        {
            "username": name,
            "role": users[name].get_role_display(),
            "scope": _scope_label(users[name]),
            "name": users[name].display_name,
        }
        for name in USERNAMES
        if name in users
    ]
