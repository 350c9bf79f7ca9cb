"""The referral API: the same services and filters as the screens; 2xx and 4xx answers."""

import pytest

from jiayi.referrals import services as s

from .test_services import free_slot, pool, up

pytestmark = pytest.mark.django_db


def _post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_requires_login(client, world):
    assert client.get("/api/referrals/").status_code == 401


def test_request_and_list_and_get(client, world):
    client.force_login(world.doc)
    r = _post(
        client,
        "/api/referrals/",
        {
            "resident_id": world.signed.pk,
            "to_institution_id": world.hospital.pk,
            "department": "心血管内科",
            "reason": "胸闷",
            "urgency": "urgent",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "requested" and body["via_family_doctor"] is True
    assert body["events"][0]["action"] == "request" and body["resident_id_masked"] != ""
    listing = client.get("/api/referrals/?status=requested&box=out").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    assert client.get("/api/referrals/?status=completed").json()["count"] == 0
    assert client.get("/api/referrals/?box=in").json()["count"] == 0
    assert client.get("/api/referrals/?date_from=not-a-date").status_code == 422
    assert client.get(f"/api/referrals/{body['id']}").status_code == 200


def test_request_errors(client, world):
    client.force_login(world.doc)
    data = {
        "resident_id": world.signed.pk,
        "to_institution_id": world.centre2.pk,
        "department": "x",
        "reason": "y",
    }
    r = _post(client, "/api/referrals/", data)
    assert r.status_code == 422 and r.json()["details"]["field"] == "to_institution"
    r = _post(client, "/api/referrals/", {**data, "to_institution_id": world.hospital.pk, "urgency": "soon"})
    assert r.status_code == 422
    r = _post(client, "/api/referrals/", {"resident_id": world.signed.pk})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    client.force_login(world.doc2)
    r = _post(client, "/api/referrals/", {**data, "to_institution_id": world.hospital.pk})
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_desk_steps_through_the_api(client, world):
    ref = up(world)
    p = pool(world, capacity=3)
    client.force_login(world.desk)
    assert client.get("/api/referrals/?box=in").json()["count"] == 1
    r = _post(client, f"/api/referrals/{ref.pk}/schedule", {"slot_id": free_slot(p).pk})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    assert _post(client, f"/api/referrals/{ref.pk}/accept").json()["status"] == "accepted"
    free = client.get(f"/api/referrals/free-slots?hospital={world.hospital.pk}&department=心血管内科").json()
    assert len(free) == 3 and free[0]["department"] == "心血管内科"
    r = _post(client, f"/api/referrals/{ref.pk}/schedule", {"slot_id": free[0]["id"]})
    assert r.status_code == 200 and r.json()["slot_id"] == free[0]["id"]
    assert (
        len(
            client.get(f"/api/referrals/free-slots?hospital={world.hospital.pk}&department=心血管内科").json()
        )
        == 2
    )
    assert _post(client, f"/api/referrals/{ref.pk}/complete").json()["completed_at"]
    r = _post(client, f"/api/referrals/{ref.pk}/refer-down", {"reason": "康复"})
    assert r.status_code == 201 and r.json()["direction"] == "down"
    down_id = r.json()["id"]
    assert _post(client, f"/api/referrals/{ref.pk}/refer-down", {"reason": "again"}).status_code == 409
    assert _post(client, f"/api/referrals/{down_id}/return").status_code == 403
    client.force_login(world.doc)
    assert _post(client, f"/api/referrals/{down_id}/return").json()["status"] == "returned"


def test_reject_and_cancel(client, world):
    a, b = up(world), up(world, department="骨科")
    client.force_login(world.desk)
    assert _post(client, f"/api/referrals/{a.pk}/reject", {"reason": ""}).status_code == 422
    assert _post(client, f"/api/referrals/{a.pk}/reject", {"reason": "无床位"}).json()["status"] == "rejected"
    assert _post(client, f"/api/referrals/{b.pk}/cancel", {"reason": "x"}).status_code == 403
    client.force_login(world.doc)
    assert (
        _post(client, f"/api/referrals/{b.pk}/cancel", {"reason": "已好转"}).json()["status"] == "cancelled"
    )


def test_other_hospital_gets_404(client, world):
    ref = up(world)
    client.force_login(world.city_desk)
    assert client.get(f"/api/referrals/{ref.pk}").status_code == 404
    assert _post(client, f"/api/referrals/{ref.pk}/accept").status_code == 404


def test_slot_pools(client, world):
    client.force_login(world.desk)
    data = {
        "hospital_id": world.hospital.pk,
        "department": "心血管内科",
        "kind": "expert",
        "date": "2099-01-05",
        "start_time": "08:00",
        "capacity": 6,
    }
    r = _post(client, "/api/referrals/slot-pools", data)
    assert r.status_code == 201 and r.json()["capacity"] == 6 and r.json()["reserved_count"] == 0
    assert client.get("/api/referrals/slot-pools?kind=expert").json()["count"] == 1
    assert client.get("/api/referrals/slot-pools?kind=bed").json()["count"] == 0
    assert _post(client, "/api/referrals/slot-pools", {**data, "capacity": 0}).status_code == 422
    assert _post(client, "/api/referrals/slot-pools", {**data, "kind": "vip"}).status_code == 422
    assert (
        _post(
            client, "/api/referrals/slot-pools", {**data, "hospital_id": world.city_hospital.pk}
        ).status_code
        == 403
    )
    client.force_login(world.doc)
    assert _post(client, "/api/referrals/slot-pools", data).status_code == 403
    assert client.get("/api/referrals/slot-pools").json()["count"] == 1  # doctors see what they can book


def test_resident_login_is_refused(client, world):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="res", role="resident", resident=world.signed))
    assert client.get("/api/referrals/").status_code == 403
    s.referral_request  # noqa: B018 - the module is used above through helpers
