"""Pages, API (2xx/4xx), scope, schemes and assessment runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayi.core.errors import Forbidden
from jiayi.core.models import Role
from jiayi.evaluation import rollups, services
from jiayi.evaluation.errors import InvalidScheme
from jiayi.evaluation.models import AssessmentScore
from jiayi.evaluation.services import score_of
from jiayi.registry.models import PopulationBaseline
from tests.factories import InstitutionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(ew):
    year = timezone.localdate().year
    ew.sign(ew.grandpa)
    ew.sign(ew.single, team=ew.other_team)
    PopulationBaseline.objects.create(institution=ew.inst, year=year, population="all", count=10)
    ew.inst2 = InstitutionFactory(region=ew.township, name="第二卫生院")
    ew.team2 = TeamFactory(institution=ew.inst2, name="二院一队")
    PopulationBaseline.objects.create(institution=ew.inst2, year=year, population="all", count=100)
    ew.policy(signing_window_start="01-01", signing_window_end="12-31", renewal_reminder_days=400,
              targets=[{"year": year, "month": 12, "overall": 40}])  # fmt: skip
    ew.admin2 = UserFactory(username="inst2", role=Role.INSTITUTION_ADMIN, institution=ew.inst2)
    rollups.refresh_dirty()
    return ew


def login(client, user):
    client.force_login(user)
    return client


def test_dashboard_drilldown_and_gap_sort(client, data):
    login(client, data.commission)
    r = client.get(reverse("evaluation:dashboard") + "?sort=gap")
    assert r.status_code == 200
    rows = r.context["rows"]
    # 第二卫生院: task 40, signed 0, gap 40 comes first; the centre: task 4, signed 2, gap 2
    assert [row.name for row in rows][0] == "第二卫生院"
    centre = next(row for row in rows if row.key == data.inst.pk)
    assert (centre.task, centre.signed, centre.gap, centre.rate) == (4, 2, 2, Decimal("20.00"))
    r = client.get(reverse("evaluation:dashboard"), {"institution": data.inst.pk})
    assert r.status_code == 200 and {row.name for row in r.context["rows"]} >= {"王医生团队", "李医生团队"}
    r = client.get(reverse("evaluation:dashboard"), {"team": data.team.pk})
    assert r.status_code == 200 and r.context["level"] == "team" and r.context["rows"][0].signed == 1
    x = client.get(reverse("evaluation:dashboard") + "?export=xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxml")


def test_institution_admin_sees_only_their_institution(client, data):
    login(client, data.admin2)
    r = client.get(reverse("evaluation:dashboard"))
    assert [row.name for row in r.context["rows"]] == ["第二卫生院"]
    assert client.get(reverse("evaluation:dashboard"), {"institution": data.inst.pk}).status_code == 404
    assert client.get(reverse("evaluation:dashboard"), {"team": data.team.pk}).status_code == 404
    api = client.get("/api/evaluation/dashboard", {"team": data.team.pk})
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_doctor_may_not_open_monitoring(client, data):
    login(client, UserFactory(username="doc2", role=Role.DOCTOR, team=data.team))
    assert client.get(reverse("evaluation:dashboard")).status_code == 403
    assert client.get("/api/evaluation/dashboard").status_code == 403


def test_api_dashboard_schemes_assessment_settlement(client, data):
    login(client, data.commission)
    r = client.get("/api/evaluation/dashboard")
    assert r.status_code == 200
    body = r.json()
    assert body["level"] == "region" and {row["name"] for row in body["rows"]} == {
        data.inst.name,
        "第二卫生院",
    }
    bad = client.post("/api/evaluation/schemes", {"name": "x", "items": [{"indicator": "nope", "weight": 1,
                      "target": 1}]}, content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_assessment_scheme"
    ok = client.post("/api/evaluation/schemes", {"name": "方案", "items": [{"indicator": "coverage", "weight": 100,
                     "target": 40}]}, content_type="application/json")  # fmt: skip
    assert ok.status_code == 201
    year = timezone.localdate().year
    run = client.post("/api/evaluation/assessments", {"scheme": ok.json()["id"], "period_start": f"{year}-01-01",
                      "period_end": str(timezone.localdate())}, content_type="application/json")  # fmt: skip
    assert run.status_code == 201
    scores = {(s["institution_id"], s["team_id"]): Decimal(str(s["score"])) for s in run.json()["scores"]}
    assert scores[(data.inst.pk, None)] == Decimal("50.00")  # 20 % coverage ÷ 40 % target
    assert client.get(f"/api/evaluation/assessments/{run.json()['id']}").status_code == 200
    assert client.get("/api/evaluation/assessments/999999").status_code == 404
    s = client.post("/api/evaluation/settlements", {"period_start": f"{year}-01-01", "period_end": f"{year}-12-31",
                    "assessment": run.json()["id"]}, content_type="application/json")  # fmt: skip
    assert s.status_code == 201
    lines = client.get(f"/api/evaluation/settlements/{s.json()['id']}/lines")
    assert lines.status_code == 200 and lines.json()["count"] == 2
    wrong = client.post("/api/evaluation/settlements", {"period_start": f"{year}-12-31", "period_end":
                        f"{year}-01-01"}, content_type="application/json")  # fmt: skip
    assert wrong.status_code == 422
    ind = client.get(
        "/api/evaluation/indicators", {"start": f"{year}-01-01", "end": str(timezone.localdate())}
    )
    assert ind.status_code == 200 and {i["code"] for i in ind.json()} >= {"signed", "bp_control"}


def test_api_unauthenticated(client, data):
    assert client.get("/api/evaluation/dashboard").status_code == 401


def test_pages_render(client, data):
    login(client, data.commission)
    scheme = services.scheme_create_preset(actor=data.commission)
    for name, kw in [("indicators", {}), ("scheme_list", {}), ("scheme_create", {}), ("scheme_edit", {"pk": scheme.pk}),
                     ("assessment_list", {}), ("settlement_list", {}), ("cost_entry", {})]:  # fmt: skip
        assert client.get(reverse(f"evaluation:{name}", kwargs=kw)).status_code == 200, name
    year = timezone.localdate().year
    r = client.post(reverse("evaluation:settlement_list"), {"period_start": f"{year}-01-01",
                    "period_end": f"{year}-12-31"})  # fmt: skip
    assert r.status_code == 302
    detail = client.get(r["Location"])
    assert detail.status_code == 200
    assert client.get(r["Location"] + "?export=xlsx").status_code == 200
    r = client.post(reverse("evaluation:scheme_create"), {"name": ""})
    assert r.status_code == 200 and r.context["form"].errors


def test_scheme_rules_and_scoring(data):
    with pytest.raises(Forbidden):
        services.scheme_create(
            actor=data.admin, name="x", items=[{"indicator": "signed", "weight": 1, "target": 1}]
        )
    with pytest.raises(InvalidScheme):
        services.scheme_create(actor=data.commission, name="x", items=[])
    with pytest.raises(InvalidScheme):
        services.scheme_create(
            actor=data.commission,
            name="x",
            items=[
                {"indicator": "signed", "weight": 1, "target": 1},
                {"indicator": "signed", "weight": 1, "target": 1},
            ],
        )
    with pytest.raises(InvalidScheme):
        services.scheme_create(actor=data.commission, name="x", items=[{"indicator": "signed", "weight": 0,
                               "target": 1}])  # fmt: skip
    items = [{"indicator": "coverage", "weight": "60", "target": "40"},
             {"indicator": "bp_control", "weight": "20", "target": "50"},
             {"indicator": "fee_per_signed", "weight": "20", "target": "100"}]  # fmt: skip
    # coverage 20/40 → 30 points; bp: no data → dropped; fee 200 vs target 100 → 10 points. 40 of 80 → 50.
    score, detail = score_of(
        items, {"coverage": Decimal(20), "bp_control": None, "fee_per_signed": Decimal(200)}
    )
    assert score == Decimal("50.00") and detail["bp_control"]["points"] is None
    # capped: beyond the target gives full marks, not more
    assert score_of(items[:1], {"coverage": Decimal(80)})[0] == Decimal("100.00")
    scheme = services.scheme_create_preset(actor=data.commission)
    year = timezone.localdate().year
    run = services.assessment_run(actor=data.commission, scheme=scheme, period_start=dt.date(year, 1, 1),
                                  period_end=timezone.localdate())  # fmt: skip
    assert AssessmentScore.objects.filter(run=run, team=data.team).exists()
    with pytest.raises(Forbidden):
        services.assessment_run(actor=data.finance, scheme=scheme, period_start=dt.date(year, 1, 1),
                                period_end=timezone.localdate())  # fmt: skip
    updated = services.scheme_update(actor=data.commission, scheme=scheme, is_active=False)
    assert not updated.is_active
