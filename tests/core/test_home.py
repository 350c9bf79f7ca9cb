"""Home page per role: the right template, the right figures, a bounded number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiayi.core.models import Role
from jiayi.registry.models import InstitutionKind, KeyPopulationRecord, PopulationBaseline
from jiayi.teams.models import Profession, TeamMembership, TeamRole
from tests.core.helpers import PASSWORD, make_place
from tests.factories import (
    HouseholdFactory,
    InstitutionFactory,
    PractitionerFactory,
    ResidentFactory,
    UserFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    a = make_place("500114", "黔江区")
    b = make_place("500115", "长寿区")
    inst, team = a["institution"], a["team"]
    gp = PractitionerFactory(institution=inst, name="王丽")
    PractitionerFactory(institution=inst, name="针灸师", profession=Profession.NURSE)
    TeamMembership.objects.create(team=team, practitioner=gp, role=TeamRole.LEADER)
    team.leader = gp
    team.save()
    today = dt.date.today()
    old = ResidentFactory(
        institution=inst,
        team=team,
        responsible_doctor=gp,
        name="老人",
        national_id=make_national_id(dt.date(today.year - 70, 1, 1)),
    )
    ResidentFactory(
        institution=inst, team=team, name="孩子", national_id=make_national_id(dt.date(today.year - 3, 1, 1))
    )
    ResidentFactory(
        institution=inst, team=team, name="中年", national_id=make_national_id(dt.date(1985, 1, 1))
    )
    ResidentFactory(institution=b["institution"], name="外县居民")
    KeyPopulationRecord.objects.create(resident=old, kind="hypertension", source="doctor")
    hh = HouseholdFactory(institution=inst, region=a["village"], head=old)
    old.household = hh
    old.save()
    PopulationBaseline.objects.create(institution=inst, year=2024, count=20000)
    hospital = InstitutionFactory(region=a["county"], kind=InstitutionKind.TERTIARY_HOSPITAL, name="中心医院")
    users = {
        Role.SYSADMIN: UserFactory(username="root", role=Role.SYSADMIN),
        Role.COMMISSION: UserFactory(username="com", role=Role.COMMISSION, region=a["county"]),
        Role.FINANCE: UserFactory(username="fin", role=Role.FINANCE, region=a["county"]),
        Role.INSTITUTION_ADMIN: UserFactory(username="ia", role=Role.INSTITUTION_ADMIN, institution=inst),
        Role.DOCTOR: UserFactory(username="doc", role=Role.DOCTOR, team=team),
        Role.REFERRAL_DESK: UserFactory(username="desk", role=Role.REFERRAL_DESK, institution=hospital),
        Role.RESIDENT: UserFactory(username="li", role=Role.RESIDENT, resident=old),
    }
    return {"a": a, "users": users, "old": old}


@pytest.mark.parametrize(
    "role,template,expect",
    [
        (Role.SYSADMIN, "core/home_sysadmin.html", ["系统概况", "最近的审计事件"]),
        (Role.COMMISSION, "core/home_region.html", ["黔江区", "每万人全科医生", "0.50"]),
        (Role.FINANCE, "core/home_region.html", ["登记居民"]),
        (Role.INSTITUTION_ADMIN, "core/home_institution.html", ["缺中医", "王丽", "已签 1 / 上限 2000"]),
        (Role.DOCTOR, "core/home_team.html", ["65岁及以上老年人", "高血压患者", "0-6岁儿童"]),
        (Role.REFERRAL_DESK, "core/home_referral.html", ["中心医院"]),
        (Role.RESIDENT, "core/home_resident.html", ["我的家庭医生", "王丽"]),
    ],
)
def test_home_per_role(client, w, role, template, expect):
    assert client.login(username=w["users"][role].username, password=PASSWORD)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("home"))
    assert r.status_code == 200
    assert template in [t.name for t in r.templates]
    body = r.content.decode()
    for text in expect:
        assert text in body, text
    assert "外县居民" not in body
    assert len(ctx.captured_queries) < 30  # aggregates, not a loop over residents


def test_team_home_counts(client, w):
    client.login(username="doc", password=PASSWORD)
    r = client.get(reverse("home"))
    kp = {k["kind"]: k["n"] for k in r.context["key_populations"]}
    assert r.context["resident_count"] == 3
    assert kp["elderly"] == 1 and kp["child"] == 1 and kp["hypertension"] == 1 and kp["diabetes"] == 0


def test_resident_home_shows_masked_id_only(client, w):
    client.login(username="li", password=PASSWORD)
    body = client.get(reverse("home")).content.decode()
    assert w["old"].id_masked in body
    assert w["old"].national_id not in body


def test_role_without_scope_sees_a_hint(client, w):
    UserFactory(username="lost", role=Role.DOCTOR)
    client.login(username="lost", password=PASSWORD)
    r = client.get(reverse("home"))
    assert r.status_code == 200 and "尚未分配管辖范围" in r.content.decode()
