import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayi.core.errors import CapacityExceeded
from jiayi.registry.models import PopulationBaseline
from jiayi.teams import queries, services
from jiayi.teams.models import Practitioner, Profession, Team, TeamRole
from jiayi.teams.workforce import TARGET_2030, gp_ratio, workforce_report
from tests.factories import InstitutionFactory, PractitionerFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_a(world):
    return services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)


def _sign(doctor, n, **kw):
    for _ in range(n):
        ResidentFactory(institution=doctor.institution, responsible_doctor=doctor, **kw)


@pytest.fixture
def limit(monkeypatch):
    """Set the policy's capacity per doctor for the test."""

    def set_limit(n):
        monkeypatch.setattr(queries, "_region_limit", lambda region, year: n)

    return set_limit


def test_capacity_limit_comes_from_policy(world):
    from jiayi.policy.queries import policy_for

    expected = policy_for(world.inst_a.region, 2025).capacity_per_doctor
    assert queries.capacity_limit(world.gp_a, dt.date(2025, 6, 1)) == expected == 2000


def test_capacity_counts_active_living_residents(world, limit):
    limit(5)
    _sign(world.gp_a, 3)
    _sign(world.gp_a, 1, is_active=False)
    _sign(world.gp_a, 1, deceased_on=dt.date(2024, 1, 1))
    _sign(world.gp_b, 2)
    cap = queries.doctor_capacity(world.gp_a)
    assert (cap.used, cap.limit, cap.left, cap.percent, cap.over) == (3, 5, 2, 60, False)
    assert queries.capacity_limit(world.gp_a) == 5


def test_check_capacity(world, limit):
    limit(3)
    _sign(world.gp_a, 2)
    assert queries.check_capacity(world.gp_a).used == 2
    with pytest.raises(CapacityExceeded) as exc:
        queries.check_capacity(world.gp_a, extra=2)
    e = exc.value
    assert e.status == 409 and e.code == "capacity_exceeded"
    assert "王医生" in str(e.message) and "2" in str(e.message) and "3" in str(e.message)
    assert e.details == {"practitioner": world.gp_a.pk, "used": 2, "limit": 3, "left": 1, "extra": 2}
    _sign(world.gp_a, 1)
    with pytest.raises(CapacityExceeded):
        queries.check_capacity(world.gp_a)


def test_bulk_capacities_do_not_grow_with_doctors(world):
    def count(doctors):
        with CaptureQueriesContext(connection) as ctx:
            caps = queries.capacities(doctors)
        return len(ctx.captured_queries), caps

    few = [PractitionerFactory(institution=world.inst_a) for _ in range(2)]
    many = few + [PractitionerFactory(institution=world.inst_a) for _ in range(8)]
    for i, d in enumerate(many):
        _sign(d, i)
    n_few, _ = count(few)
    n_many, caps = count(many)
    assert n_many == n_few
    assert [caps[d.pk].used for d in many] == list(range(10))
    assert {c.limit for c in caps.values()} == {2000}


def test_team_and_institution_capacity(world, team_a):
    doc2 = PractitionerFactory(institution=world.inst_a)
    services.team_add_member(actor=world.admin_a, team=team_a, practitioner=doc2, role=TeamRole.FAMILY_DOCTOR)
    services.team_add_member(
        actor=world.admin_a, team=team_a, practitioner=world.nurse_a, role=TeamRole.NURSE
    )
    _sign(world.gp_a, 2, team=team_a)
    _sign(doc2, 1, team=team_a)
    rows = dict(queries.team_doctor_capacities(team_a))
    assert {d.name: c.used for d, c in rows.items()} == {world.gp_a.name: 2, doc2.name: 1}
    assert world.nurse_a not in rows
    assert {d.pk for d, _ in queries.institution_doctor_capacities(world.inst_a)} == {world.gp_a.pk, doc2.pk}
    summary = queries.team_capacity_summary(queries.teams_for(world.admin_a))
    assert (summary[team_a.pk].used, summary[team_a.pk].limit) == (3, 4000)


def test_tcm_flag(world, team_a):
    assert list(queries.teams_without_tcm(Team.objects.filter(pk=team_a.pk))) == [team_a]
    tcm = PractitionerFactory(institution=world.inst_a, profession=Profession.TCM)
    m = services.team_add_member(
        actor=world.admin_a, team=team_a, practitioner=tcm, role=TeamRole.FAMILY_DOCTOR
    )
    assert not queries.teams_without_tcm(Team.objects.filter(pk=team_a.pk)).exists()
    services.team_end_membership(actor=world.admin_a, membership=m)
    assert queries.teams_without_tcm(Team.objects.filter(pk=team_a.pk)).exists()
    # A nurse trained in TCM counts too.
    services.practitioner_update(actor=world.admin_a, practitioner=world.nurse_a, tcm_capable=True)
    services.team_add_member(
        actor=world.admin_a, team=team_a, practitioner=world.nurse_a, role=TeamRole.NURSE
    )
    assert queries.with_tcm_flag(Team.objects.filter(pk=team_a.pk)).get().has_tcm is True


