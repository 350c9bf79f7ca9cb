"""User management (services, screens, API): role ↔ scope validation, reach of institution admins."""

import pytest
from django.urls import reverse

from jiayi.core import services
from jiayi.core.errors import Forbidden, NotFound, ValidationFailed
from jiayi.core.models import ApiToken, AuditEvent, Role, User
from jiayi.core.services import ScopeObjectMissing, UsernameTaken
from jiayi.registry.models import InstitutionKind
from tests.core.helpers import PASSWORD, make_place
from tests.factories import InstitutionFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db
GOOD = "Zq8!long-pass"


@pytest.fixture
def w():
    a = make_place("500114", "黔江区")
    b = make_place("500115", "长寿区")
    hospital = InstitutionFactory(
        region=a["county"], kind=InstitutionKind.SECONDARY_HOSPITAL, name="区人民医院"
    )
    root = UserFactory(username="root", role=Role.SYSADMIN)
    ia = UserFactory(username="ia", role=Role.INSTITUTION_ADMIN, institution=a["institution"])
    return {"a": a, "b": b, "hospital": hospital, "root": root, "ia": ia}


@pytest.mark.parametrize(
    "role,field",
    [
        (Role.COMMISSION, "region"),
        (Role.FINANCE, "region"),
        (Role.INSTITUTION_ADMIN, "institution"),
        (Role.REFERRAL_DESK, "institution"),
        (Role.TEAM_LEADER, "team"),
        (Role.DOCTOR, "team"),
        (Role.TEAM_MEMBER, "team"),
        (Role.RESIDENT, "resident"),
    ],
)
def test_role_without_its_scope_object_is_refused(w, role, field):
    with pytest.raises(ScopeObjectMissing) as exc:
        services.user_create(actor=w["root"], username="x", password=GOOD, role=role)
    assert exc.value.details["field"] == field
    assert "必须" in str(exc.value.message)
    assert not User.objects.filter(username="x").exists()


def test_create_keeps_only_the_scope_object_the_role_needs(w):
    u = services.user_create(
        actor=w["root"],
        username="doc",
        password=GOOD,
        role=Role.DOCTOR,
        team=w["a"]["team"],
        institution=w["a"]["institution"],
        region=w["a"]["county"],
    )
    assert (u.team, u.institution, u.region) == (w["a"]["team"], None, None)
    assert u.check_password(GOOD)
    ev = AuditEvent.objects.get(action="create", object_type="core.user", object_id=str(u.pk))
    assert ev.county_code == "500114"
    assert "password" not in ev.after


def test_referral_desk_must_be_a_hospital(w):
    with pytest.raises(ValidationFailed):
        services.user_create(
            actor=w["root"],
            username="desk",
            password=GOOD,
            role=Role.REFERRAL_DESK,
            institution=w["a"]["institution"],
        )
    u = services.user_create(
        actor=w["root"], username="desk", password=GOOD, role=Role.REFERRAL_DESK, institution=w["hospital"]
    )
    assert u.institution == w["hospital"]


def test_weak_password_and_duplicate_username_refused(w):
    for weak in ["short", "1234567890123", "password123"]:
        with pytest.raises(ValidationFailed) as exc:
            services.user_create(
                actor=w["root"], username="doc", password=weak, role=Role.DOCTOR, team=w["a"]["team"]
            )
        assert exc.value.details["field"] == "password"
    services.user_create(
        actor=w["root"], username="doc", password=GOOD, role=Role.DOCTOR, team=w["a"]["team"]
    )
    with pytest.raises(UsernameTaken):
        services.user_create(
            actor=w["root"], username="DOC", password=GOOD, role=Role.DOCTOR, team=w["a"]["team"]
        )


