import base64

import pytest

from jiayi.contracts import services as s
from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.apiauth import token_create

from .conftest import PNG, sign_kwargs

pytestmark = pytest.mark.django_db

B64 = base64.b64encode(PNG).decode()


@pytest.fixture
def api(world):
    from django.test import Client

    # CSRF enforced as on a real server: a token client sends no cookie and no CSRF token.
    client = Client(enforce_csrf_checks=True)
    key = token_create(user=world.user, name="test")

    class Api:
        def get(self, path, **params):
            return client.get("/api/contracts" + path, params, HTTP_AUTHORIZATION=f"Bearer {key}")

        def post(self, path, body=None):
            return client.post(
                "/api/contracts" + path,
                body or {},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )

    return Api()


def _sign_body(world, **over):
    body = {
        "resident_id": world.single.pk,
        "team_id": world.team.pk,
        "doctor_id": world.doctor.pk,
        "package_ids": [world.basic.pk],
        "channel": "clinic",
        "consent_mode": "handwritten",
        "signature_png": B64,
    }
    body.update(over)
    return body


def test_sign_get_list(api, world):
    r = api.post("/sign", _sign_body(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("QY") and body["warnings"] == []
    (c,) = body["contracts"]
    assert (
        c["resident_name"] == "张三" and c["status"] == "active" and c["packages"][0]["name"] == "基础服务包"
    )
    assert c["resident_id_masked"] == world.single.id_masked
    r = api.get(f"/{c['id']}")
    assert r.status_code == 200 and r.json()["events"][0]["action"] == "sign"
    r = api.get("/", status="active", q="张")
    assert r.status_code == 200 and r.json()["count"] == 1
    assert api.get("/", status="terminated").json()["count"] == 0


def test_sign_data_url_signature(api, world):
    r = api.post("/sign", _sign_body(world, signature_png="data:image/png;base64," + B64))
    assert r.status_code == 201


def test_sign_family(api, world):
    body = {
        "household_id": world.household.pk,
        "members": [
            {"resident_id": world.grandpa.pk, "package_ids": [world.basic.pk, world.elderly.pk]},
            {"resident_id": world.boy.pk, "package_ids": [world.basic.pk]},
        ],
        "team_id": world.team.pk,
        "doctor_id": world.doctor.pk,
        "channel": "home",
        "consent_mode": "handwritten",
        "signature_png": B64,
        "resident_paid": True,
    }
    r = api.post("/sign-family", body)
    assert r.status_code == 201, r.content
    assert {c["resident_name"] for c in r.json()["contracts"]} == {"李大爷", "李小宝"}


def test_duplicate_409(api, world):
    assert api.post("/sign", _sign_body(world)).status_code == 201
    r = api.post("/sign", _sign_body(world))
    assert r.status_code == 409 and r.json()["code"] == "duplicate_contract"
    assert "不能重复签约" in r.json()["message"]


def test_window_422(api, world):
    from django.utils import timezone

    today = timezone.localdate()
    start, end = ("07-01", "12-31") if today.month <= 6 else ("01-01", "06-30")
    world.policy(signing_window_start=start, signing_window_end=end, signing_window_mode="refuse")
    r = api.post("/sign", _sign_body(world))
    assert r.status_code == 422 and r.json()["code"] == "outside_signing_window"
    assert not Contract.objects.exists()


def test_term_422(api, world):
    r = api.post("/sign", _sign_body(world, term_years=4))
    assert r.status_code == 422 and r.json()["code"] == "term_not_allowed"


def test_capacity_409(api, world):
    world.policy(capacity_per_doctor=0)
    r = api.post("/sign", _sign_body(world))
    assert r.status_code == 409 and r.json()["code"] == "capacity_exceeded"


@pytest.mark.parametrize(
    "over",
    [
        {"signature_png": None},
        {"signature_png": base64.b64encode(b"GIF89a-not-a-png").decode()},
        {"signature_png": "data:image/jpeg;base64,/9j/4AAQ"},
        {"consent_mode": "online", "signature_png": None},  # online consent needs the online channel
    ],
)
def test_consent_422(api, world, over):
    r = api.post("/sign", _sign_body(world, **over))
    assert r.status_code == 422 and r.json()["code"] == "consent_missing"
    assert not Contract.objects.exists()


def test_packages_422(api, world):
    r = api.post("/sign", _sign_body(world, package_ids=[world.elderly.pk]))
    assert r.status_code == 422 and r.json()["code"] == "invalid_packages"
    r = api.post("/sign", _sign_body(world, package_ids=[999999]))
    assert r.status_code == 422 and r.json()["code"] == "invalid_packages"


def test_out_of_scope_404(api, world):
    c = s.contract_sign(
        **sign_kwargs(world, actor=world.admin, team=world.other_team, doctor=world.doctor2)
    ).contracts[0]
    assert api.get(f"/{c.pk}").status_code == 404
    r = api.post(
        f"/{c.pk}/terminate", {"reason": "moved", "confirmed_by_team": True, "confirmed_by_resident": True}
    )
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.get(f"/{c.pk}/agreement.pdf").status_code == 404
    # signing someone outside the scope
    r = api.post("/sign", _sign_body(world, resident_id=world.single.pk))
    assert r.status_code == 404
    assert api.get("/").json()["count"] == 0


def test_session_write_needs_csrf(world):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.user)
    r = browser.post("/api/contracts/sign", {}, content_type="application/json")
    assert r.status_code == 403  # a logged-in browser session still needs the CSRF token


def test_anonymous_401(client, world):
    r = client.get("/api/contracts/")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = client.post("/api/contracts/sign", {}, content_type="application/json")
    assert r.status_code == 401


def test_lifecycle_endpoints(api, world):
    c = s.contract_sign(
        **sign_kwargs(world, resident=world.grandpa, packages=[world.basic, world.elderly])
    ).contracts[0]
    assert c.status == ContractStatus.PENDING
    r = api.post(f"/{c.pk}/confirm-payment")
    assert r.status_code == 200 and r.json()["status"] == "active"
    r = api.post(f"/{c.pk}/confirm-payment")
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"
    r = api.post(f"/{c.pk}/reassign-doctor", {"doctor_id": world.doctor2.pk, "note": "调整"})
    assert r.status_code == 200 and r.json()["doctor_id"] == world.doctor2.pk
    r = api.post(f"/{c.pk}/opt-out", {"opt_out": True})
    assert r.status_code == 200 and r.json()["renewal_opt_out"] is True
    r = api.post(f"/{c.pk}/renew", {"term_years": 1})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"  # too early
    r = api.post(f"/{c.pk}/terminate", {"reason": "moved", "confirmed_by_team": True})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    r = api.post(
        f"/{c.pk}/terminate", {"reason": "moved", "confirmed_by_team": True, "confirmed_by_resident": True}
    )
    assert r.status_code == 200 and r.json()["status"] == "terminated"
    r = api.get(f"/{c.pk}/agreement.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"


def test_renew_endpoint(api, world):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    c = s.contract_sign(**sign_kwargs(world, start=today - dt.timedelta(days=20))).contracts[0]
    # bring the end near: within the reminder period
    Contract.objects.filter(pk=c.pk).update(end=today + dt.timedelta(days=5))
    r = api.post(f"/{c.pk}/renew", {"term_years": 1})
    assert r.status_code == 201, r.content
    assert r.json()["previous_id"] == c.pk
