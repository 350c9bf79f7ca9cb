"""Lock-out after repeated failed log-ins (R-SEC-3), without telling whether a username exists."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayi.core import services
from jiayi.core.models import AuditEvent, Role
from tests.core.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def error_text(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


@pytest.fixture
def doc(settings):
    settings.JIAYI_LOCKOUT_ATTEMPTS = 3
    settings.JIAYI_LOCKOUT_MINUTES = 15
    return UserFactory(username="doc", role=Role.DOCTOR)


def test_locks_after_n_failures_even_with_right_password(client, doc):
    for _ in range(3):
        r = post_login(client, "doc", "wrong-password")
        assert r.status_code == 200
    doc.refresh_from_db()
    assert doc.locked_until is not None and doc.locked_until > timezone.now()
    assert AuditEvent.objects.filter(action="lock", object_id=str(doc.pk)).exists()
    r = post_login(client, "doc", PASSWORD)
    assert r.status_code == 200  # not logged in
    assert "_auth_user_id" not in client.session


def test_fewer_failures_then_success_resets_the_count(client, doc):
    post_login(client, "doc", "wrong")
    post_login(client, "doc", "wrong")
    assert post_login(client, "doc", PASSWORD).status_code == 302
    doc.refresh_from_db()
    assert doc.failed_logins == 0 and doc.locked_until is None


def test_lock_expires(client, doc):
    for _ in range(3):
        post_login(client, "doc", "wrong")
    doc.refresh_from_db()
    doc.locked_until = timezone.now() - dt.timedelta(seconds=1)
    doc.save(update_fields=["locked_until"])
    assert post_login(client, "doc", PASSWORD).status_code == 302
    doc.refresh_from_db()
    assert doc.locked_until is None


def test_unlock_by_admin(client, doc):
    for _ in range(3):
        post_login(client, "doc", "wrong")
    root = UserFactory(username="root", role=Role.SYSADMIN)
    services.user_unlock(actor=root, user=doc)
    assert AuditEvent.objects.filter(action="unlock", object_id=str(doc.pk), actor=root).exists()
    assert post_login(client, "doc", PASSWORD).status_code == 302


def test_messages_do_not_reveal_whether_username_exists(client, doc):
    UserFactory(username="gone", role=Role.DOCTOR, is_active=False)
    unknown = error_text(post_login(client, "nobody", "wrong"))
    wrong = error_text(post_login(client, "doc", "wrong"))
    inactive = error_text(post_login(client, "gone", PASSWORD))
    for _ in range(3):
        post_login(client, "doc", "wrong")
    locked = error_text(post_login(client, "doc", PASSWORD))
    assert unknown == wrong == inactive == locked
    assert "用户名或密码不正确" in unknown
    # Repeated failures on an unknown name look the same as on a real one.
    for _ in range(5):
        assert error_text(post_login(client, "nobody", "wrong")) == locked


def test_empty_password_is_a_form_error_not_a_500(client, doc):
    r = client.post(reverse("login"), {"username": "doc", "password": ""})
    assert r.status_code == 200


def test_deactivated_user_cannot_log_in(client, doc):
    doc.is_active = False
    doc.save()
    assert post_login(client, "doc", PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session