def test_institution_admin_reach(w):
    ia = w["ia"]
    u = services.user_create(actor=ia, username="doc", password=GOOD, role=Role.DOCTOR, team=w["a"]["team"])
    assert u.team == w["a"]["team"]
    with pytest.raises(Forbidden):  # another county's team
        services.user_create(actor=ia, username="doc2", password=GOOD, role=Role.DOCTOR, team=w["b"]["team"])
    with pytest.raises(Forbidden):  # a role above theirs
        services.user_create(
            actor=ia, username="com", password=GOOD, role=Role.COMMISSION, region=w["a"]["county"]
        )
    with pytest.raises(Forbidden):
        services.user_create(actor=ia, username="root2", password=GOOD, role=Role.SYSADMIN)
    other = UserFactory(username="other_doc", role=Role.DOCTOR, team=w["b"]["team"])
    with pytest.raises(NotFound):
        services.user_deactivate(actor=ia, user=other)
    with pytest.raises(NotFound):
        services.user_set_password(actor=ia, user=other, password=GOOD)


@pytest.mark.parametrize(
    "role", [Role.COMMISSION, Role.FINANCE, Role.DOCTOR, Role.TEAM_LEADER, Role.RESIDENT]
)
def test_other_roles_cannot_manage_users(w, role):
    actor = UserFactory(username=f"a_{role}", role=role, team=w["a"]["team"], region=w["a"]["county"])
    with pytest.raises(Forbidden):
        services.user_create(actor=actor, username="x", password=GOOD, role=Role.DOCTOR, team=w["a"]["team"])
    with pytest.raises(Forbidden):
        services.user_deactivate(actor=actor, user=w["ia"])


