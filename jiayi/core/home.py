"""The home page of each role: the figures that person starts the day with.

Each builder runs a handful of aggregate queries over the user's scope; none loops over residents.
"""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from . import queries
from .audit_views import decorate
from .models import Role, User
from .permissions import has_perm, role_of


def _years_ago(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def key_population_counts(residents, today: dt.date) -> list[dict]:
    """Derived (elderly ≥ 65, children 0–6) and recorded key populations of a resident queryset.

    Two grouped queries: one conditional count over birth dates, one count per recorded kind.
    """
    from jiayi.registry.models import KeyPopulationKind, KeyPopulationRecord

    derived = residents.aggregate(
        total=Count("pk"),
        elderly=Count("pk", filter=Q(birth_date__lte=_years_ago(today, 65))),
        child=Count("pk", filter=Q(birth_date__gt=_years_ago(today, 7))),
    )
    recorded = dict(
        KeyPopulationRecord.objects.filter(resident__in=residents.values("pk"))
        .valid_on(today)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("resident", distinct=True))
    )
    out = [
        {
            "kind": KeyPopulationKind.ELDERLY,
            "label": KeyPopulationKind.ELDERLY.label,
            "n": derived["elderly"],
        },
        {"kind": KeyPopulationKind.CHILD, "label": KeyPopulationKind.CHILD.label, "n": derived["child"]},
    ]
    for kind in KeyPopulationKind:
        if kind in (KeyPopulationKind.ELDERLY, KeyPopulationKind.CHILD):
            continue
        if recorded.get(kind.value) or kind in (KeyPopulationKind.HYPERTENSION, KeyPopulationKind.DIABETES):
            out.append({"kind": kind.value, "label": kind.label, "n": recorded.get(kind.value, 0)})
    return out, derived["total"]


def _living(residents):
    return residents.filter(is_active=True, deceased_on__isnull=True)


def _sysadmin(user, today) -> dict:
    from jiayi.registry.models import Household, Institution, Region, Resident
    from jiayi.teams.models import Practitioner, Team

    now = timezone.now()
    users = User.objects.aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        locked=Count("pk", filter=Q(locked_until__gt=now)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    return {
        "users": users,
        "counts": {
            "regions": Region.objects.count(),
            "institutions": Institution.objects.filter(is_active=True).count(),
            "residents": _living(Resident.objects.all()).count(),
            "households": Household.objects.count(),
            "teams": Team.objects.filter(is_active=True).count(),
            "practitioners": Practitioner.objects.filter(is_active=True).count(),
        },
        "recent_events": decorate(queries.recent_audit_events(user, 10)),
    }


def _region(user, today) -> dict:
    from jiayi.registry.models import PRIMARY_KINDS, Household, Institution, Resident
    from jiayi.teams.models import Practitioner, Profession, Team
    from jiayi.teams.workforce import TARGET_2030, workforce_report

    institutions = Institution.objects.visible_to(user).filter(is_active=True)
    inst = institutions.aggregate(
        total=Count("pk"),
        primary=Count("pk", filter=Q(kind__in=PRIMARY_KINDS)),
    )
    staff = Practitioner.objects.visible_to(user).filter(is_active=True).distinct()
    report = workforce_report(user, root=user.region)
    return {
        "region": user.region,
        "counts": {
            "residents": _living(Resident.objects.visible_to(user)).count(),
            "households": Household.objects.visible_to(user).count(),
            "institutions": inst["total"],
            "primary_institutions": inst["primary"],
            "teams": Team.objects.visible_to(user).filter(is_active=True).count(),
            "practitioners": staff.count(),
            "gps": staff.filter(profession=Profession.GENERAL_PRACTICE).count(),
        },
        "workforce": report,
        "gp_target": TARGET_2030,
        "can_view_audit": has_perm(user, "core.view_audit"),
    }


def _institution(user, today) -> dict:
    from jiayi.registry.models import Household, Resident
    from jiayi.teams.queries import institution_doctor_capacities, team_capacity_summary, teams_for

    inst = user.institution
    residents = _living(Resident.objects.visible_to(user))
    teams = list(teams_for(user).filter(is_active=True).order_by("name"))
    caps = team_capacity_summary(teams)
    for t in teams:
        t.capacity = caps.get(t.pk)
    return {
        "institution": inst,
        "counts": {
            "residents": residents.count(),
            "unassigned": residents.filter(team__isnull=True).count(),
            "households": Household.objects.visible_to(user).count(),
            "teams": len(teams),
            "teams_without_tcm": sum(1 for t in teams if not t.has_tcm),
        },
        "teams": teams,
        "doctors": institution_doctor_capacities(inst),
    }


def _team(user, today) -> dict:
    from jiayi.registry.models import Resident
    from jiayi.teams.models import Team
    from jiayi.teams.queries import team_doctor_capacities, with_tcm_flag

    team = with_tcm_flag(Team.objects.filter(pk=user.team_id)).select_related("institution", "leader").first()
    residents = _living(Resident.objects.filter(team_id=user.team_id))
    kp, total = key_population_counts(residents, today)
    return {
        "team": team,
        "resident_count": total,
        "key_populations": kp,
        "doctors": team_doctor_capacities(team),
    }


def _referral(user, today) -> dict:
    from jiayi.teams.models import Practitioner

    hospital = user.institution
    staff = Practitioner.objects.filter(institution=hospital, is_active=True)
    departments = list(
        staff.exclude(department="")
        .order_by()
        .values_list("department")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    seconded = (
        Practitioner.objects.filter(home_institution=hospital, is_active=True, memberships__is_active=True)
        .distinct()
        .count()
    )
    return {
        "hospital": hospital,
        "staff_count": staff.count(),
        "departments": departments[:12],
        "seconded": seconded,
    }


def _resident(user, today) -> dict:
    from jiayi.registry.models import Resident
    from jiayi.registry.queries import key_population_labels, key_populations_of

    me = (
        Resident.objects.select_related(
            "household", "household__head", "team", "team__institution", "responsible_doctor", "institution"
        )
        .filter(pk=user.resident_id)
        .first()
    )
    members = []
    if me.household_id and me.household.head_id == me.pk:
        # The head of household acts for the household (R-RES-3) and so sees its members.
        members = list(me.household.members.exclude(pk=me.pk).order_by("name"))
    return {
        "me": me,
        "members": members,
        "key_populations": key_population_labels(key_populations_of(me, today)),
    }


_BUILDERS = {
    Role.SYSADMIN: ("core/home_sysadmin.html", _sysadmin),
    Role.COMMISSION: ("core/home_region.html", _region),
    Role.FINANCE: ("core/home_region.html", _region),
    Role.INSTITUTION_ADMIN: ("core/home_institution.html", _institution),
    Role.TEAM_LEADER: ("core/home_team.html", _team),
    Role.DOCTOR: ("core/home_team.html", _team),
    Role.TEAM_MEMBER: ("core/home_team.html", _team),
    Role.REFERRAL_DESK: ("core/home_referral.html", _referral),
    Role.RESIDENT: ("core/home_resident.html", _resident),
}


def home_context(user) -> tuple[str, dict]:
    role = role_of(user)
    today = timezone.localdate()
    # A login whose role lacks its scope object sees nothing but a hint (scope_for gives NO_SCOPE).
    if role != Role.SYSADMIN and user.scope.kind == "none":
        return "core/home_none.html", {"role": role}
    template, build = _BUILDERS[role]
    context = build(user, today)
    context.update({"role": role, "today": today})
    return template, context
