import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jiayi.care import services as cs
from jiayi.care.models import ContactPlan, RecordStatus, ServiceRecord
from jiayi.core.models import AccessEvent, Role
from tests.factories import ResidentFactory, UserFactory, make_national_id

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_workbench_lists_overdue_first_and_quick_contact_moves_row(cw):
    cw.sign(cw.single, days_ago=120)  # overdue
    cw.sign(cw.grandpa)  # never contacted, not yet due
    c = _client(cw.user)
    page = c.get(reverse("care:workbench"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "逾期未联系" in html and cw.single.name in html
    assert page.context["wb"].counts == {"overdue": 1, "due_week": 0, "never": 2}
    form = c.get(reverse("care:quick_contact", args=[cw.single.pk]) + "?tab=overdue", HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "保存随访" in form.content.decode()
    resp = c.post(
        reverse("care:quick_contact", args=[cw.single.pk]),
        {"channel": "phone", "sbp": "140", "dbp": "88", "tab": "overdue"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200
    assert resp.context["wb"].counts["overdue"] == 0
    rec = ServiceRecord.objects.get(resident=cw.single)
    assert rec.item.code == "FOLLOW_UP" and rec.channel == "phone" and rec.measurements.count() == 2
    assert ContactPlan.objects.get(resident=cw.single).last_contact_on == cw.today


def test_quick_contact_error_stays_under_row(cw):
    cw.sign(cw.single, days_ago=120)
    c = _client(cw.user)
    resp = c.post(
        reverse("care:quick_contact", args=[cw.single.pk]),
        {"channel": "phone", "sbp": "400", "dbp": "88", "tab": "overdue"},
        HTTP_HX_REQUEST="true",
    )
    assert resp.status_code == 200 and resp["HX-Retarget"] == f"#qc-overdue-{cw.single.pk}"
    assert "超出合理范围" in resp.content.decode()
    assert not ServiceRecord.objects.exists()


def test_workbench_query_count_bounded(cw, django_assert_max_num_queries):
    cw.sign(cw.single, days_ago=120)
    plan = ContactPlan.objects.get(resident=cw.single)
    rows = []
    for i in range(200):
        r = ResidentFactory(
            name=f"居民{i}",
            national_id=make_national_id(),
            institution=cw.inst,
            region=cw.village,
            team=cw.team,
        )
        rows.append(
            ContactPlan(
                resident=r,
                contract=plan.contract,
                team=cw.team,
                doctor=cw.doctor,
                institution=cw.inst,
                colour=["red", "yellow", ""][i % 3],
                interval_days=90,
                signed_on=cw.today - dt.timedelta(days=200),
                next_due_on=cw.today + dt.timedelta(days=i - 100),
                county_code=plan.county_code,
                region_code=plan.region_code,
                last_contact_on=None if i % 2 else cw.today - dt.timedelta(days=100),
            )
        )
    ContactPlan.objects.bulk_create(rows)
    c = _client(cw.user)
    c.get(reverse("care:workbench"))  # warm the session and caches
    with django_assert_max_num_queries(20):
        page = c.get(reverse("care:workbench"))
    assert page.status_code == 200
    wb = page.context["wb"]
    assert wb.counts["overdue"] == 101 and len(wb.lists["overdue"]) == 50
    assert wb.lists["overdue"][0].colour == "red"


def test_institution_admin_chooses_team_and_unknown_team_404(cw):
    c = _client(cw.admin)
    assert c.get(reverse("care:workbench") + f"?team={cw.other_team.pk}").context["wb"].team == cw.other_team
    assert c.get(reverse("care:workbench") + "?team=99999").status_code == 404


def test_care_page_and_scope(cw):
    cw.sign(cw.single)
    cs.service_record_create(
        actor=cw.user,
        resident=cw.single,
        item=cw.follow_up,
        performed_on=cw.today,
        channel="phone",
        practitioner=cw.doctor,
        measurements={"sbp": (150, "device"), "dbp": 95},
    )
    cs.risk_assess(
        actor=cw.user,
        resident=cw.single,
        condition="hypertension",
        colour="red",
        reason="血压高",
        practitioner=cw.doctor,
    )
    c = _client(cw.user)
    page = c.get(reverse("care:resident_care", args=[cw.single.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "红标" in html and "随访" in html and "echarts.min.js" in html
    assert page.context["device"]["percent"] == 50.0
    assert page.context["ent"].line_for(cw.follow_up.pk).delivered == 1
    assert AccessEvent.objects.filter(object_id=str(cw.single.pk), field="care_record").exists()
    cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    assert c.get(reverse("care:resident_care", args=[cw.son.pk])).status_code == 404
    assert c.get(reverse("care:resident_summary", args=[cw.son.pk])).status_code == 404
    finance = UserFactory(username="fin", role=Role.FINANCE, region=cw.county)
    assert _client(finance).get(reverse("care:resident_care", args=[cw.single.pk])).status_code == 403


def test_registry_page_loads_summary(cw):
    cw.sign(cw.single)
    c = _client(cw.user)
    html = c.get(reverse("registry:resident_detail", args=[cw.single.pk])).content.decode()
    assert reverse("care:resident_summary", args=[cw.single.pk]) in html
    frag = c.get(reverse("care:resident_summary", args=[cw.single.pk]))
    assert frag.status_code == 200 and "健康管理与履约" in frag.content.decode()


def test_record_form_and_void(cw):
    cw.sign(cw.single)
    c = _client(cw.user)
    url = reverse("care:record_create", args=[cw.single.pk])
    form = c.get(url)
    assert form.status_code == 200 and form.context["form"]["practitioner"].value() == cw.doctor.pk
    data = {
        "item": cw.follow_up.pk,
        "performed_on": cw.today.isoformat(),
        "channel": "face_to_face",
        "practitioner": cw.doctor.pk,
        "measurement_source": "entered",
        "is_contact": "on",
        "sbp": "120",
    }
    bad = c.post(url, data)  # sbp without dbp: the service's message on the form
    assert bad.status_code == 200 and "同时填写" in bad.content.decode()
    data["dbp"] = "80"
    ok = c.post(url, data)
    assert ok.status_code == 302
    rec = ServiceRecord.objects.get()
    c.post(reverse("care:record_void", args=[rec.pk]), {"reason": ""})
    rec.refresh_from_db()
    assert rec.status == RecordStatus.VALID
    c.post(reverse("care:record_void", args=[rec.pk]), {"reason": "录错人"})
    rec.refresh_from_db()
    assert rec.status == RecordStatus.VOID


def test_risk_assessment_prescription_and_bed_forms(cw):
    cw.sign(cw.single)
    c = _client(cw.user)
    pk = cw.single.pk
    c.post(
        reverse("care:risk_set", args=[pk]),
        {"condition": "diabetes", "colour": "yellow", "reason": "血糖偏高"},
    )
    assert ContactPlan.objects.get(resident=cw.single).colour == "yellow"
    r = c.post(
        reverse("care:prescription_issue", args=[pk]),
        {
            "condition": "diabetes",
            "medicines": "二甲双胍 0.5g 每日两次",
            "weeks": 20,
            "practitioner": cw.doctor.pk,
        },
        follow=True,
    )
    assert "4–12 周" in r.content.decode()
    r = c.post(
        reverse("care:prescription_issue", args=[pk]),
        {
            "condition": "diabetes",
            "medicines": "二甲双胍 0.5g 每日两次",
            "weeks": 12,
            "practitioner": cw.doctor.pk,
        },
        follow=True,
    )
    assert "已开具长期处方" in r.content.decode()
    r = c.post(
        reverse("care:assessment_create", args=[pk]),
        {"findings": "血糖偏高", "plan": "控制饮食"},
        follow=True,
    )
    assert "已保存年度健康评估" in r.content.decode()
    r = c.post(
        reverse("care:homebed_admit", args=[pk]), {"diagnosis": "糖尿病足", "practitioner": cw.doctor.pk}
    )
    assert r.status_code == 302 and "/homebeds/" in r["Location"]
    detail = c.get(r["Location"])
    assert detail.status_code == 200 and "糖尿病足" in detail.content.decode()
    beds = c.get(reverse("care:homebed_list") + "?status=admitted")
    assert beds.status_code == 200 and "糖尿病足" in beds.content.decode()
    export = c.get(reverse("care:homebed_list") + "?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_contract_entitlement_fragment(cw):
    contract = cw.sign(cw.single)
    c = _client(cw.user)
    frag = c.get(reverse("care:contract_entitlement", args=[contract.pk]))
    assert frag.status_code == 200 and "随访" in frag.content.decode()
    other = cw.sign(cw.son, team=cw.other_team, doctor=cw.doctor2)
    assert c.get(reverse("care:contract_entitlement", args=[other.pk])).status_code == 404
