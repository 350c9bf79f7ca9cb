"""Practitioners and family doctor teams of one primary institution (bulk, against the models)."""

import datetime as dt
import random
from dataclasses import dataclass, field

from jiayi.registry.models import Institution, Region
from jiayi.teams.models import Practitioner, Profession, Team, TeamMembership, TeamRole, Title

from . import people
from .seed import SPECIALTIES

RESIDENTS_PER_TEAM = 2500


@dataclass
class StaffCounter:
    """Licence numbers are unique across the district; one counter per build keeps them so."""

    next_no: int = 1

    def licence(self, profession: str, year: int) -> str:
        n, self.next_no = self.next_no, self.next_no + 1
        if profession == Profession.NURSE:
            return f"{year}50{n:08d}"
        if profession == Profession.VILLAGE_DOCTOR:
            return f"5001141{year % 100:02d}{n:06d}"
        if profession == Profession.PHARMACIST:
            return f"YS500114{n:07d}"
        if profession == Profession.HEALTH_MANAGER:
            return ""
        return f"1{'4' if profession == Profession.TCM else '1'}0500114{n:06d}"


@dataclass
class TeamPlan:
    team: Team
    villages: list[Region]
    members: list[tuple[Practitioner, str]] = field(default_factory=list)


def team_count(population_scaled: float) -> int:
    return max(2, round(population_scaled / RESIDENTS_PER_TEAM))


def split_villages(rng, villages: list[Region], sizes: dict[int, int], n_teams: int) -> list[list[Region]]:
    """Village sets per team: neighbouring villages grouped by population, or, when there are more
    teams than villages (big urban communities), several teams sharing a community."""
    if n_teams <= len(villages):
        total = sum(sizes[v.pk] for v in villages) or 1
        groups, current, acc = [], [], 0
        for i, v in enumerate(villages):
            current.append(v)
            acc += sizes[v.pk]
            remaining_villages = len(villages) - i - 1
            remaining_teams = n_teams - len(groups) - 1
            if remaining_teams and (
                acc >= total * (len(groups) + 1) / n_teams or remaining_villages == remaining_teams
            ):
                groups.append(current)
                current = []
        groups.append(current)
        return groups
    # More teams than villages: each village gets teams in proportion to its people (at least one).
    groups = [[v] for v in villages]
    extra = n_teams - len(villages)
    by_size = sorted(villages, key=lambda v: -sizes[v.pk])
    for i in range(extra):
        groups.append([by_size[i % len(by_size)]])
    return groups


def _practitioner(rng, counter, ref, *, profession, institution, title, department, home=None, tcm=False):
    sex = "F" if profession == Profession.NURSE and rng.random() < 0.92 else rng.choice("MF")
    age = rng.randint(26, 58)
    birth_year = ref.year - age
    name = people.surname(rng) + people.given_name(rng, sex, birth_year)
    return Practitioner(
        name=name,
        licence_no=counter.licence(profession, ref.year - rng.randint(1, min(30, age - 23))) or None,
        title=title,
        profession=profession,
        department=department,
        institution=institution,
        home_institution=home,
        phone=people.mobile(rng),
        is_retired=profession == Profession.VILLAGE_DOCTOR and rng.random() < 0.15,
        tcm_capable=tcm or profession == Profession.TCM,
        county_code=institution.county_code,
    )


