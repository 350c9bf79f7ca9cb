"""Key-population records, functional communities and population baselines of the demo district."""

import datetime as dt
from dataclasses import dataclass

from jiayi.registry.models import (
    ALL_POPULATION,
    CommunityMembership,
    FunctionalCommunity,
    KeyPopulationRecord,
    PopulationBaseline,
)
from jiayi.registry.models import (
    KeyPopulationKind as K,
)
from jiayi.registry.models import (
    KeyPopulationSource as S,
)

from . import people, seed

# Prevalence by age band (lower bound of band -> share), chosen so that about 18 % of adults aged
# 35+ have hypertension and 7 % type-2 diabetes, the levels of a Chongqing district's registers.
HYPERTENSION = [(35, 0.05), (45, 0.12), (55, 0.22), (65, 0.30)]
DIABETES = [(35, 0.02), (45, 0.05), (55, 0.085), (65, 0.11)]
DISABLED = [(0, 0.015), (18, 0.03), (60, 0.07)]
SEVERE_MENTAL = 0.004
TUBERCULOSIS = 0.0005
PREGNANT = 0.01  # of women aged 20-40
POVERTY_ALLEVIATED = 0.05  # of rural households (and so of rural people)
# About 1 % of rural households: "a few per village" of some 300 households.
MONITORED_SHARE = 0.01
MONITORED = [K.MONITORED_UNSTABLE, K.MONITORED_EDGE, K.MONITORED_HARDSHIP]

# Shares of the whole population, for baselines consistent with the generated data.
BASELINE_SHARES = {
    K.ELDERLY: 0.20,
    K.CHILD: 0.07,
    K.HYPERTENSION: 0.112,
    K.DIABETES: 0.043,
    K.DISABLED: 0.039,
    K.PREGNANT: 0.0012,
    K.SEVERE_MENTAL: SEVERE_MENTAL,
    K.TUBERCULOSIS: TUBERCULOSIS,
}


@dataclass
class Counts:
    records: int = 0


def _rate(bands, age: int) -> float:
    rate = 0.0
    for low, share in bands:
        if age >= low:
            rate = share
    return rate


def _since(rng, ref: dt.date, earliest: dt.date, years_back: int) -> dt.date:
    start = max(earliest, dt.date(ref.year - years_back, 1, 1))
    days = (ref - start).days
    return start + dt.timedelta(days=rng.randint(0, max(0, days - 1)))


def key_populations(ctx, rng, village, plans, households, residents, counts: Counts) -> None:
    """Records for one village's residents; `residents` are saved and in plan order."""
    ref, records = ctx.ref, []

    def add(resident, kind, source, valid_from, valid_to=None, note=""):
        records.append(
            KeyPopulationRecord(
                resident=resident,
                kind=kind,
                source=source,
                valid_from=valid_from,
                valid_to=valid_to,
                note=note,
                county_code=resident.county_code,
                region_code=resident.region_code,
            )
        )

    rural = not village.is_urban
    it = iter(residents)
    for plan in plans:
        members = [next(it) for _ in plan.members]
        poor = rural and rng.random() < POVERTY_ALLEVIATED
        kind = rng.choice(MONITORED) if rural and rng.random() < MONITORED_SHARE else None
        for r in members:
            age = r.age_on(ref)
            adult_from = max(r.birth_date + dt.timedelta(days=365 * 18), dt.date(2000, 1, 1))
            if rng.random() < _rate(HYPERTENSION, age):
                add(
                    r,
                    K.HYPERTENSION,
                    S.PUBLIC_HEALTH if rng.random() < 0.8 else S.HIS,
                    _since(rng, ref, adult_from, 15),
                )
            if rng.random() < _rate(DIABETES, age):
                add(
                    r,
                    K.DIABETES,
                    S.PUBLIC_HEALTH if rng.random() < 0.8 else S.HIS,
                    _since(rng, ref, adult_from, 12),
                )
            if rng.random() < _rate(DISABLED, age):
                add(r, K.DISABLED, S.DISABLED_FEDERATION, _since(rng, ref, r.birth_date, 20))
            if age >= 12 and rng.random() < SEVERE_MENTAL:
                add(r, K.SEVERE_MENTAL, S.PUBLIC_HEALTH, _since(rng, ref, adult_from, 10))
            if rng.random() < TUBERCULOSIS:
                start = ref - dt.timedelta(days=rng.randint(10, 170))
                add(r, K.TUBERCULOSIS, S.HIS, start, start + dt.timedelta(days=180))
            if r.sex == "F" and 20 <= age <= 40 and rng.random() < PREGNANT:
                # Pregnancy plus the 42-day postpartum period.
                start = ref - dt.timedelta(days=rng.randint(20, 250))
                add(r, K.PREGNANT, S.PUBLIC_HEALTH, start, start + dt.timedelta(days=322))
            if poor:
                add(
                    r,
                    K.POVERTY_ALLEVIATED,
                    S.CIVIL_AFFAIRS,
                    dt.date(rng.randint(2016, 2020), 12, 31),
                    note="建档立卡脱贫户",
                )
            if kind:
                add(r, kind, S.CIVIL_AFFAIRS, _since(rng, ref, dt.date(2021, 1, 1), 3), note="防返贫监测对象")
    KeyPopulationRecord.objects.bulk_create(records, batch_size=2000)
    counts.records += len(records)