def test_team_list_annotations_and_scope(world, team_a):
    services.team_add_member(
        actor=world.admin_a, team=team_a, practitioner=world.nurse_a, role=TeamRole.NURSE
    )
    _sign(world.gp_a, 2, team=team_a)
    rows = {t.name: t for t in queries.teams_for(world.admin_a)}
    assert set(rows) == {"一队"}
    assert (rows["一队"].members_count, rows["一队"].signed_count, rows["一队"].has_tcm) == (2, 2, False)
    assert {t.name for t in queries.teams_for(world.commission)} == {"一队", "城西一队"}


def test_practitioner_scope_no_duplicates(world, team_a):
    # In two teams of the same institution: still one row, and get_visible works.
    team2 = services.team_create(
        actor=world.admin_a, institution=world.inst_a, name="二队", leader=world.gp_a
    )
    assert team2
    visible = list(queries.practitioners_for(world.admin_a))
    assert len(visible) == len(set(visible))
    assert queries.practitioner_get(world.admin_a, world.gp_a.pk) == world.gp_a
    # A hospital specialist in A's team becomes visible to A; B's staff never.
    services.team_add_member(
        actor=world.admin_a, team=team_a, practitioner=world.specialist, role=TeamRole.SPECIALIST
    )
    names = set(Practitioner.objects.visible_to(world.admin_a).values_list("name", flat=True))
    assert "陈主任" in names and "赵医生" not in names


def test_gp_ratio_arithmetic():
    assert gp_ratio(3, 10000) == Decimal("3.00")
    assert gp_ratio(2, 7000) == Decimal("2.86")  # 2.857… half up
    assert gp_ratio(1, 8000) == Decimal("1.25")
    assert gp_ratio(5, 0) is None
    assert Decimal("5") == TARGET_2030


def test_workforce_report(world):
    # Township A: CHC 8,000 (2024) → 12,000 (2025); station 4,000 (2023). Township B: 10,000.
    PopulationBaseline.objects.create(institution=world.inst_a, year=2024, count=8000)
    PopulationBaseline.objects.create(institution=world.inst_a, year=2025, count=12000)
    PopulationBaseline.objects.create(institution=world.inst_a, year=2026, count=99999)  # after the year
    PopulationBaseline.objects.create(institution=world.station_a, year=2023, count=4000)
    PopulationBaseline.objects.create(institution=world.inst_b, year=2025, count=10000)
    PopulationBaseline.objects.create(institution=world.inst_b, year=2025, population="elderly", count=500)
    # GPs: A has gp_a + 2 more (one inactive, one a nurse not counted); B has gp_b; hospital 1.
    PractitionerFactory(institution=world.station_a, profession=Profession.GENERAL_PRACTICE)
    PractitionerFactory(institution=world.inst_a, profession=Profession.GENERAL_PRACTICE, is_active=False)
    PractitionerFactory(institution=world.hospital, profession=Profession.GENERAL_PRACTICE)

    report = workforce_report(world.commission, root=world.county, year=2025)
    rows = {r.name: r for r in report.rows}
    a, b = rows["城东街道"], rows["城西街道"]
    assert (a.gps, a.population, a.ratio) == (2, 16000, Decimal("1.25"))
    assert (b.gps, b.population, b.ratio) == (1, 10000, Decimal("1.00"))
    assert a.meets_target is False and a.gap == 6  # 5 × 1.6 = 8 needed
    direct = rows["直属机构"]
    assert (direct.gps, direct.population, direct.ratio) == (1, 0, None)
    assert (report.total.gps, report.total.population, report.total.ratio) == (4, 26000, Decimal("1.54"))

    # Drill into township A: one row per institution.
    town = workforce_report(world.commission, root=world.town_a, year=2025)
    assert {r.name: (r.gps, r.population) for r in town.rows} == {
        "城东社区卫生服务中心": (1, 12000),
        "东一社区卫生服务站": (1, 4000),
    }
    # Earlier year: latest baseline ≤ 2024.
    early = workforce_report(world.commission, root=world.town_a, year=2024)
    assert early.total.population == 12000


def test_workforce_scoped(world):
    other = InstitutionFactory(kind="thc", region=world.town_b)
    PopulationBaseline.objects.create(institution=other, year=2025, count=10000)
    PopulationBaseline.objects.create(institution=world.inst_a, year=2025, count=10000)
    report = workforce_report(world.admin_a, root=world.county, year=2025)
    assert report.total.population == 10000 and report.total.gps == 1
