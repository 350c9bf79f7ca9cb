"""The API documents itself: OpenAPI at /api/openapi.json, every operation with a summary."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="api-reader", role="sysadmin"))
    return client


def test_schema_needs_login():
    from django.test import Client

    assert Client().get("/api/openapi.json").status_code == 302


def test_openapi_document_builds(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    for prefix in ("/api/registry/", "/api/teams/", "/api/policy/", "/api/catalog/", "/api/imports"):
        assert any(p.startswith(prefix) for p in paths), prefix
    ids = [op["operationId"] for item in paths.values() for op in item.values() if isinstance(op, dict)]
    assert len(ids) == len(set(ids)), "operation ids must be unique"


def test_docs_page_served_locally(client):
    """Health networks are closed: the Swagger UI comes from our own static files."""
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
    assert b"https://" not in response.content
