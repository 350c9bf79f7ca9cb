import datetime as dt

import pytest
from django.test import Client

from jiayi.core.models import AccessEvent
from jiayi.registry.models import Resident
from tests.factories import HouseholdFactory, ResidentFactory, make_national_id

pytestmark = pytest.mark.django_db

NID = "11010519491231002X"


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _post(c, url, data):
    return c.post(url, data, content_type="application/json")


def _new_resident(world, **kw):
    data = {
        "name": "张三",
        "national_id": NID,
        "region_id": world.v1.pk,
        "institution_id": world.a.pk,
        "phone": "13800138000",
    }
    data.update(kw)
    return data


def test_anonymous_gets_401_json(world):
    r = Client().get("/api/registry/residents")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_resident_create_get_patch(world):
    c = _client(world.u.doctor)
    r = _post(c, "/api/registry/residents", _new_resident(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["id_masked"] == "1101**********002X" and body["phone_masked"] == "138****8000"
    assert NID not in r.content.decode() and "13800138000" not in r.content.decode()
    assert not any(k.endswith(("_cipher", "_index")) for k in body)
    assert body["key_populations"] == ["elderly"]
    pk = body["id"]
    r = c.patch(f"/api/registry/residents/{pk}", {"address": "东一村1组"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["address"] == "东一村1组" and r.json()["name"] == "张三"
    assert c.get(f"/api/registry/residents/{pk}").json()["sex"] == "F"


def test_resident_create_bad_id_422_and_duplicate_409(world):
    c = _client(world.u.doctor)
    r = _post(c, "/api/registry/residents", _new_resident(world, national_id="110105194912310021"))
    assert r.status_code == 422 and r.json()["code"] == "invalid_national_id"
    assert "校验位" in r.json()["message"]
    assert _post(c, "/api/registry/residents", _new_resident(world)).status_code == 201
    r = _post(c, "/api/registry/residents", _new_resident(world, name="重复"))
    assert r.status_code == 409 and r.json()["code"] == "duplicate_resident"
    r = _post(c, "/api/registry/residents", {"name": "缺字段"})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"


def test_out_of_scope_is_404(world, resident_b):
    c = _client(world.u.doctor)
    assert c.get(f"/api/registry/residents/{resident_b.pk}").status_code == 404
    r = c.patch(f"/api/registry/residents/{resident_b.pk}", {"name": "x"}, content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert _post(c, f"/api/registry/residents/{resident_b.pk}/reveal-national-id", {}).status_code == 404
    r = _post(
        c, "/api/registry/residents", _new_resident(world, region_id=world.v2.pk, institution_id=world.far.pk)
    )
    assert r.status_code == 404  # the other county's institution is not visible


def test_forbidden_roles_403(world, resident_a):
    c = _client(world.u.finance)
    assert c.get("/api/registry/residents").status_code == 403
    r = _post(c, "/api/registry/residents", _new_resident(world))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_list_filters_and_masking(world, resident_a, resident_b):
    c = _client(world.u.inst_a)
    rows = c.get("/api/registry/residents").json()["items"]
    assert [x["name"] for x in rows] == ["李大爷"]
    assert rows[0]["id_masked"].count("*") == 10
    assert c.get("/api/registry/residents", {"q": resident_a.national_id}).json()["count"] == 1
    assert c.get("/api/registry/residents", {"q": resident_b.national_id}).json()["count"] == 0
    assert c.get("/api/registry/residents", {"q": "13800001111"}).json()["count"] == 1
    assert c.get("/api/registry/residents", {"key_population": "elderly"}).json()["count"] == 1
    assert c.get("/api/registry/residents", {"key_population": "child"}).json()["count"] == 0
    assert c.get("/api/registry/residents", {"age_min": "abc"}).status_code == 422


def test_reveal_via_api_logs_access(world, resident_a):
    c = _client(world.u.doctor)
    r = _post(c, f"/api/registry/residents/{resident_a.pk}/reveal-national-id", {})
    assert r.status_code == 200 and r.json()["national_id"] == resident_a.national_id
    assert AccessEvent.objects.filter(object_id=str(resident_a.pk)).count() == 1


def test_households_api(world, resident_a):
    c = _client(world.u.doctor)
    r = _post(
        c,
        "/api/registry/households",
        {"code": "HH-9", "region_id": world.v1.pk, "institution_id": world.a.pk, "head_id": resident_a.pk},
    )
    assert r.status_code == 201, r.content
    hh = r.json()
    assert hh["head_name"] == "李大爷" and hh["members"][0]["relation"] == "head"
    son = ResidentFactory(institution=world.a, region=world.v1)
    r = _post(c, f"/api/registry/households/{hh['id']}/members", {"resident_id": son.pk, "relation": "child"})
    assert r.status_code == 201 and len(r.json()["members"]) == 2
    r = _post(c, f"/api/registry/households/{hh['id']}/members", {"resident_id": son.pk, "relation": "child"})
    assert r.status_code == 409 and r.json()["code"] == "already_member"
    r = _post(c, f"/api/registry/households/{hh['id']}/change-head", {"new_head_id": son.pk})
    assert r.status_code == 200
    rels = {m["id"]: m["relation"] for m in r.json()["members"]}
    assert rels == {son.pk: "head", resident_a.pk: "parent"}
    r = c.delete(f"/api/registry/households/{hh['id']}/members/{son.pk}")
    assert r.status_code == 422 and r.json()["code"] == "household_head_rule"
    assert c.get("/api/registry/households", {"q": "HH-9"}).json()["count"] == 1
    other = HouseholdFactory(institution=world.b, region=world.v2)
    assert c.get(f"/api/registry/households/{other.pk}").status_code == 404


def test_key_population_api(world, resident_a):
    c = _client(world.u.doctor)
    r = _post(
        c,
        "/api/registry/key-populations",
        {"resident_id": resident_a.pk, "kind": "elderly", "source": "doctor"},
    )
    assert r.status_code == 422 and r.json()["code"] == "derived_key_population"
    r = _post(
        c,
        "/api/registry/key-populations",
        {"resident_id": resident_a.pk, "kind": "hypertension", "source": "his", "valid_from": "2023-01-01"},
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = _post(c, f"/api/registry/key-populations/{pk}/end", {"valid_to": "2024-01-01"})
    assert r.status_code == 200 and r.json()["valid_to"] == "2024-01-01"
    assert c.get("/api/registry/key-populations", {"valid_on": "2023-06-01"}).json()["count"] == 1
    assert c.get("/api/registry/key-populations", {"valid_on": "2024-06-01"}).json()["count"] == 0


def test_community_api(world, resident_a):
    c = _client(world.u.doctor)
    r = _post(
        c,
        "/api/registry/communities",
        {"name": "东城小学", "kind": "school", "region_id": world.v1.pk, "institution_id": world.a.pk},
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = _post(c, f"/api/registry/communities/{pk}/members", {"resident_id": resident_a.pk, "role": "教师"})
    assert r.status_code == 201 and r.json()["members"][0]["id_masked"] == resident_a.id_masked
    r = c.delete(f"/api/registry/communities/{pk}/members/{resident_a.pk}")
    assert r.status_code == 200 and r.json()["members"] == []
    assert _client(world.u.inst_b).get(f"/api/registry/communities/{pk}").status_code == 404


def test_institution_region_baseline_api(world):
    c = _client(world.u.commission)
    r = _post(
        c,
        "/api/registry/institutions",
        {"code": "H9", "name": "区中心医院", "kind": "secondary_hospital", "region_id": world.county.pk},
    )
    assert r.status_code == 201 and r.json()["level"] == "secondary"
    r = _post(
        c,
        "/api/registry/institutions",
        {"code": "S9", "name": "站", "kind": "chs", "region_id": world.v1.pk, "parent_id": world.clinic.pk},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_parent"
    r = _post(
        c,
        "/api/registry/regions",
        {"code": "5001140010", "name": "x", "level": "village", "parent_id": world.t1.pk},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_region_code"
    r = _post(
        c,
        "/api/registry/regions",
        {"code": "500114001009", "name": "九村", "level": "village", "parent_id": world.t1.pk},
    )
    assert r.status_code == 201
    r = c.put(
        "/api/registry/baselines",
        {"institution_id": world.a.pk, "year": 2024, "count": 12000},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["count"] == 12000
    assert c.get("/api/registry/baselines", {"year": 2024}).json()["count"] == 1
    assert c.get("/api/registry/institutions", {"kind": "thc"}).json()["count"] == 2
    far = _client(world.u.commission_far)
    assert far.get(f"/api/registry/institutions/{world.a.pk}").status_code == 404


def test_death_via_api(world, resident_a):
    c = _client(world.u.doctor)
    r = _post(c, f"/api/registry/residents/{resident_a.pk}/death", {"deceased_on": str(dt.date.today())})
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert Resident.objects.get(pk=resident_a.pk).deceased_on == dt.date.today()
    assert c.get("/api/registry/residents", {"status": "deceased"}).json()["count"] == 1
    assert make_national_id  # shared helper stays importable
