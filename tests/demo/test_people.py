import datetime as dt
import random

from jiayi.core import nationalid
from jiayi.demo import iter_resident_rows
from jiayi.demo.people import IdAllocator, plan_household, reference_date

REF = dt.date(2026, 1, 1)


def test_household_plans_are_consistent_and_near_the_pyramid():
    rng = random.Random(1)
    ages = []
    for i in range(5000):
        plan = plan_household(rng, REF, rural=i % 2 == 0)
        assert 1 <= len(plan.members) <= 6
        assert [p.relation for p in plan.members].count("head") == 1
        assert plan.members[0].relation == "head"
        head = plan.members[0]
        for p in plan.members:
            assert 2 <= len(p.name) <= 3
            if p.age_on(REF) < 14:
                assert not p.phone
            if p.relation == "spouse":
                assert p.sex != head.sex
            if p.relation == "grandchild":
                assert p.age_on(REF) < head.age_on(REF) - 30
        ages += [p.age_on(REF) for p in plan.members]
    assert 0.17 <= sum(a >= 65 for a in ages) / len(ages) <= 0.23
    assert 0.05 <= sum(a <= 6 for a in ages) / len(ages) <= 0.09


def test_plans_are_deterministic():
    a = [plan_household(random.Random(5), REF, rural=True) for _ in range(3)]
    b = [plan_household(random.Random(5), REF, rural=True) for _ in range(3)]
    assert a == b


def test_id_allocator_gives_unique_ids_even_on_a_crowded_birthday():
    ids = IdAllocator("500114")
    day = dt.date(1960, 5, 17)
    out = [ids.allocate(day, "M")[0] for _ in range(300)] + [ids.allocate(day, "F")[0] for _ in range(10)]
    assert len(set(out)) == len(out)
    assert all(nationalid.is_valid(v) for v in out)
    assert nationalid.parse(out[-1]).sex == "F" and nationalid.parse(out[0]).sex == "M"
    assert nationalid.parse(out[299]).birth_date == dt.date(1960, 5, 16)  # the 251st moved a day


def test_import_rows_stream_valid_unique_ids_outside_the_demo_block():
    rows = list(iter_resident_rows(3000, seed=9))
    assert len(rows) == 3000
    assert {"姓名", "身份证号", "联系电话", "现住址", "村/社区代码", "户编号", "与户主关系"} <= set(rows[0])
    nids = [r["身份证号"] for r in rows]
    assert len(set(nids)) == len(nids)
    for r in rows[:500]:
        parsed = nationalid.parse(r["身份证号"])
        assert int(r["身份证号"][14:17]) >= 500  # the import block never meets demo residents
        assert r["出生日期"] == parsed.birth_date.isoformat()
        assert r["性别"] == ("男" if parsed.sex == "M" else "女")
    assert rows == list(iter_resident_rows(3000, seed=9))
    assert rows != list(iter_resident_rows(3000, seed=10))


def test_reference_date_is_new_year():
    assert reference_date(dt.date(2026, 11, 23)) == dt.date(2026, 1, 1)


def test_children_carry_the_fathers_surname():
    rng = random.Random(3)
    checked = 0
    for _ in range(3000):
        members = plan_household(rng, REF, rural=True).members
        husband = next((p for p in members if p.relation in ("head", "spouse") and p.sex == "M"), None)
        if husband is None:
            continue
        for p in members:
            if p.relation == "child":
                assert p.name[0] == husband.name[0]
                checked += 1
    assert checked > 500
