# ruff: noqa: F811 - `place` is a fixture imported from test_import_support
"""Imports through the REST API: upload, poll, rejected rows, refusals."""

import pytest

from jiayi.core.models import ImportJob
from tests.core.test_import_support import (  # noqa: F401 - `place` is a fixture
    RES_HEADER,
    bad_check_digit,
    csv_bytes,
    nid,
    place,
    resident_row,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _upload(client, content, name="居民.csv", kind="residents"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/imports", {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_upload_poll_and_rejections(client, place):
    client.force_login(place["admin"])
    rows = [resident_row(1), resident_row(2, 身份证号=bad_check_digit(nid(2)))]
    response = _upload(client, csv_bytes(RES_HEADER, rows))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "done" and (body["created"], body["rejected"]) == (1, 1)
    job = client.get(f"/api/imports/{body['id']}").json()
    assert job["percent"] == 100
    rejected = client.get(f"/api/imports/{body['id']}/rejections").json()
    assert rejected["items"] == [{"row": 3, "column": "身份证号", "reason": "身份证号码校验位错误"}]
    listing = client.get("/api/imports").json()
    assert [j["id"] for j in listing["items"]] == [body["id"]]
    # the same file again changes nothing
    again = _upload(client, csv_bytes(RES_HEADER, rows)).json()
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 0, 1, 1)


def test_bad_requests_and_refusals(client, place):
    client.force_login(place["admin"])
    bad_kind = _upload(client, b"x", kind="viruses")
    assert bad_kind.status_code == 422 and bad_kind.json()["code"] == "validation_failed"
    bad_file = _upload(client, b"x", name="residents.pdf")
    assert bad_file.status_code == 422
    assert client.post("/api/imports", {"kind": "residents"}).status_code == 422
    job_id = _upload(client, csv_bytes(RES_HEADER, [resident_row(1)])).json()["id"]
    client.force_login(place["other_admin"])
    assert client.get(f"/api/imports/{job_id}").status_code == 404
    assert client.get(f"/api/imports/{job_id}/rejections").status_code == 404
    client.force_login(place["doctor"])
    assert _upload(client, csv_bytes(RES_HEADER, [resident_row(5)])).status_code == 403
    client.logout()
    assert client.get("/api/imports").status_code == 401
    assert ImportJob.objects.count() == 1  # refused requests leave no job behind