def functional_communities(rng, ctx, township, centre, villages, people_ages) -> None:
    """A school, a nursing home, an enterprise and an agency per street, with members."""
    by_age = {"学生": [], "入住老人": [], "职工": []}
    for pk, age in people_ages:
        if 7 <= age <= 15:
            by_age["学生"].append(pk)
        elif age >= 70:
            by_age["入住老人"].append(pk)
        elif 20 <= age < 60:
            by_age["职工"].append(pk)
    used: set[int] = set()
    memberships = []
    for kind, pattern, base, role in seed.COMMUNITY_TEMPLATES:
        name = pattern.format(
            street=township.name, brand=rng.choice(seed.BRANDS), agency=rng.choice(seed.AGENCIES)
        )
        region = rng.choice(villages)
        community = FunctionalCommunity.objects.create(
            name=name,
            kind=kind,
            region=region,
            institution=centre,
            address=f"重庆市黔江区{township.name}{region.name}{rng.choice(seed.ROAD_NAMES)}{rng.randint(1, 300)}号",
            contact_name=people.surname(rng) + rng.choice(["老师", "主任", "经理"]),
            contact_phone=f"023-79{rng.randint(22, 29)}{rng.randrange(10000):04d}",
            county_code=seed.COUNTY6,
            region_code=region.code,
        )
        pool = by_age["职工" if role == "干部职工" else role]
        pool = [pk for pk in pool if pk not in used]
        size = min(len(pool), max(3, round(base * ctx.scale)))
        for pk in rng.sample(pool, size):
            used.add(pk)
            memberships.append(
                CommunityMembership(
                    community=community,
                    resident_id=pk,
                    role=role,
                    joined_on=ctx.ref - dt.timedelta(days=rng.randint(30, 3000)),
                )
            )
    CommunityMembership.objects.bulk_create(memberships, batch_size=2000)


def baselines(centre, full_population: int, year: int, *, rural: bool) -> None:
    """Official counts (not scaled): the seed's resident population and consistent key-population counts."""
    rows = []
    for y, pop in ((year, full_population), (year - 1, round(full_population * 1.004))):
        rows.append(
            PopulationBaseline(
                institution=centre,
                year=y,
                population=ALL_POPULATION,
                count=pop,
                source=seed.SEED_SOURCE,
                county_code=centre.county_code,
            )
        )
        shares = dict(BASELINE_SHARES)
        if rural:
            shares[K.POVERTY_ALLEVIATED] = POVERTY_ALLEVIATED * 0.85
        for kind, share in shares.items():
            rows.append(
                PopulationBaseline(
                    institution=centre,
                    year=y,
                    population=kind,
                    count=round(pop * share),
                    source="基本公共卫生服务年报",
                    county_code=centre.county_code,
                )
            )
    PopulationBaseline.objects.bulk_create(rows)
