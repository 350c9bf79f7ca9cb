import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from jiayi.core import nationalid
from jiayi.core.models import Role, User
from jiayi.demo import DEMO_PASSWORD, build_district, demo_exists, reset_district, seed
from jiayi.demo.people import reference_date
from jiayi.registry.models import (
    CommunityMembership,
    FunctionalCommunity,
    Household,
    Institution,
    KeyPopulationRecord,
    PopulationBaseline,
    Region,
    Resident,
)
from jiayi.teams.models import Practitioner, Team, TeamMembership, TeamRole

SCALE = 0.002


def run_demo(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, **{"scale": SCALE, **kwargs})
    return out.getvalue()


def fingerprint() -> list[tuple]:
    return list(
        Resident.objects.order_by("region__code", "household__code", "birth_date", "name").values_list(
            "name",
            "id_index",
            "phone_index",
            "birth_date",
            "sex",
            "relation",
            "household__code",
            "region__code",
            "team__name",
        )
    )


@pytest.fixture
def district(db):
    run_demo()


@pytest.mark.django_db
def test_thirty_primary_institutions_with_proportional_populations(district):
    primary = Institution.objects.filter(kind__in=["chc", "thc"])
    assert primary.count() == 30
    assert primary.filter(kind="chc").count() == 6
    counts = dict(Resident.objects.values_list("institution__name").annotate(n=Count("id")))
    for _suffix, _tw, name, population in seed.PRIMARY:
        expected = population * SCALE
        assert abs(counts[name] - expected) <= max(3, expected * 0.1), name
    assert Institution.objects.filter(kind="village_clinic", parent__kind="thc").exists()
    assert Institution.objects.filter(kind="chs", parent__kind="chc").exists()
    assert Institution.objects.get(name="黔江中心医院").kind == "tertiary_hospital"
    assert Institution.objects.filter(kind="secondary_hospital").count() == 2
    assert Institution.objects.exclude(alliance__name="黔江区医共体").count() == 0


@pytest.mark.django_db
def test_region_tree_and_derived_codes(district):
    county = Region.objects.get(code="500114000000")
    assert county.parent.code == "500000000000"
    townships = Region.objects.filter(parent=county)
    assert townships.count() == 30
    for t in townships:
        n = t.children.count()
        assert (4 <= n <= 10) if t.is_urban else (5 <= n <= 15), t.name
    for r in Resident.objects.select_related("region")[:200]:
        assert r.region_code == r.region.code and r.county_code == "500114"
    assert not Institution.objects.exclude(county_code="500114").exists()
    assert not Household.objects.exclude(county_code="500114").exists()


@pytest.mark.django_db
def test_ids_valid_unique_and_consistent(district):
    rows = list(Resident.objects.all())
    ids = [r.national_id for r in rows]
    assert len(ids) == len(set(ids))
    for r, nid in zip(rows, ids, strict=True):
        parsed = nationalid.parse(nid)
        assert parsed.region_code == "500114"
        assert parsed.birth_date == r.birth_date and parsed.sex == r.sex
        assert r.id_masked == nationalid.mask(nid)
    phones = [r.phone for r in rows if r.phone_cipher]
    assert len(phones) > 0.6 * len(rows)
    assert all(len(p) == 11 and p.startswith("1") for p in phones)


@pytest.mark.django_db
def test_every_household_has_exactly_one_head(district):
    heads = Counter(Resident.objects.filter(relation="head").values_list("household_id", flat=True))
    households = list(Household.objects.annotate(n=Count("members")))
    assert households
    for hh in households:
        assert heads[hh.pk] == 1
        assert 1 <= hh.n <= 6
        assert hh.head.household_id == hh.pk
    ref = reference_date()
    for hh in Household.objects.prefetch_related("members")[:300]:
        head = hh.head
        for m in hh.members.all():
            if m.relation == "child":
                assert m.age_on(ref) < head.age_on(ref) - 15
            if m.relation == "parent":
                assert m.age_on(ref) > head.age_on(ref) + 15


