import pytest
from django.test import Client

from jiayi.care import services as cs
from jiayi.care.models import Reminder

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def _post(c, url, data):
    return c.post(url, data, content_type="application/json")


def test_anonymous_401():
    r = Client().get("/api/care/records")
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"


def test_records_create_list_void(cw):
    cw.sign(cw.single)
    c = _client(cw.user)
    body = {
        "resident_id": cw.single.pk,
        "item_id": cw.follow_up.pk,
        "performed_on": cw.today.isoformat(),
        "channel": "phone",
        "measurements": {"sbp": {"value": 150, "source": "device"}, "dbp": 95},
    }
    r = _post(c, "/api/care/records", body)
    assert r.status_code == 201, r.content
    rec = r.json()["record"]
    assert {m["kind"]: m["source"] for m in rec["measurements"]} == {"sbp": "device", "dbp": "entered"}
    assert rec["practitioner_id"] == cw.doctor.pk  # the user's own practitioner by default
    listed = c.get(f"/api/care/records?resident={cw.single.pk}").json()
    assert listed["count"] == 1
    bad = _post(c, "/api/care/records", {**body, "measurements": {"sbp": 400, "dbp": 90}})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_measurement"
    r = _post(c, f"/api/care/records/{rec['id']}/void", {"reason": ""})
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    r = _post(c, f"/api/care/records/{rec['id']}/void", {"reason": "重复录入"})
    assert r.status_code == 200 and r.json()["status"] == "void"
    m = c.get(f"/api/care/residents/{cw.single.pk}/measurements?kinds=sbp").json()
    assert m == []  # void records drop out of the series


def test_scope_404_and_forbidden(cw):
    cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    c = _client(cw.user)
    body = {
        "resident_id": cw.son.pk,
        "item_id": cw.follow_up.pk,
        "performed_on": cw.today.isoformat(),
        "channel": "phone",
    }
    r = _post(c, "/api/care/records", body)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert c.get(f"/api/care/residents/{cw.son.pk}/risk").status_code == 404
    assert c.get("/api/care/worklists/whatever").status_code == 404


def test_risk_assessment_worklists_entitlement(cw):
    contract = cw.sign(cw.single, days_ago=120)
    c = _client(cw.user)
    r = _post(
        c,
        f"/api/care/residents/{cw.single.pk}/risk",
        {"condition": "hypertension", "colour": "red", "reason": "三级高血压"},
    )
    assert r.status_code == 201 and r.json()["colour_label"] == "红标"
    assert (
        _post(
            c,
            f"/api/care/residents/{cw.single.pk}/risk",
            {"condition": "hypertension", "colour": "purple", "reason": "x"},
        ).status_code
        == 422
    )
    assert [x["colour"] for x in c.get(f"/api/care/residents/{cw.single.pk}/risk").json()] == ["red"]
    counts = c.get("/api/care/worklists").json()
    assert counts == {"team_id": cw.team.pk, "overdue": 1, "due_week": 0, "never": 1}
    rows = c.get(f"/api/care/worklists/overdue?team={cw.team.pk}").json()
    assert rows["items"][0]["resident_id"] == cw.single.pk and rows["items"][0]["colour"] == "red"
    r = _post(c, f"/api/care/residents/{cw.single.pk}/assessments", {"findings": "血压高", "plan": "减盐"})
    assert r.status_code == 201
    assert len(c.get(f"/api/care/residents/{cw.single.pk}/assessments").json()) == 1
    ent = c.get(f"/api/care/contracts/{contract.pk}/entitlement").json()
    lines = {x["item_name"]: x for x in ent["lines"]}
    assert lines["年度健康评估"]["delivered"] == 1 and lines["随访"]["remaining"] == 4


def test_prescriptions_api(cw):
    cw.sign(cw.single)
    cs.risk_assess(
        actor=cw.user,
        resident=cw.single,
        condition="hypertension",
        colour="green",
        reason="稳定",
        practitioner=cw.doctor,
    )
    c = _client(cw.user)
    body = {
        "resident_id": cw.single.pk,
        "condition": "hypertension",
        "weeks": 14,
        "medicines": [{"name": "氨氯地平片", "dose": "5mg", "frequency": "qd"}],
    }
    r = _post(c, "/api/care/prescriptions", body)
    assert r.status_code == 422 and r.json()["details"]["max"] == 12
    r = _post(c, "/api/care/prescriptions", {**body, "condition": "copd", "weeks": 8})
    assert r.status_code == 422 and r.json()["code"] == "not_eligible"
    r = _post(c, "/api/care/prescriptions", {**body, "weeks": 8})
    assert r.status_code == 201
    pk = r.json()["id"]
    assert c.get("/api/care/prescriptions?status=active").json()["count"] == 1
    assert _post(c, f"/api/care/prescriptions/{pk}/stop", {"reason": "停药"}).json()["status"] == "stopped"
    r = _post(c, f"/api/care/prescriptions/{pk}/stop", {"reason": "停药"})
    assert r.status_code == 409 and r.json()["code"] == "illegal_transition"


def test_homebeds_api(cw):
    cw.sign(cw.grandpa)
    c = _client(cw.user)
    r = _post(c, "/api/care/homebeds", {"resident_id": cw.grandpa.pk, "diagnosis": "脑卒中后遗症"})
    assert r.status_code == 201
    pk = r.json()["id"]
    assert _post(c, "/api/care/homebeds", {"resident_id": cw.grandpa.pk, "diagnosis": "x"}).status_code == 409
    r = _post(c, f"/api/care/homebeds/{pk}/visits", {"item_id": cw.home_visit.pk, "notes": "查床"})
    assert r.status_code == 201 and r.json()["record"]["channel"] == "home_visit"
    r = _post(c, f"/api/care/homebeds/{pk}/discharge", {"summary": "好转"})
    assert r.status_code == 200 and r.json()["status"] == "discharged"
    assert c.get("/api/care/homebeds?status=discharged").json()["count"] == 1


def test_reminders_api(cw):
    c = _client(cw.user)
    r = _post(c, "/api/care/reminders", {"resident_id": cw.single.pk, "message": "请来复诊"})
    assert r.status_code == 201 and r.json()["channel"] == "log"
    assert _post(c, "/api/care/reminders", {"resident_id": cw.single.pk, "message": " "}).status_code == 422
    assert c.get(f"/api/care/reminders?resident={cw.single.pk}").json()["count"] == 1
    assert Reminder.objects.count() == 1
