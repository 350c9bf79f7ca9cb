import pytest

from jiayi.core.apiauth import token_create
from jiayi.teams import services
from jiayi.teams.models import Practitioner, Profession, Team, TeamRole
from tests.factories import PractitionerFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, world):
    client.force_login(world.admin_a)
    return client


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_requires_auth(client, world):
    r = client.get("/api/teams/practitioners")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_practitioner_list_filters_and_scope(api, world):
    PractitionerFactory(name="中医甲", institution=world.inst_a, profession=Profession.TCM, tcm_capable=True)
    r = api.get("/api/teams/practitioners")
    assert r.status_code == 200
    names = {p["name"] for p in r.json()["items"]}
    assert names == {"王医生", "李护士", "中医甲"}  # B's and the hospital's staff are out of scope
    assert {p["name"] for p in api.get("/api/teams/practitioners?tcm=true").json()["items"]} == {"中医甲"}
    assert {p["name"] for p in api.get("/api/teams/practitioners?profession=nurse").json()["items"]} == {
        "李护士"
    }
    assert api.get("/api/teams/practitioners?q=王").json()["count"] == 1
    assert api.get("/api/teams/practitioners?tcm=maybe").status_code == 422


def test_practitioner_get_out_of_scope_404(api, world):
    assert api.get(f"/api/teams/practitioners/{world.gp_a.pk}").json()["capacity"]["limit"] == 2000
    r = api.get(f"/api/teams/practitioners/{world.gp_b.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_practitioner_create_patch(api, world):
    r = _post(
        api,
        "/api/teams/practitioners",
        {"name": "新医生", "profession": "gp", "institution_id": world.inst_a.pk, "licence_no": "NEW-1"},
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = _patch(api, f"/api/teams/practitioners/{pk}", {"title": "chief"})
    assert r.status_code == 200 and r.json()["title_label"] == "主任医师"
    dup = _post(
        api,
        "/api/teams/practitioners",
        {"name": "重复", "profession": "gp", "institution_id": world.inst_a.pk, "licence_no": "NEW-1"},
    )
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_licence"
    foreign = _post(
        api, "/api/teams/practitioners", {"name": "x", "profession": "gp", "institution_id": world.inst_b.pk}
    )
    assert foreign.status_code == 403
    bad = _post(api, "/api/teams/practitioners", {"name": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert _patch(api, f"/api/teams/practitioners/{world.gp_b.pk}", {"name": "y"}).status_code == 404


def test_finance_cannot_write(client, world):
    client.force_login(world.finance)
    r = _post(
        client,
        "/api/teams/practitioners",
        {"name": "x", "profession": "gp", "institution_id": world.inst_a.pk},
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert client.get("/api/teams/teams").status_code == 200


def test_team_lifecycle(api, world):
    r = _post(
        api,
        "/api/teams/teams",
        {
            "institution_id": world.inst_a.pk,
            "name": "东一队",
            "leader_id": world.gp_a.pk,
            "village_ids": [world.village_a.pk],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    pk = body["id"]
    assert body["has_tcm"] is False and body["villages"][0]["name"] == "东一社区"
    assert body["members"][0]["role"] == "leader" and body["doctors"][0]["capacity"]["left"] == 2000

    r = _post(api, f"/api/teams/teams/{pk}/members", {"practitioner_id": world.nurse_a.pk, "role": "nurse"})
    assert r.status_code == 201
    mid = r.json()["id"]
    again = _post(
        api, f"/api/teams/teams/{pk}/members", {"practitioner_id": world.nurse_a.pk, "role": "nurse"}
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate_membership"
    spec = _post(
        api, f"/api/teams/teams/{pk}/members", {"practitioner_id": world.specialist.pk, "role": "specialist"}
    )
    assert spec.status_code == 201
    foreign = _post(
        api, f"/api/teams/teams/{pk}/members", {"practitioner_id": world.gp_b.pk, "role": "family_doctor"}
    )
    assert foreign.status_code == 404

    r = _post(api, f"/api/teams/teams/{pk}/members/{mid}/end", {})
    assert r.status_code == 200 and r.json()["is_active"] is False

    r = _patch(api, f"/api/teams/teams/{pk}", {"name": "东区一队", "village_ids": []})
    assert r.status_code == 200 and r.json()["name"] == "东区一队" and r.json()["villages"] == []

    listed = api.get("/api/teams/teams?no_tcm=true").json()
    assert [t["name"] for t in listed["items"]] == ["东区一队"]
    assert api.get("/api/teams/teams?no_tcm=false").json()["count"] == 0

    assert _post(api, f"/api/teams/teams/{pk}/deactivate", {}).json()["is_active"] is False


def test_team_create_rejections(api, world):
    hosp = _post(
        api,
        "/api/teams/teams",
        {"institution_id": world.hospital.pk, "name": "x", "leader_id": world.gp_a.pk},
    )
    assert hosp.status_code == 403  # not A's institution
    nurse = _post(
        api,
        "/api/teams/teams",
        {"institution_id": world.inst_a.pk, "name": "x", "leader_id": world.nurse_a.pk},
    )
    assert nurse.status_code == 422 and nurse.json()["code"] == "not_family_doctor"
    assert not Team.objects.filter(institution=world.inst_a).exists()


def test_team_get_out_of_scope_and_change_leader(api, world):
    assert api.get(f"/api/teams/teams/{world.team_b.pk}").status_code == 404
    team = services.team_create(actor=world.admin_a, institution=world.inst_a, name="一队", leader=world.gp_a)
    new = PractitionerFactory(institution=world.inst_a)
    r = _patch(api, f"/api/teams/teams/{team.pk}", {"leader_id": new.pk})
    assert r.status_code == 200 and r.json()["leader_id"] == new.pk


def test_token_auth_and_workforce(client, world):
    key = token_create(user=world.commission, name="统计")
    r = client.get(
        f"/api/teams/workforce?region={world.county.code}&year=2025", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["target"] == "5" or float(body["target"]) == 5
    assert {row["name"] for row in body["rows"]} >= {"城东街道", "城西街道"}
    far = client.get("/api/teams/workforce?region=110000000000", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert far.status_code == 404


def test_resident_role_cannot_list(client, world):
    from jiayi.core.models import Role
    from tests.factories import UserFactory

    r = ResidentFactory(institution=world.inst_b, team=world.team_b)
    user = UserFactory(username="res", role=Role.RESIDENT, resident=r)
    client.force_login(user)
    assert client.get("/api/teams/teams").status_code == 403
    assert Practitioner.objects.visible_to(user).count() == 1
    assert TeamRole.LEADER == "leader"
