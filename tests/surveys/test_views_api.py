from decimal import Decimal

import pytest
from django.utils import timezone

from jiayi.core.models import AccessEvent
from jiayi.surveys import quality
from jiayi.surveys import services as s
from jiayi.surveys.models import CallbackTask, FlagStatus, QcFlag, SurveyResponse, TaskStatus

from .conftest import GOOD, days_ago

pytestmark = pytest.mark.django_db


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def _flag(sw):
    sw.sign(sw.single, start=days_ago(220))
    quality.detect_unserved(timezone.localdate())
    return QcFlag.objects.get()


# --- pages -------------------------------------------------------------------------------------------


def test_resident_answers_online_on_the_page(client, sw):
    sw.sign()
    client.force_login(sw.resident_user(sw.single))
    page = client.get(f"/surveys/questionnaires/{sw.qn.pk}/answer/")
    assert page.status_code == 200 and "您是否与家庭医生签订了签约服务协议" in page.content.decode()
    bad = client.post(f"/surveys/questionnaires/{sw.qn.pk}/answer/", {**GOOD, "overall": ""})
    assert bad.status_code == 200 and "请回答第 6 题" in bad.content.decode()
    ok = client.post(f"/surveys/questionnaires/{sw.qn.pk}/answer/", GOOD)
    r = SurveyResponse.objects.get()
    assert ok.status_code == 302 and ok.url == f"/surveys/responses/{r.pk}/"
    assert client.get(ok.url).status_code == 200
    assert client.get("/surveys/qc/").status_code == 403  # residents do not see QC


