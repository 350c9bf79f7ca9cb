"""Build the demo district: regions, institutions, teams, residents, key populations, logins.

Writes go straight to the models with bulk_create (the services do one object at a time, which
is too slow for half a million residents), so this module does by hand what `save()` and the
services would: derived county/region codes, and sensitive fields only through the registry's
setters. Generation and insertion run village by village, so memory stays flat at any scale.
"""

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import reset_queries, transaction
from django.db.models import OuterRef, Subquery

from jiayi.registry.fields import set_national_id, set_phone
from jiayi.registry.models import (
    Household,
    Institution,
    InstitutionKind,
    InstitutionLevel,
    MedicalAlliance,
    Region,
    RegionLevel,
    Resident,
)

from . import fulfil, people, population, seed, staff
from .logins import create_logins

BATCH = 2000


@dataclass
class Context:
    scale: float
    seed: int
    ref: dt.date
    ids: people.IdAllocator
    counter: staff.StaffCounter
    progress: object = None
    used_names: set[str] = field(default_factory=set)

    def say(self, msg: str) -> None:
        if self.progress:
            self.progress(msg)


def demo_exists() -> bool:
    return Institution.objects.filter(code=seed.MARKER_INSTITUTION).exists()


def build_district(*, scale: float = 0.02, seed_value: int = 2024, progress=None) -> dict:
    """Build the district unless it exists; return the summary (with `created` and `seconds`)."""
    started = time.perf_counter()
    if demo_exists():
        if not fulfil.contracts_exist():
            # A district built before contracts existed: add them, leave the people alone.
            fulfil.build_contracts(seed_value=seed_value, say=progress)
        return summary(created=False, seconds=time.perf_counter() - started)
    ref = people.reference_date()
    ctx = Context(
        scale=scale,
        seed=seed_value,
        ref=ref,
        ids=people.IdAllocator(seed.COUNTY6),
        counter=staff.StaffCounter(),
        progress=progress,
    )
    with transaction.atomic():
        county = _top_regions()
        townships = _townships(county)
        alliance, _ = MedicalAlliance.objects.get_or_create(
            name=seed.ALLIANCE_NAME,
            defaults={"kind": "county", "region": county, "county_code": seed.COUNTY6},
        )
        hospitals = _hospitals(townships, alliance)
        for i, row in enumerate(seed.PRIMARY):
            rng = random.Random(f"{seed_value}:{row[0]}")
            _build_primary(ctx, rng, row, townships[row[0]], alliance, hospitals)
            ctx.say(f"[{i + 1}/{len(seed.PRIMARY)}] {row[2]}")
        logins = create_logins(random.Random(f"{seed_value}:logins"))
    fulfil.build_contracts(seed_value=seed_value, say=progress)
    return summary(created=True, seconds=time.perf_counter() - started, logins=logins)


def _top_regions() -> Region:
    province, _ = Region.objects.get_or_create(
        code=seed.PROVINCE[0],
        defaults={"name": seed.PROVINCE[1], "level": RegionLevel.PROVINCE, "is_urban": True},
    )
    county, _ = Region.objects.get_or_create(
        code=seed.COUNTY[0],
        defaults={"name": seed.COUNTY[1], "level": RegionLevel.COUNTY, "parent": province},
    )
    return county


def _townships(county: Region) -> dict[str, Region]:
    objs = [
        Region(
            code=f"{seed.COUNTY6}{suffix}000",
            name=name,
            level=RegionLevel.TOWNSHIP,
            parent=county,
            county_code=seed.COUNTY6,
            is_urban=suffix.startswith("0"),
        )
        for suffix, name, _inst, _pop in seed.PRIMARY
    ]
    Region.objects.bulk_create(objs)
    return {r.code[6:9]: r for r in objs}