@pytest.mark.django_db
def test_teams_serve_villages_and_residents(district):
    for inst in Institution.objects.filter(kind__in=["chc", "thc"]):
        assert inst.teams.count() >= 2
    for team in Team.objects.prefetch_related("villages", "memberships"):
        roles = Counter(m.role for m in team.memberships.all())
        assert (
            roles[TeamRole.LEADER] == 1 and roles[TeamRole.NURSE] == 1 and roles[TeamRole.PUBLIC_HEALTH] == 1
        )
        assert team.leader.can_be_family_doctor
        assert team.villages.exists()
    village_teams = set(Team.villages.through.objects.values_list("region_id", "team_id"))
    for region_id, team_id in Resident.objects.values_list("region_id", "team_id"):
        assert (region_id, team_id) in village_teams
    # Only residents with a contract in force have a responsible doctor (the contracts stage sets it).
    assert (
        not Resident.objects.filter(responsible_doctor__isnull=False)
        .exclude(contracts__status__in=["pending", "active"])
        .exists()
    )
    teams = Team.objects.count()
    tcm = Team.objects.filter(memberships__practitioner__tcm_capable=True).distinct().count()
    assert 0.55 <= tcm / teams <= 0.95
    assert Practitioner.objects.filter(
        home_institution__kind__in=["tertiary_hospital", "secondary_hospital"]
    ).exists()
    assert not Practitioner.objects.exclude(county_code="500114").exists()


@pytest.mark.django_db
def test_age_structure_and_key_population_shares(district):
    ref = reference_date()
    residents = list(Resident.objects.values_list("pk", "birth_date", "sex", "region__is_urban"))
    n = len(residents)
    age = {pk: ref.year - b.year - ((ref.month, ref.day) < (b.month, b.day)) for pk, b, _s, _u in residents}
    assert 0.13 <= sum(a >= 65 for a in age.values()) / n <= 0.28
    assert 0.03 <= sum(a <= 6 for a in age.values()) / n <= 0.11
    kinds = {}
    for pk, kind in KeyPopulationRecord.objects.values_list("resident_id", "kind"):
        kinds.setdefault(kind, set()).add(pk)
    adults35 = [pk for pk, a in age.items() if a >= 35]
    assert 0.10 <= len(kinds["hypertension"]) / len(adults35) <= 0.28
    assert 0.03 <= len(kinds["diabetes"]) / len(adults35) <= 0.13
    assert all(age[pk] >= 35 for pk in kinds["hypertension"])
    assert len(kinds.get("disabled", ())) / n <= 0.09
    women = {pk for pk, _b, s, _u in residents if s == "F"}
    assert kinds.get("pregnant", set()) <= {pk for pk in women if 20 <= age[pk] <= 40}
    rural = {pk for pk, _b, _s, urban in residents if not urban}
    assert kinds.get("poverty_alleviated", set()) <= rural
    assert len(kinds.get("severe_mental", ())) / n <= 0.02
    assert not KeyPopulationRecord.objects.filter(kind__in=["elderly", "child"]).exists()
    rec = KeyPopulationRecord.objects.select_related("resident").first()
    assert rec.county_code == "500114" and rec.region_code == rec.resident.region_code and rec.valid_from


@pytest.mark.django_db
def test_communities_and_baselines(district):
    assert FunctionalCommunity.objects.values("kind").distinct().count() == 4
    assert CommunityMembership.objects.filter(community__kind="school").exists()
    year = reference_date().year
    for _s, _t, name, population in seed.PRIMARY:
        base = PopulationBaseline.objects.get(institution__name=name, year=year, population="all")
        assert base.count == population
        assert PopulationBaseline.objects.filter(
            institution__name=name, year=year - 1, population="all"
        ).exists()
        elderly = PopulationBaseline.objects.get(institution__name=name, year=year, population="elderly")
        assert 0.15 * population <= elderly.count <= 0.25 * population


