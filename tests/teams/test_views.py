import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiayi.core.models import Role
from jiayi.registry.models import PopulationBaseline
from jiayi.teams import services
from jiayi.teams.models import Practitioner, Profession, Team, TeamRole
from tests.factories import PractitionerFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_a(world):
    return services.team_create(
        actor=world.admin_a, institution=world.inst_a, name="东区一队", leader=world.gp_a
    )


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin_a)
    return client


def _sheet(response):
    wb = load_workbook(io.BytesIO(response.content))
    return [[c.value for c in row] for row in wb.active.iter_rows()]


def test_team_list_page(admin_client, world, team_a):
    ResidentFactory(institution=world.inst_a, team=team_a, responsible_doctor=world.gp_a)
    r = admin_client.get(reverse("teams:team_list"))
    html = r.content.decode()
    assert r.status_code == 200
    assert "东区一队" in html and "城西一队" not in html
    assert "缺中医" in html and "已签 1 / 上限 2000 / 剩余 1999" in html
    assert "新建团队" in html


def test_team_list_filters_and_bad_value(admin_client, world, team_a):
    r = admin_client.get(reverse("teams:team_list"), {"q": "不存在"})
    assert "东区一队" not in r.content.decode()
    r = admin_client.get(reverse("teams:team_list"), {"institution": "abc"})
    assert r.status_code == 200 and "已忽略" in r.content.decode()