def test_update_deactivate_reactivate_unlock_reset(w):
    root = w["root"]
    u = services.user_create(actor=root, username="doc", password=GOOD, role=Role.DOCTOR, team=w["a"]["team"])
    token_count = ApiToken.objects.count()
    from jiayi.core.apiauth import token_create

    token_create(user=u, name="HIS")
    u = services.user_update(
        actor=root, user=u, role=Role.TEAM_LEADER, display_name="王医生", team=w["a"]["team"]
    )
    assert (u.role, u.display_name) == (Role.TEAM_LEADER, "王医生")
    with pytest.raises(ScopeObjectMissing):
        services.user_update(actor=root, user=u, role=Role.INSTITUTION_ADMIN)
    u = services.user_deactivate(actor=root, user=u)
    assert not u.is_active
    assert not ApiToken.objects.filter(user=u, is_active=True).exists()
    assert ApiToken.objects.count() == token_count + 1  # switched off, not deleted
    u = services.user_reactivate(actor=root, user=u)
    assert u.is_active
    with pytest.raises(ValidationFailed):
        services.user_deactivate(actor=root, user=root)
    with pytest.raises(ValidationFailed):
        services.user_set_password(actor=root, user=u, password="123")
    services.user_set_password(actor=root, user=u, password="Another!pass-9")
    u.refresh_from_db()
    assert u.check_password("Another!pass-9")
    actions = list(
        AuditEvent.objects.filter(object_type="core.user", object_id=str(u.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"create", "update", "deactivate", "activate", "reset_password"} <= set(actions)
    reset = AuditEvent.objects.get(object_id=str(u.pk), action="reset_password")
    assert reset.after == {"password": "******"}


def test_resident_login_links_own_record(w):
    r = ResidentFactory(institution=w["a"]["institution"], national_id="11010519491231002X")
    u = services.user_create(actor=w["ia"], username="li", password=GOOD, role=Role.RESIDENT, resident=r)
    assert u.resident == r and u.scope.kind == "self"


# --- screens -----------------------------------------------------------------------------------


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_create_page_shows_chinese_error_for_missing_scope(client, w):
    login(client, w["root"])
    r = client.post(
        reverse("core:user_create"),
        {"username": "new", "role": Role.DOCTOR, "password1": GOOD, "password2": GOOD},
    )
    assert r.status_code == 200
    assert "必须指定所属团队" in r.content.decode()
    assert not User.objects.filter(username="new").exists()


def test_create_page_resident_by_national_id(client, w):
    ResidentFactory(institution=w["a"]["institution"], national_id="11010519491231002X", name="李大爷")
    login(client, w["ia"])
    data = {
        "username": "li",
        "role": Role.RESIDENT,
        "resident": "11010519491231002x",
        "password1": GOOD,
        "password2": GOOD,
    }
    r = client.post(reverse("core:user_create"), data)
    assert r.status_code == 302, r.content.decode()
    assert User.objects.get(username="li").resident.name == "李大爷"
    data["username"], data["resident"] = "li2", "110105194912310021"
    body = client.post(reverse("core:user_create"), data).content.decode()
    assert "身份证号" in body and not User.objects.filter(username="li2").exists()


def test_create_page_password_mismatch_and_weak(client, w):
    login(client, w["root"])
    data = {
        "username": "n1",
        "role": Role.DOCTOR,
        "team": w["a"]["team"].pk,
        "password1": GOOD,
        "password2": "x",
    }
    assert "两次输入的密码不一致" in client.post(reverse("core:user_create"), data).content.decode()
    data.update(password1="12345678901", password2="12345678901")
    body = client.post(reverse("core:user_create"), data).content.decode()
    assert "密码" in body and not User.objects.filter(username="n1").exists()


def test_list_edit_deactivate_unlock_pages(client, w):
    doc = UserFactory(username="doc_a", role=Role.DOCTOR, team=w["a"]["team"])
    other = UserFactory(username="doc_b", role=Role.DOCTOR, team=w["b"]["team"])
    login(client, w["ia"])
    body = client.get(reverse("core:user_list")).content.decode()
    assert "doc_a" in body and "doc_b" not in body
    assert client.get(reverse("core:user_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("core:user_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("core:user_deactivate", args=[other.pk])).status_code == 404
    r = client.post(
        reverse("core:user_edit", args=[doc.pk]),
        {"role": Role.TEAM_LEADER, "team": w["a"]["team"].pk, "display_name": "谭"},
    )
    assert r.status_code == 302
    doc.refresh_from_db()
    assert doc.role == Role.TEAM_LEADER
    assert client.post(reverse("core:user_deactivate", args=[doc.pk])).status_code == 302
    doc.refresh_from_db()
    assert not doc.is_active
    for _ in range(5):
        services.user_login_failed_register(username="doc_a")
    assert client.post(reverse("core:user_unlock", args=[doc.pk])).status_code == 302
    doc.refresh_from_db()
    assert doc.locked_until is None
    r = client.post(reverse("core:user_password", args=[doc.pk]), {"password1": GOOD, "password2": GOOD})
    assert r.status_code == 302


def test_user_pages_forbidden_to_other_roles(client, w):
    login(client, UserFactory(username="d", role=Role.DOCTOR, team=w["a"]["team"]))
    assert client.get(reverse("core:user_list")).status_code == 403
    assert client.get(reverse("core:user_create")).status_code == 403
    assert client.get("/api/users").status_code == 403


def test_users_api(client, w):
    login(client, w["ia"])
    r = client.post(
        "/api/users",
        {"username": "api_doc", "password": GOOD, "role": "doctor", "team_id": w["a"]["team"].pk},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    uid = r.json()["id"]
    r = client.post(
        "/api/users", {"username": "x", "password": GOOD, "role": "doctor"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "scope_object_missing"
    r = client.post(
        "/api/users",
        {"username": "x", "password": GOOD, "role": "doctor", "team_id": w["b"]["team"].pk},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert [u["username"] for u in client.get("/api/users").json()["items"]] == ["api_doc", "ia"]
    assert client.post(f"/api/users/{uid}/deactivate").json()["is_active"] is False
    r = client.post(f"/api/users/{uid}/password", {"password": "123"}, content_type="application/json")
    assert r.status_code == 422
    other = UserFactory(username="zz", role=Role.DOCTOR, team=w["b"]["team"])
    assert client.get(f"/api/users/{other.pk}").status_code == 404