def _hospitals(townships: dict[str, Region], alliance: MedicalAlliance) -> list[Institution]:
    objs = []
    for code, name, kind, suffix in seed.HOSPITALS:
        region = townships[suffix]
        objs.append(
            Institution(
                code=code,
                name=name,
                kind=kind,
                level=InstitutionLevel.TERTIARY
                if kind == InstitutionKind.TERTIARY_HOSPITAL
                else InstitutionLevel.SECONDARY,
                region=region,
                alliance=alliance,
                address=f"重庆市黔江区{region.name}",
                phone=f"023-7922{len(objs) + 1:04d}",
                region_code=region.code,
                county_code=region.county_code,
            )
        )
    Institution.objects.bulk_create(objs)
    return objs


def _street_communities(rng, township: Region, n: int, used: set[str]) -> list[str]:
    """The street's own community first, then names no other street has taken (a district has
    one 新华社区, not six) and that do not name another township."""
    stems = {name[:-2] for _s, name, _i, _p in seed.PRIMARY}
    own = township.name[:-2] + "社区"
    pool = [c for c in seed.COMMUNITY_NAMES if c not in used and c != own and c[:2] not in stems]
    names = [own] + rng.sample(pool, n - 1)
    used.update(names)
    return names


def _villages(rng, township: Region, population: int, used: set[str]) -> list[Region]:
    """Communities of a street (codes 001…), or a town's seat community plus villages (201…)."""
    street = township.is_urban
    if street:
        n = max(4, min(10, round(population / 12000) + 3))
        specs = [
            (f"{i:03d}", name, True) for i, name in enumerate(_street_communities(rng, township, n, used), 1)
        ]
    else:
        n = max(5, min(15, round(population / 1000)))
        seat = township.name[:-1] + "社区"
        specs = [("001", seat, True)] + [
            (f"{200 + i:03d}", name, False) for i, name in enumerate(rng.sample(seed.VILLAGE_NAMES, n - 1), 1)
        ]
    objs = [
        Region(
            code=township.code[:9] + c,
            name=name,
            level=RegionLevel.VILLAGE,
            parent=township,
            county_code=seed.COUNTY6,
            is_urban=urban,
        )
        for c, name, urban in specs
    ]
    Region.objects.bulk_create(objs)
    return objs


def _institutions(township: Region, name: str, alliance, villages: list[Region]):
    suffix = township.code[6:9]
    kind = InstitutionKind.CHC if township.is_urban else InstitutionKind.THC
    centre = Institution(
        code=f"QJ{suffix}00",
        name=name,
        kind=kind,
        level=InstitutionLevel.PRIMARY,
        region=township,
        alliance=alliance,
        address=f"重庆市黔江区{township.name}",
        phone=f"023-7923{int(suffix):04d}",
        region_code=township.code,
        county_code=seed.COUNTY6,
    )
    centre.save()
    clinics = {}
    for v in villages:
        if not township.is_urban and v.is_urban:
            continue  # the town's seat is served by the health centre itself
        if v.is_urban:
            kind, cname, level = InstitutionKind.CHS, f"{v.name}卫生服务站", InstitutionLevel.PRIMARY
        else:
            kind, cname, level = (
                InstitutionKind.VILLAGE_CLINIC,
                f"{township.name}{v.name}卫生室",
                InstitutionLevel.VILLAGE,
            )
        clinics[v.pk] = Institution(
            code=f"QJ{suffix}{v.code[9:]}",
            name=cname,
            kind=kind,
            level=level,
            region=v,
            parent=centre,
            alliance=alliance,
            address=f"重庆市黔江区{township.name}{v.name}",
            region_code=v.code,
            county_code=seed.COUNTY6,
        )
    Institution.objects.bulk_create(list(clinics.values()))
    return centre, clinics


def _village_sizes(rng, villages: list[Region], target: int) -> dict[int, int]:
    # Seat communities and street communities are larger than hill villages.
    weights = [rng.uniform(1.5, 3.0) if v.is_urban else rng.uniform(0.5, 1.5) for v in villages]
    total = sum(weights)
    return {v.pk: round(target * w / total) for v, w in zip(villages, weights, strict=True)}


