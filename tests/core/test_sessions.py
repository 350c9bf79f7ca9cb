"""Sessions expire (R-SEC-3); deactivated users lose their sessions and API tokens."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from jiayi.core import services
from jiayi.core.apiauth import token_create
from jiayi.core.models import Role
from tests.core.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return UserFactory(username="root", role=Role.SYSADMIN)


def login(client, user):
    r = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert r.status_code == 302
    return client


def test_session_lifetime_is_the_configured_idle_timeout(client, root):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # idle timeout: every request pushes the expiry
    login(client, root)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    row = Session.objects.get(session_key=client.session.session_key)
    left = (row.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < left <= settings.SESSION_COOKIE_AGE


def _expire(client):
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )


def test_expired_session_goes_back_to_login(client, root):
    login(client, root)
    assert client.get(reverse("home")).status_code == 200
    _expire(client)
    r = client.get(reverse("home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    assert client.get("/api/me").status_code == 401


def test_deactivated_user_loses_open_session(client, root):
    doc = UserFactory(username="doc", role=Role.SYSADMIN)
    login(client, doc)
    assert client.get("/api/me").status_code == 200
    services.user_deactivate(actor=root, user=doc)
    assert client.get(reverse("home")).status_code == 302
    assert client.get("/api/me").status_code == 401


def test_token_auth_respects_deactivation_and_expiry(client, root):
    doc = UserFactory(username="doc", role=Role.DOCTOR)
    key = token_create(user=doc, name="HIS")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/me", **auth).status_code == 200
    # Deactivating the user directly (not via the service) still closes the API to them.
    doc.is_active = False
    doc.save()
    assert client.get("/api/me", **auth).status_code == 401
    doc.is_active = True
    doc.save()
    assert client.get("/api/me", **auth).status_code == 200
    services.user_deactivate(actor=root, user=doc)
    services.user_reactivate(actor=root, user=doc)
    # The service switched the token off for good: reactivation needs a new token.
    assert client.get("/api/me", **auth).status_code == 401
    key2 = token_create(user=doc, name="HIS2", expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key2}").status_code == 401
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer jy_nonsense").status_code == 401


def test_logout_ends_the_session(client, root):
    login(client, root)
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