def test_staff_pages_render(client, sw):
    sw.sign()
    s.survey_response_submit(actor=sw.resident_user(sw.single), questionnaire=sw.qn, answers=GOOD)
    client.force_login(sw.commission)
    for url in [
        "/surveys/questionnaires/",
        f"/surveys/questionnaires/{sw.qn.pk}/",
        "/surveys/responses/",
        "/surveys/satisfaction/?group=institution",
        "/surveys/satisfaction/",
        "/surveys/callbacks/samples/",
        "/surveys/callbacks/samples/new/",
        "/surveys/callbacks/tasks/",
        "/surveys/qc/",
    ]:
        assert client.get(url).status_code == 200, url
    body = client.get("/surveys/satisfaction/").content.decode()
    assert "王医生团队" in body and "100.0%" in body
    export = client.get("/surveys/responses/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_sample_and_task_pages(client, sw):
    sw.sign(sw.single)
    sw.sign(sw.son)
    client.force_login(sw.commission)
    r = client.post(
        "/surveys/callbacks/samples/new/",
        {"title": "6月回访", "questionnaire": sw.qn.pk, "share_percent": "50", "seed": "3"},
    )
    assert r.status_code == 302
    task = CallbackTask.objects.get()
    assert client.get(r.url).status_code == 200
    page = client.get(f"/surveys/callbacks/tasks/{task.pk}/")
    assert page.status_code == 200 and task.resident.phone not in page.content.decode()
    phone = client.post(f"/surveys/callbacks/tasks/{task.pk}/phone/", HTTP_HX_REQUEST="true")
    assert task.resident.phone in phone.content.decode() and AccessEvent.objects.count() == 1
    missing = client.post(f"/surveys/callbacks/tasks/{task.pk}/", {"action": "unreachable", "note": ""})
    assert missing.status_code == 200
    done = client.post(f"/surveys/callbacks/tasks/{task.pk}/", {"action": "answer", **GOOD})
    assert done.status_code == 302
    assert CallbackTask.objects.get().status == TaskStatus.DONE


def test_working_a_flag_on_the_page_and_scope(client, sw):
    flag = _flag(sw)
    client.force_login(sw.admin2)
    assert client.get(f"/surveys/qc/{flag.pk}/").status_code == 404
    client.force_login(sw.admin)
    page = client.get(f"/surveys/qc/{flag.pk}/")
    assert page.status_code == 200 and "没有任何服务记录" in page.content.decode()
    assert client.get("/surveys/qc/?export=xlsx").status_code == 200
    r = client.post(f"/surveys/qc/{flag.pk}/", {"status": "confirmed", "note": "确认未服务"})
    assert r.status_code == 302
    assert QcFlag.objects.get().status == FlagStatus.CONFIRMED
    client.force_login(sw.user)
    assert client.get("/surveys/qc/").status_code == 403


# --- API ---------------------------------------------------------------------------------------------


def test_api_requires_auth(client):
    assert client.get("/api/surveys/questionnaires").status_code == 401


def test_api_questionnaire_and_online_response(client, sw):
    sw.sign()
    client.force_login(sw.resident_user(sw.single))
    qn = client.get(f"/api/surveys/questionnaires/{sw.qn.pk}").json()
    assert len(qn["questions"]) == 7 and qn["questions"][2]["options"][0]["value"] == "5"
    bad = _post(
        client, "/api/surveys/responses", {"questionnaire_id": sw.qn.pk, "answers": {**GOOD, "overall": "9"}}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "survey_answer_invalid"
    ok = _post(client, "/api/surveys/responses", {"questionnaire_id": sw.qn.pk, "answers": GOOD})
    assert ok.status_code == 201 and ok.json()["is_satisfied"] is True
    again = _post(client, "/api/surveys/responses", {"questionnaire_id": sw.qn.pk, "answers": GOOD})
    assert again.status_code == 409 and again.json()["code"] == "survey_already_answered"
    assert client.get("/api/surveys/qc/flags").status_code == 403


def test_api_satisfaction_samples_tasks_and_flags(client, sw):
    sw.sign(sw.single)
    sw.sign(sw.son)
    s.survey_response_submit(actor=sw.resident_user(sw.single), questionnaire=sw.qn, answers=GOOD)
    client.force_login(sw.commission)
    sat = client.get("/api/surveys/satisfaction?group=team").json()
    assert sat["responses"] == 1 and sat["rate"] == "100.0" and sat["rows"][0]["name"] == "王医生团队"
    r = _post(
        client, "/api/surveys/samples", {"title": "API", "questionnaire_id": sw.qn.pk, "count": 2, "seed": 9}
    )
    assert r.status_code == 201 and r.json()["size"] == 2
    assert (
        _post(client, "/api/surveys/samples", {"title": "x", "questionnaire_id": sw.qn.pk}).status_code == 422
    )
    tasks = client.get("/api/surveys/tasks").json()["items"]
    assert len(tasks) == 2 and "****" in tasks[0]["phone_masked"]
    t0, t1 = tasks[0]["id"], tasks[1]["id"]
    assert len(_post(client, f"/api/surveys/tasks/{t0}/phone", {}).json()["phone"]) == 11
    done = _post(client, f"/api/surveys/tasks/{t0}/complete", {"answers": {**GOOD, "knows_signed": "no"}})
    assert done.status_code == 200 and done.json()["denies_signing"] is True
    assert _post(client, f"/api/surveys/tasks/{t0}/unreachable", {"note": "x"}).status_code == 409
    assert (
        _post(client, f"/api/surveys/tasks/{t1}/unreachable", {"note": "空号"}).json()["status"]
        == "unreachable"
    )
    flags = client.get("/api/surveys/qc/flags?kind=denied_signing").json()["items"]
    assert len(flags) == 1
    fid = flags[0]["id"]
    assert (
        _post(client, f"/api/surveys/qc/flags/{fid}/resolve", {"status": "dismissed", "note": ""}).status_code
        == 422
    )
    ok = _post(
        client, f"/api/surveys/qc/flags/{fid}/resolve", {"status": "confirmed", "note": "居民确未签约"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    client.force_login(sw.admin2)
    assert client.get(f"/api/surveys/qc/flags/{fid}").status_code == 404
    assert client.get(f"/api/surveys/tasks/{t0}").status_code == 404
    assert Decimal(sat["rate"]) == Decimal("100.0")
