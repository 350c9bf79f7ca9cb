import pytest
from django.core.management import call_command
from django.urls import reverse

from jiayi.core.models import Role
from jiayi.policy.models import PolicySetting
from tests.factories import UserFactory, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def presets():
    call_command("load_policy_presets", verbosity=0)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="sys", role=Role.SYSADMIN))
    return client


def test_api_effective_inherits(admin_client, presets):
    from jiayi.registry.models import Region

    t = township(Region.objects.get(code="500114000000"), 3)
    r = admin_client.get("/api/policy/effective", {"region": t.code, "year": 2025})
    assert r.status_code == 200
    body = r.json()
    assert body["source_region_code"] == "500114000000" and body["inherited"] is True
    assert body["setting"]["signing_window_end"] == "06-30"
    r = admin_client.get("/api/policy/effective", {"year": 2025})
    assert r.json()["source_label"] == "全国默认"
    assert admin_client.get("/api/policy/effective", {"region": "999999", "year": 2025}).status_code == 404


def test_api_list_get_patch(admin_client, presets):
    r = admin_client.get("/api/policy/settings", {"year": 2022})
    assert r.status_code == 200 and r.json()["count"] == 2
    yy = PolicySetting.objects.get(region__code="430600000000")
    r = admin_client.get(f"/api/policy/settings/{yy.pk}")
    assert r.json()["basic_fee"] == "40.00"
    r = admin_client.patch(
        f"/api/policy/settings/{yy.pk}", {"capacity_per_doctor": 1800}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["capacity_per_doctor"] == 1800
    r = admin_client.patch(
        f"/api/policy/settings/{yy.pk}", {"basic_fee_resident": "9.00"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    assert r.json()["details"]["field"] == "basic_fee"
    r = admin_client.patch(
        f"/api/policy/settings/{yy.pk}", {"allowed_terms": [5]}, content_type="application/json"
    )
    assert r.status_code == 422
    assert admin_client.get("/api/policy/settings/999999").status_code == 404


def test_api_forbidden_and_unauthenticated(client, presets):
    assert client.get("/api/policy/settings").status_code == 401
    from jiayi.registry.models import Region

    qj = Region.objects.get(code="500114000000")
    client.force_login(UserFactory(username="wjw", role=Role.COMMISSION, region=qj))
    s = PolicySetting.objects.get(region__isnull=True)  # visible to all, writable by the sysadmin only
    r = client.patch(
        f"/api/policy/settings/{s.pk}", {"capacity_per_doctor": 1}, content_type="application/json"
    )
    assert r.status_code == 403


def test_pages(admin_client, presets):
    s = PolicySetting.objects.get(region__code="500114000000")
    r = admin_client.get(reverse("policy:policy_list"))
    assert r.status_code == 200 and "黔江区" in r.content.decode()
    r = admin_client.get(reverse("policy:policy_detail", args=[s.pk]))
    html = r.content.decode()
    assert "窗口外提醒" in html and "2024年12月底：全人群 39%，重点人群 79%" in html
    assert admin_client.get(reverse("policy:policy_edit", args=[s.pk])).status_code == 200
    r = admin_client.get(reverse("policy:policy_list"), {"export": "xlsx"})
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    r = admin_client.get(reverse("policy:policy_effective"), {"region": s.region_id, "year": 2026})
    assert "黔江区" in r.content.decode()


def test_edit_form_rejects_in_chinese(admin_client, presets):
    s = PolicySetting.objects.get(region__code="500114000000")
    form = admin_client.get(reverse("policy:policy_edit", args=[s.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, bool | list)}
    data.update({k: "on" for k, v in form.initial.items() if v is True})
    data["allowed_terms"] = ["1", "2", "3"]
    data["signing_window_start"] = "07-01"
    r = admin_client.post(reverse("policy:policy_edit", args=[s.pk]), data)
    assert r.status_code == 200
    assert "签约窗口结束日期不能早于开始日期" in r.content.decode()
    data["signing_window_start"] = "01-01"
    data["capacity_per_doctor"] = "1700"
    r = admin_client.post(reverse("policy:policy_edit", args=[s.pk]), data)
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.capacity_per_doctor == 1700 and s.targets[0]["year"] == 2024


def test_copy_view(admin_client, presets):
    s = PolicySetting.objects.get(region__code="500114000000")
    r = admin_client.post(reverse("policy:policy_copy", args=[s.pk]), {"region": s.region_id, "year": 2025})
    assert r.status_code == 302
    assert PolicySetting.objects.filter(region=s.region, year=2025).exists()
    r = admin_client.post(reverse("policy:policy_copy", args=[s.pk]), {"region": s.region_id, "year": 2025})
    assert "该区域该年度已有政策设置" in r.content.decode()
