"""Synthetic people: names, ages, households, IDs and phones (pure Python, no database).

Everything draws from a `random.Random` the caller seeds, so a seed always gives the same people.
"""

import bisect
import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from jiayi.core import nationalid

from .names import GIVEN, MOBILE_PREFIXES, SURNAMES

_SURNAME_LIST = list(SURNAMES)
_SURNAME_CUM = list(itertools.accumulate(SURNAMES.values()))


@dataclass
class Person:
    name: str
    sex: str
    birth: dt.date
    relation: str
    phone: str = ""
    residence_status: str = "resident"
    insurance_type: str = "urban_rural"
    national_id: str = ""

    def age_on(self, on: dt.date) -> int:
        b = self.birth
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


@dataclass
class HouseholdPlan:
    members: list[Person] = field(default_factory=list)
    surname: str = ""


def reference_date(today: dt.date | None = None) -> dt.date:
    """Ages are drawn against 1 January of the current year, so a seed gives the same people all year."""
    today = today or dt.date.today()
    return dt.date(today.year, 1, 1)


def surname(rng: random.Random) -> str:
    return _SURNAME_LIST[bisect.bisect_right(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    era = "old" if birth_year < 1966 else "mid" if birth_year < 1995 else "young"
    pool = GIVEN[(sex, era)]
    name = rng.choice(pool)
    # A generation character or a second pick turns a one-character name into two now and then.
    if len(name) == 1 and rng.random() < 0.35:
        name = rng.choice(["小", "德", "春", "玉", "建", "国", "家", "思"]) + name
    return name


def birth_for_age(rng: random.Random, age: int, ref: dt.date) -> dt.date:
    # Someone `age` years old on `ref` was born within the year before ref - age years.
    end = dt.date(ref.year - age, ref.month, ref.day)
    return end - dt.timedelta(days=rng.randint(1, 365))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _person(rng, ref, *, family, sex, age, relation) -> Person:
    age = max(0, min(age, 104))
    birth = birth_for_age(rng, age, ref)
    return Person(name=family + given_name(rng, sex, birth.year), sex=sex, birth=birth, relation=relation)


def _other_sex(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _family_name(rng, sex: str, relation: str, family: str, head_fam: str) -> str:
    if relation == "parent" and sex == "M":
        return head_fam  # the head's father
    if relation in ("child", "grandchild"):
        return family
    return surname(rng)  # wives, mothers and in-laws keep their own surname


# Household types with weights, tuned so the people come out near a Chongqing district's pyramid
# (about 20 % aged 65+, 6 % aged 0-6, many empty nests and left-behind grandchildren).
_TYPES = [
    ("elderly_single", 10),
    ("elderly_couple", 14),
    ("left_behind", 6),
    ("young_family", 16),
    ("middle_family", 28),
    ("three_generation", 11),
    ("single_adult", 9),
    ("empty_nest", 7),
]
_TYPE_NAMES = [t for t, _w in _TYPES]
_TYPE_CUM = list(itertools.accumulate(w for _t, w in _TYPES))


def plan_household(rng: random.Random, ref: dt.date, *, rural: bool) -> HouseholdPlan:
    """One household of 1-6 people, head first, with consistent relations and ages."""
    kind = _TYPE_NAMES[bisect.bisect_right(_TYPE_CUM, rng.random() * _TYPE_CUM[-1])]
    family = surname(rng)
    head_sex = "M" if rng.random() < 0.72 else "F"
    # `family` is the husband's line, which children take; a woman heading the household keeps her own.
    head_fam = family if head_sex == "M" else surname(rng)
    members: list[Person] = []

    def add(sex, age, relation, fam=None):
        members.append(
            _person(
                rng,
                ref,
                family=fam or _family_name(rng, sex, relation, family, head_fam),
                sex=sex,
                age=age,
                relation=relation,
            )
        )

    def add_spouse(head_age):
        add(
            _other_sex(head_sex),
            head_age + rng.randint(-5, 3),
            "spouse",
            fam=family if head_sex == "F" else None,
        )

    def add_children(head_age, n, low, high):
        for _ in range(n):
            age = rng.randint(max(0, head_age - high), max(0, head_age - low))
            add(rng.choice("MF"), age, "child", fam=family)

    if kind == "elderly_single":
        head_age = rng.randint(65, 96)
        add(head_sex, head_age, "head", fam=head_fam)
    elif kind == "elderly_couple":
        head_age = rng.randint(65, 90)
        add(head_sex, head_age, "head", fam=head_fam)
        add_spouse(head_age)
    elif kind == "left_behind":
        head_age = rng.randint(58, 82)
        add(head_sex, head_age, "head", fam=head_fam)
        if rng.random() < 0.75:
            add_spouse(head_age)
        for _ in range(rng.randint(1, 2)):
            add(rng.choice("MF"), rng.randint(2, 15), "grandchild", fam=family)
    elif kind == "young_family":
        head_age = rng.randint(26, 44)
        add(head_sex, head_age, "head", fam=head_fam)
        add_spouse(head_age)
        add_children(head_age, rng.choice([0, 0, 1, 1, 1, 2]), 22, 38)
        if rng.random() < 0.3:
            add("F" if rng.random() < 0.6 else "M", head_age + rng.randint(24, 32), "parent")
    elif kind == "middle_family":
        head_age = rng.randint(40, 60)
        add(head_sex, head_age, "head", fam=head_fam)
        if rng.random() < 0.88:
            add_spouse(head_age)
        add_children(head_age, rng.choice([1, 1, 2, 2, 2]), 20, 36)
        if rng.random() < 0.25 and len(members) < 6:
            add("F" if rng.random() < 0.65 else "M", head_age + rng.randint(24, 32), "parent")
    elif kind == "three_generation":
        head_age = rng.randint(50, 68)
        add(head_sex, head_age, "head", fam=head_fam)
        add_spouse(head_age)
        child_age = rng.randint(max(22, head_age - 36), head_age - 22)
        add("M", child_age, "child", fam=family)
        add("F", child_age + rng.randint(-4, 2), "child_in_law", fam=surname(rng))
        for _ in range(rng.choice([1, 1, 2])):
            add(rng.choice("MF"), rng.randint(0, max(0, min(16, child_age - 20))), "grandchild", fam=family)
    elif kind == "single_adult":
        add(head_sex, rng.randint(20, 64), "head", fam=head_fam)
    else:  # empty_nest
        head_age = rng.randint(45, 64)
        add(head_sex, head_age, "head", fam=head_fam)
        add_spouse(head_age)

    members = members[:6]
    for p in members:
        _attributes(rng, p, ref, rural=rural)
    return HouseholdPlan(members=members, surname=family)


def _attributes(rng: random.Random, p: Person, ref: dt.date, *, rural: bool) -> None:
    age = p.age_on(ref)
    if age < 14:
        has_phone = 0.0
    elif age < 18:
        has_phone = 0.3
    else:
        has_phone = 0.93 if age < 70 else 0.72 if age < 80 else 0.45
    if rng.random() < has_phone:
        p.phone = mobile(rng)
    roll = rng.random()
    if rural and 18 <= age < 50 and roll < 0.14:
        p.residence_status = "registered"  # registered here, working in the cities
    elif not rural and 18 <= age < 60 and roll < 0.06:
        p.residence_status = "floating"
    roll = rng.random()
    employee_share = (0.35 if not rural else 0.08) if 22 <= age < 60 else (0.25 if not rural else 0.04)
    if age >= 18 and roll < employee_share:
        p.insurance_type = "employee"
    elif roll > 0.99:
        p.insurance_type = "none"
    elif roll > 0.985:
        p.insurance_type = "other"


class IdAllocator:
    """Unique valid IDs: a sequence per (birth date, sex) inside a block of the 3-digit serial.

    The demo district uses serials 000-499 and import files 500-999, so rows generated for an
    import never collide with residents already in a demo database.
    """

    def __init__(self, region6: str = "500114", block: int = 0):
        self.region6 = region6
        self.base = 500 * block
        self.counters: dict[tuple[dt.date, str], int] = {}

    def allocate(self, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        while True:
            k = self.counters.get((birth, sex), 0)
            if k < 250:
                self.counters[(birth, sex)] = k + 1
                seq = self.base + 2 * k + (1 if sex == "M" else 0)
                return nationalid.make(self.region6, birth, seq, sex), birth
            birth -= dt.timedelta(days=1)  # the day is full: a neighbouring birthday keeps it plausible


def assign_ids(plan: HouseholdPlan, ids: IdAllocator) -> None:
    for p in plan.members:
        p.national_id, p.birth = ids.allocate(p.birth, p.sex)


RELATION_LABELS = {
    "head": "户主",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandchild": "孙辈",
    "child_in_law": "儿媳/女婿",
    "other": "其他",
}
STATUS_LABELS = {"resident": "常住", "registered": "户籍", "floating": "流动"}
INSURANCE_LABELS = {"employee": "城镇职工医保", "urban_rural": "城乡居民医保", "other": "其他", "none": "无"}


def iter_resident_rows(n: int, seed: int = 2024, *, region6: str = "500114", villages=None):
    """Yield `n` import-file rows (Chinese column names) in constant memory.

    `villages` is an optional list of (12-digit code, name) to spread people over; by default the
    rows name villages of an imaginary township 500114999. IDs use the import serial block, so they
    never collide with a demo district built in the same database.
    """
    rng = random.Random(f"rows:{seed}")
    ref = reference_date()
    ids = IdAllocator(region6, block=1)
    villages = villages or [
        (f"{region6}999{i:03d}", name) for i, name in enumerate(["石门村", "新建村", "桂花村", "新华社区"], 1)
    ]
    produced, hh_no = 0, 0
    while produced < n:
        hh_no += 1
        code, vname = villages[hh_no % len(villages)]
        plan = plan_household(rng, ref, rural=not vname.endswith("社区"))
        assign_ids(plan, ids)
        address = f"{vname}{rng.randint(1, 12)}组{rng.randint(1, 120)}号"
        for p in plan.members:
            if produced >= n:
                return
            produced += 1
            yield {
                "姓名": p.name,
                "身份证号": p.national_id,
                "性别": "男" if p.sex == "M" else "女",
                "出生日期": p.birth.isoformat(),
                "联系电话": p.phone,
                "现住址": address,
                "村/社区代码": code,
                "村/社区": vname,
                "户编号": f"IMP{seed % 10000:04d}{hh_no:08d}",
                "与户主关系": RELATION_LABELS[p.relation],
                "居住状态": STATUS_LABELS[p.residence_status],
                "医保类型": INSURANCE_LABELS[p.insurance_type],
            }