def plan_teams(
    rng: random.Random,
    counter: StaffCounter,
    ref: dt.date,
    *,
    centre: Institution,
    clinics: dict[int, Institution],
    village_groups: list[list[Region]],
    hospitals: list[Institution],
) -> list[TeamPlan]:
    """Unsaved teams with their members; `clinics` maps a village id to its clinic or station."""
    rural = centre.kind == "thc"
    plans = []
    for n, villages in enumerate(village_groups, 1):
        clinic = next(
            (clinics[v.pk] for v in villages if v.pk in clinics and clinics[v.pk].kind == "village_clinic"),
            None,
        )
        members: list[tuple[Practitioner, str]] = []

        def add(role, profession, title, department, *, at=None, home=None, tcm=False):
            p = _practitioner(
                rng,
                counter,
                ref,
                profession=profession,
                institution=at or centre,
                title=title,
                department=department,
                home=home,
                tcm=tcm,
            )
            members.append((p, role))  # noqa: B023 - called only within this iteration
            return p

        doctor_titles = [Title.RESIDENT, Title.ATTENDING, Title.ATTENDING, Title.ASSOCIATE_CHIEF]
        if rural and clinic is not None and n > 1 and rng.random() < 0.3:
            add(TeamRole.LEADER, Profession.VILLAGE_DOCTOR, Title.VILLAGE, "村卫生室", at=clinic)
        else:
            add(TeamRole.LEADER, Profession.GENERAL_PRACTICE, rng.choice(doctor_titles), "全科医学科")
        for _ in range(rng.randint(1, 2)):
            if rural and clinic is not None and rng.random() < 0.6:
                add(TeamRole.FAMILY_DOCTOR, Profession.VILLAGE_DOCTOR, Title.VILLAGE, "村卫生室", at=clinic)
            else:
                prof = rng.choice(
                    [
                        Profession.GENERAL_PRACTICE,
                        Profession.GENERAL_PRACTICE,
                        Profession.OTHER_CLINICAL,
                        Profession.TCM,
                    ]
                )
                dept = {Profession.TCM: "中医科", Profession.OTHER_CLINICAL: "内科"}.get(prof, "全科医学科")
                add(TeamRole.FAMILY_DOCTOR, prof, rng.choice(doctor_titles[:3]), dept)
        add(
            TeamRole.NURSE,
            Profession.NURSE,
            rng.choice([Title.NURSE, Title.NURSE, Title.SENIOR_NURSE]),
            "护理部",
        )
        add(TeamRole.PUBLIC_HEALTH, Profession.PUBLIC_HEALTH, rng.choice(doctor_titles[:2]), "公共卫生科")
        if rng.random() < 0.3:
            add(TeamRole.HEALTH_MANAGER, Profession.HEALTH_MANAGER, Title.NONE, "健康管理科")
        if rng.random() < 0.2:
            add(TeamRole.PHARMACIST, Profession.PHARMACIST, Title.PHARMACIST, "药剂科")
        if rng.random() < 0.3 and hospitals:
            home = rng.choice(hospitals)
            add(
                TeamRole.SPECIALIST,
                Profession.SPECIALIST,
                rng.choice([Title.ASSOCIATE_CHIEF, Title.CHIEF]),
                rng.choice(SPECIALTIES),
                home=home,
            )
        # About three teams in four can offer TCM: a TCM doctor, or a GP trained in TCM techniques.
        doctors = [p for p, role in members if role in (TeamRole.LEADER, TeamRole.FAMILY_DOCTOR)]
        if rng.random() < 0.75 and not any(p.tcm_capable for p in doctors):
            rng.choice(doctors).tcm_capable = True
        elif not any(p.profession == Profession.TCM for p in doctors):
            for p in doctors:
                p.tcm_capable = False
        leader = members[0][0]
        team = Team(
            name=f"{leader.name}家庭医生团队",
            institution=centre,
            phone=f"023-79{rng.randint(22, 29)}{rng.randrange(10000):04d}",
            county_code=centre.county_code,
        )
        plans.append(TeamPlan(team=team, villages=villages, members=members))
    return plans


def save_teams(plans: list[TeamPlan], since: dt.date) -> None:
    practitioners = [p for plan in plans for p, _role in plan.members]
    Practitioner.objects.bulk_create(practitioners, batch_size=500)
    for plan in plans:
        plan.team.leader = plan.members[0][0]
    Team.objects.bulk_create([plan.team for plan in plans], batch_size=500)
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(team=plan.team, practitioner=p, role=role, since=since)
            for plan in plans
            for p, role in plan.members
        ],
        batch_size=1000,
    )
    Through = Team.villages.through
    Through.objects.bulk_create(
        [Through(team_id=plan.team.pk, region_id=v.pk) for plan in plans for v in plan.villages],
        batch_size=1000,
    )