@pytest.mark.django_db
def test_logins_have_role_and_scope(district):
    users = {u.username: u for u in User.objects.all()}
    centre = Institution.objects.get(name="城东街道社区卫生服务中心")
    assert users["admin"].is_superuser and users["admin"].role == Role.SYSADMIN
    for name, role in [("wjw", Role.COMMISSION), ("caizheng", Role.FINANCE)]:
        assert users[name].role == role and users[name].region.code == "500114000000"
    assert users["jigou"].role == Role.INSTITUTION_ADMIN and users["jigou"].institution == centre
    yisheng, hushi = users["yisheng"], users["hushi"]
    assert yisheng.role == Role.TEAM_LEADER and yisheng.team.institution == centre
    assert yisheng.practitioner == yisheng.team.leader
    assert hushi.role == Role.TEAM_MEMBER and hushi.team == yisheng.team
    assert TeamMembership.objects.get(team=hushi.team, practitioner=hushi.practitioner).role == TeamRole.NURSE
    assert (
        users["zhuanzhen"].role == Role.REFERRAL_DESK
        and users["zhuanzhen"].institution.name == "黔江中心医院"
    )
    jumin = users["jumin"]
    assert jumin.role == Role.RESIDENT and jumin.resident.relation == "head"
    assert jumin.resident.team == yisheng.team and jumin.resident.household.head == jumin.resident
    for u in users.values():
        assert u.check_password(DEMO_PASSWORD)
    assert Resident.objects.visible_to(yisheng).filter(team=yisheng.team).count() > 0
    assert Resident.objects.visible_to(jumin).count() == jumin.resident.household.members.count()


@pytest.mark.django_db
def test_second_run_changes_nothing(district):
    before = (fingerprint(), Household.objects.count(), Team.objects.count(), User.objects.count())
    stamp = list(Resident.objects.order_by("pk").values_list("pk", "updated_at"))
    out = run_demo()
    assert "已存在" in out and "jiayi-demo-2026" in out and "zhuanzhen" in out
    assert (fingerprint(), Household.objects.count(), Team.objects.count(), User.objects.count()) == before
    assert list(Resident.objects.order_by("pk").values_list("pk", "updated_at")) == stamp


@pytest.mark.django_db
def test_reset_rebuilds_the_same_data_for_the_same_seed(district):
    before = fingerprint()
    old_max = Resident.objects.order_by("-pk").first().pk
    out = run_demo(reset=True)
    assert "已删除" in out
    assert Resident.objects.order_by("pk").first().pk > old_max  # really rebuilt
    assert fingerprint() == before
    assert Institution.objects.filter(kind__in=["chc", "thc"]).count() == 30
    assert User.objects.get(username="jumin").resident.relation == "head"


@pytest.mark.django_db
def test_another_seed_gives_other_people(district):
    before = fingerprint()
    run_demo(reset=True, seed=7)
    after = fingerprint()
    assert {r[0] for r in after} != {r[0] for r in before}
    assert abs(len(after) - len(before)) < 0.05 * len(before)


@pytest.mark.django_db
def test_build_district_api_and_reset_leave_no_demo_rows(db):
    first = build_district(scale=SCALE, seed_value=3)
    assert first["created"] and first["residents"] > 800 and first["teams"] >= 60
    again = build_district(scale=SCALE, seed_value=3)
    assert not again["created"] and again["residents"] == first["residents"]
    reset_district()
    assert not demo_exists()
    assert not Resident.objects.exists() and not Team.objects.exists() and not Practitioner.objects.exists()
    assert not Region.objects.filter(level__in=["township", "village"]).exists()
    assert Region.objects.filter(code="500114000000").exists()
    assert User.objects.get(username="yisheng").team is None


@pytest.mark.django_db
def test_scale_argument_is_checked(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run_demo(scale=0)
    assert not demo_exists()


@pytest.mark.django_db
def test_street_communities_have_district_unique_names(district):
    names = list(Region.objects.filter(level="village", parent__is_urban=True).values_list("name", flat=True))
    assert len(names) == len(set(names))
    assert Region.objects.filter(parent__name="城东街道", name="城东社区").exists()
