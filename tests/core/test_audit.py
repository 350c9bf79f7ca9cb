"""Audit screens and API (R-SEC-2): events written by services are listed, scoped by county."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiayi.core import queries, services
from jiayi.core.audit import record_access, record_write
from jiayi.core.errors import Forbidden, NotFound
from jiayi.core.models import AuditEvent, Role
from tests.core.helpers import PASSWORD, make_place
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = make_place("500114", "黔江区")
    b = make_place("500115", "长寿区")
    root = UserFactory(username="root", role=Role.SYSADMIN)
    com_a = UserFactory(username="com_a", role=Role.COMMISSION, region=a["county"])
    com_b = UserFactory(username="com_b", role=Role.COMMISSION, region=b["county"])
    # Services write the events: a user created in each county.
    doc_a = services.user_create(
        actor=root, username="doc_a", password="Zq8!long-pass", role=Role.DOCTOR, team=a["team"]
    )
    doc_b = services.user_create(
        actor=root, username="doc_b", password="Zq8!long-pass", role=Role.DOCTOR, team=b["team"]
    )
    return {"a": a, "b": b, "root": root, "com_a": com_a, "com_b": com_b, "doc_a": doc_a, "doc_b": doc_b}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_service_events_appear_on_screen_for_sysadmin(client, world):
    login(client, world["root"])
    r = client.get(reverse("core:audit_list"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "doc_a" in body and "doc_b" in body
    assert "新增" in body


def test_commission_sees_only_its_county(client, world):
    login(client, world["com_a"])
    body = client.get(reverse("core:audit_list")).content.decode()
    assert "doc_a" in body
    assert "doc_b" not in body
    ev_b = AuditEvent.objects.get(object_type="core.user", object_id=str(world["doc_b"].pk))
    assert client.get(reverse("core:audit_detail", args=[ev_b.pk])).status_code == 404


def test_commission_of_other_county_sees_none_of_them(client, world):
    login(client, world["com_b"])
    body = client.get(reverse("core:audit_list") + "?object_type=core.user").content.decode()
    assert "doc_a" not in body
    assert "doc_b" in body


@pytest.mark.parametrize(
    "role",
    [
        Role.FINANCE,
        Role.INSTITUTION_ADMIN,
        Role.DOCTOR,
        Role.TEAM_LEADER,
        Role.TEAM_MEMBER,
        Role.REFERRAL_DESK,
        Role.RESIDENT,
    ],
)
def test_non_admin_roles_get_403(client, world, role):
    u = UserFactory(username=f"x_{role}", role=role, institution=world["a"]["institution"])
    login(client, u)
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.get(reverse("core:access_list")).status_code == 403
    assert client.get("/api/audit-events").status_code == 403
    assert client.get("/api/access-events").status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    r = client.get(reverse("core:audit_list"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client.get("/api/audit-events").status_code == 401


def test_filters_by_action_actor_object_and_dates(client, world):
    root = world["root"]
    services.user_deactivate(actor=root, user=world["doc_a"])
    login(client, root)
    url = reverse("core:audit_list")
    body = client.get(url + "?action=deactivate").content.decode()
    assert "doc_a" in body and "doc_b" not in body
    body = client.get(url + f"?object_type=core.user&object_id={world['doc_b'].pk}").content.decode()
    assert "doc_b" in body and "doc_a" not in body
    assert "doc_a" in client.get(url + "?actor=root").content.decode()
    assert "doc_a" not in client.get(url + "?actor=nobody").content.decode()
    today = timezone.localdate()
    assert "doc_a" in client.get(url + f"?date_from={today}&date_to={today}").content.decode()
    tomorrow = today + dt.timedelta(days=1)
    assert "doc_a" not in client.get(url + f"?date_from={tomorrow}").content.decode()
    # A malformed date is ignored with a message, never a 500.
    r = client.get(url + "?date_from=not-a-date")
    assert r.status_code == 200 and "格式不正确" in r.content.decode()


def test_detail_shows_readable_diff(client, world):
    root = world["root"]
    services.user_update(
        actor=root, user=world["doc_a"], role=Role.DOCTOR, display_name="谭医生", team=world["a"]["team"]
    )
    ev = AuditEvent.objects.filter(action="update", object_id=str(world["doc_a"].pk)).get()
    login(client, root)
    body = client.get(reverse("core:audit_detail", args=[ev.pk])).content.decode()
    assert "谭医生" in body
    assert "姓名" in body  # the field's verbose name, not only its attname
    assert "password" not in body


def test_audit_never_contains_password_hash(world):
    for ev in AuditEvent.objects.filter(object_type="core.user"):
        assert "password" not in (ev.before or {}) or ev.before["password"] == "******"
        assert "pbkdf2" not in str(ev.after) and "md5$" not in str(ev.after)


def test_xlsx_export_respects_scope(client, world):
    login(client, world["com_a"])
    r = client.get(reverse("core:audit_list") + "?export=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    text = str(rows)
    assert "doc_a" in text and "doc_b" not in text


def test_access_events_listed_and_scoped(client, world):
    ra = ResidentFactory(institution=world["a"]["institution"], name="甲居民")
    rb = ResidentFactory(institution=world["b"]["institution"], name="乙居民")
    record_access(actor=world["root"], obj=ra, field="national_id")
    record_access(actor=world["root"], obj=rb, field="national_id")
    login(client, world["com_a"])
    body = client.get(reverse("core:access_list")).content.decode()
    assert "甲居民" in body and "乙居民" not in body
    assert "完整身份证号" in body
    data = client.get("/api/access-events").json()
    names = [e["object_repr"] for e in data["items"]]
    assert names == ["甲居民"]


def test_api_audit_events_scoped_and_filtered(client, world):
    login(client, world["com_a"])
    data = client.get("/api/audit-events?object_type=core.user").json()
    ids = {e["object_id"] for e in data["items"]}
    assert str(world["doc_a"].pk) in ids and str(world["doc_b"].pk) not in ids
    ev_b = AuditEvent.objects.get(object_type="core.user", object_id=str(world["doc_b"].pk))
    r = client.get(f"/api/audit-events/{ev_b.pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert client.get("/api/audit-events?date_from=bad").status_code == 422


def test_queries_refuse_without_permission(world):
    with pytest.raises(Forbidden):
        queries.audit_events(world["doc_a"])
    ev_b = AuditEvent.objects.get(object_type="core.user", object_id=str(world["doc_b"].pk))
    with pytest.raises(NotFound):
        queries.audit_event_get(world["com_a"], ev_b.pk)


def test_event_without_county_is_only_for_sysadmin(world):
    ev = record_write(actor=None, action="update", object_type="system", object_id="1")
    assert queries.audit_events(world["root"]).filter(pk=ev.pk).exists()
    assert not queries.audit_events(world["com_a"]).filter(pk=ev.pk).exists()


def test_api_me(client, world):
    login(client, world["com_a"])
    me = client.get("/api/me").json()
    assert me["username"] == "com_a" and me["role"] == "commission" and me["scope_kind"] == "region"
    assert "core.view_audit" in me["permissions"]