def test_team_export(admin_client, world, team_a):
    r = admin_client.get(reverse("teams:team_list"), {"export": "xlsx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(r)
    assert rows[0][:3] == ["团队名称", "所属机构", "团队长"]
    assert rows[1][0] == "东区一队" and rows[1][6] == "是" and len(rows) == 2


def test_practitioner_export_respects_filter_and_scope(admin_client, world):
    r = admin_client.get(reverse("teams:practitioner_list"), {"export": "xlsx", "profession": "gp"})
    rows = _sheet(r)
    assert rows[0][0] == "姓名" and [row[0] for row in rows[1:]] == ["王医生"]


def test_team_detail_and_actions(admin_client, world, team_a):
    url = reverse("teams:team_detail", args=[team_a.pk])
    r = admin_client.get(url)
    assert r.status_code == 200 and "添加成员" in r.content.decode() and "更换团队长" in r.content.decode()
    r = admin_client.post(
        url,
        {"action": "add_member", "practitioner": world.nurse_a.pk, "role": "nurse", "since": "2025-01-01"},
    )
    assert r.status_code == 302
    m = team_a.memberships.get(practitioner=world.nurse_a)
    # Duplicate: the form shows the Chinese message, nothing is added.
    r = admin_client.post(url, {"action": "add_member", "practitioner": world.nurse_a.pk, "role": "nurse"})
    assert r.status_code == 200 and "已在本团队担任" in r.content.decode()
    r = admin_client.post(url, {"action": "end_member", "membership": m.pk, "until": "2025-06-30"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert not m.is_active
    new = PractitionerFactory(name="新队长", institution=world.inst_a)
    r = admin_client.post(url, {"action": "change_leader", "leader": new.pk, "keep_previous": "on"})
    assert r.status_code == 302
    team_a.refresh_from_db()
    assert team_a.leader == new


def test_team_detail_other_institution_404(admin_client, world):
    r = admin_client.get(reverse("teams:team_detail", args=[world.team_b.pk]))
    assert r.status_code == 404
    r = admin_client.post(reverse("teams:team_deactivate", args=[world.team_b.pk]))
    assert r.status_code == 404


def test_team_detail_read_only_for_commission(client, world, team_a):
    client.force_login(world.commission)
    url = reverse("teams:team_detail", args=[team_a.pk])
    html = client.get(url).content.decode()
    assert "添加成员" not in html
    r = client.post(url, {"action": "add_member", "practitioner": world.nurse_a.pk, "role": "nurse"})
    assert r.status_code == 403
    assert not team_a.memberships.filter(practitioner=world.nurse_a).exists()


def test_team_create_page(admin_client, world):
    url = reverse("teams:team_create")
    assert admin_client.get(url).status_code == 200
    r = admin_client.post(
        url,
        {
            "institution": world.inst_a.pk,
            "name": "新队",
            "leader": world.gp_a.pk,
            "villages": [world.village_a.pk],
        },
    )
    assert r.status_code == 302
    team = Team.objects.get(name="新队")
    assert team.leader == world.gp_a and list(team.villages.all()) == [world.village_a]
    # A nurse is not offered as leader; forcing the id gives a form error, not a 500.
    r = admin_client.post(url, {"institution": world.inst_a.pk, "name": "护士队", "leader": world.nurse_a.pk})
    assert r.status_code == 200 and not Team.objects.filter(name="护士队").exists()


def test_team_edit_page(admin_client, world, team_a):
    url = reverse("teams:team_edit", args=[team_a.pk])
    r = admin_client.post(url, {"name": "改名队", "phone": "", "villages": [world.village_a2.pk]})
    assert r.status_code == 302
    team_a.refresh_from_db()
    assert team_a.name == "改名队" and list(team_a.villages.all()) == [world.village_a2]


def test_team_deactivate_with_residents_shows_message(admin_client, world, team_a):
    ResidentFactory(institution=world.inst_a, team=team_a)
    url = reverse("teams:team_deactivate", args=[team_a.pk])
    r = admin_client.post(url, HTTP_REFERER=reverse("teams:team_detail", args=[team_a.pk]), follow=True)
    assert "仍有 1 名签约居民" in r.content.decode()
    team_a.refresh_from_db()
    assert team_a.is_active


def test_practitioner_pages(admin_client, world):
    r = admin_client.get(reverse("teams:practitioner_list"), {"tcm": "false"})
    html = r.content.decode()
    assert "王医生" in html and "赵医生" not in html
    r = admin_client.get(reverse("teams:practitioner_detail", args=[world.gp_a.pk]))
    assert "已签 0 / 上限 2000 / 剩余 2000" in r.content.decode()
    assert admin_client.get(reverse("teams:practitioner_detail", args=[world.gp_b.pk])).status_code == 404
    r = admin_client.post(
        reverse("teams:practitioner_create"),
        {
            "name": "新人",
            "profession": "tcm",
            "institution": world.inst_a.pk,
            "licence_no": world.gp_b.licence_no,
        },
    )
    assert r.status_code == 200 and "已登记" in r.content.decode()
    r = admin_client.post(
        reverse("teams:practitioner_create"),
        {"name": "新人", "profession": "tcm", "institution": world.inst_a.pk},
    )
    assert r.status_code == 302
    p = Practitioner.objects.get(name="新人")
    assert p.tcm_capable
    r = admin_client.post(
        reverse("teams:practitioner_edit", args=[p.pk]),
        {"name": "新人", "profession": Profession.SPECIALIST, "institution": world.inst_a.pk},
    )
    assert r.status_code == 200 and "二级或三级医院" in r.content.decode()
    r = admin_client.post(reverse("teams:practitioner_deactivate", args=[p.pk]))
    assert r.status_code == 302
    p.refresh_from_db()
    assert not p.is_active


def test_finance_sees_lists_but_cannot_create(client, world, team_a):
    client.force_login(world.finance)
    assert client.get(reverse("teams:team_list")).status_code == 200
    assert client.get(reverse("teams:team_create")).status_code == 403
    assert client.get(reverse("teams:practitioner_create")).status_code == 403


def test_resident_role_403(client, world):
    r = ResidentFactory(institution=world.inst_b, team=world.team_b)
    client.force_login(UserFactory(username="res", role=Role.RESIDENT, resident=r))
    assert client.get(reverse("teams:team_list")).status_code == 403
    assert client.get(reverse("teams:workforce")).status_code == 403


def test_workforce_page_and_export(client, world):
    PopulationBaseline.objects.create(institution=world.inst_a, year=2025, count=8000)
    client.force_login(world.commission)
    r = client.get(reverse("teams:workforce"), {"year": 2025})
    html = r.content.decode()
    assert r.status_code == 200 and "城东街道" in html and "1.25" in html
    r = client.get(reverse("teams:workforce"), {"region": world.town_a.code, "year": 2025})
    assert "城东社区卫生服务中心" in r.content.decode()
    rows = _sheet(client.get(reverse("teams:workforce"), {"year": 2025, "export": "xlsx"}))
    assert rows[0][:4] == ["区域/机构", "代码", "全科医生数", "常住人口"]
    # Total: gp_a and gp_b (2) over the only baseline (8,000).
    assert rows[-1][0] == "黔江区" and str(rows[-1][4]) == "2.5"
    assert client.get(reverse("teams:workforce"), {"region": "110000000000"}).status_code == 404


def test_member_role_label(world):
    assert TeamRole.SPECIALIST.label == "专科医生"