def _build_primary(ctx: Context, rng, row, township: Region, alliance, hospitals) -> None:
    _suffix, _tname, inst_name, full_population = row
    target = round(full_population * ctx.scale)
    villages = _villages(rng, township, full_population, ctx.used_names)
    centre, clinics = _institutions(township, inst_name, alliance, villages)
    sizes = _village_sizes(rng, villages, target)
    groups = staff.split_villages(rng, villages, sizes, staff.team_count(target))
    plans = staff.plan_teams(
        rng, ctx.counter, ctx.ref, centre=centre, clinics=clinics, village_groups=groups, hospitals=hospitals
    )
    staff.save_teams(plans, since=dt.date(ctx.ref.year - 1, 1, 1))
    teams_of = {}
    for plan in plans:
        for v in plan.villages:
            teams_of.setdefault(v.pk, []).append(plan.team)
    street_people = []  # (pk, age) of a street's people, for its functional communities
    counts = population.Counts()
    for v in villages:
        ages = _build_village(ctx, rng, v, township, centre, teams_of[v.pk], sizes[v.pk], counts)
        if township.is_urban:
            street_people += ages
        reset_queries()  # with DEBUG on, the log of big INSERTs would grow with the district
    if township.is_urban:
        population.functional_communities(rng, ctx, township, centre, villages, street_people)
    population.baselines(centre, full_population, ctx.ref.year, rural=not township.is_urban)


def _address(rng, village: Region, township: Region) -> str:
    if village.is_urban:
        road = rng.choice(seed.ROAD_NAMES)
        return f"重庆市黔江区{township.name}{village.name}{road}{rng.randint(1, 399)}号{rng.randint(1, 12)}-{rng.randint(1, 30)}-{rng.randint(1, 4)}"
    return f"重庆市黔江区{township.name}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 150)}号"


def _build_village(ctx, rng, village, township, centre, teams, target, counts) -> list[tuple[int, int]]:
    """Households and residents of one village, then their key-population records."""
    plans, n = [], 0
    while n < target:
        plan = people.plan_household(rng, ctx.ref, rural=not village.is_urban)
        plan.members = plan.members[: target - n]
        people.assign_ids(plan, ctx.ids)
        plans.append(plan)
        n += len(plan.members)
    if not plans:
        return []
    households = [
        Household(
            code=f"{village.code}{i:05d}",
            address=_address(rng, village, township),
            region=village,
            institution=centre,
            team=teams[i % len(teams)],
            region_code=village.code,
            county_code=seed.COUNTY6,
        )
        for i, _plan in enumerate(plans, 1)
    ]
    Household.objects.bulk_create(households, batch_size=BATCH)
    residents = []
    for hh, plan in zip(households, plans, strict=True):
        for p in plan.members:
            r = Resident(
                name=p.name,
                address=hh.address,
                region=village,
                institution=centre,
                team=hh.team,
                household=hh,
                relation=p.relation,
                residence_status=p.residence_status,
                insurance_type=p.insurance_type,
                region_code=village.code,
                county_code=seed.COUNTY6,
            )
            set_national_id(r, p.national_id)
            if p.phone:
                set_phone(r, p.phone)
            residents.append(r)
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    head = Resident.objects.filter(household_id=OuterRef("pk"), relation="head").values("pk")[:1]
    Household.objects.filter(region=village).update(head_id=Subquery(head))
    population.key_populations(ctx, rng, village, plans, households, residents, counts)
    return [(r.pk, r.age_on(ctx.ref)) for r in residents]


def summary(*, created: bool, seconds: float, logins=None) -> dict:
    from jiayi.registry.models import KeyPopulationRecord
    from jiayi.teams.models import Practitioner, Team

    from .logins import login_rows

    c = seed.COUNTY6
    return {
        "created": created,
        "regions": Region.objects.filter(county_code=c).count(),
        "institutions": Institution.objects.filter(county_code=c).count(),
        "residents": Resident.objects.filter(county_code=c).count(),
        "households": Household.objects.filter(county_code=c).count(),
        "teams": Team.objects.filter(county_code=c).count(),
        "practitioners": Practitioner.objects.filter(county_code=c).count(),
        "key_population_records": KeyPopulationRecord.objects.filter(county_code=c).count(),
        **fulfil.contract_stats(),
        "seconds": round(seconds, 1),
        "logins": logins if logins is not None else login_rows(),
    }
