# ruff: noqa: F811 - `place` is a fixture imported from test_import_support
"""Import screens with the immediate task backend, permissions, templates and the console command."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from jiayi.core.errors import Forbidden
from jiayi.core.importing.readers import open_sheet
from jiayi.core.importing.services import import_job_create
from jiayi.core.models import ImportJob, ImportStatus
from jiayi.registry.models import Resident
from tests.core.test_import_support import (  # noqa: F401 - `place` is a fixture
    RES_HEADER,
    bad_check_digit,
    csv_bytes,
    nid,
    place,
    resident_row,
)

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def upload(client, content: bytes, name="居民.csv", kind="residents"):
    f = io.BytesIO(content)
    f.name = name
    return client.post(reverse("core:import_list"), {"kind": kind, "file": f})


def test_upload_runs_job_and_shows_rejections(client, place):
    login(client, place["admin"])
    rows = [resident_row(1), resident_row(2, 身份证号=bad_check_digit(nid(2))), resident_row(3)]
    response = upload(client, csv_bytes(RES_HEADER, rows, "gb18030"))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("core:import_detail", args=[job.pk])
    assert job.status == ImportStatus.DONE and job.user == place["admin"] and job.task_id
    assert (job.created, job.rejected) == (2, 1)
    page = client.get(response.url).content.decode()
    assert "身份证号码校验位错误" in page and "已完成" in page
    fragment = client.get(reverse("core:import_progress", args=[job.pk])).content.decode()
    assert "every 1s" not in fragment  # a finished job stops the polling
    assert "100%" in fragment and "身份证号码校验位错误" in fragment
    listing = client.get(reverse("core:import_list")).content.decode()
    assert "居民.csv" in listing
    xlsx = client.get(reverse("core:import_rejections", args=[job.pk]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws[1]] == ["行号", "列", "原因"]
    assert [c.value for c in ws[2]] == [3, "身份证号", "身份证号码校验位错误"]


def test_queued_job_polls(client, place, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    login(client, place["admin"])
    upload(client, csv_bytes(RES_HEADER, [resident_row(1)]))
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.QUEUED
    fragment = client.get(reverse("core:import_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in fragment and "排队中" in fragment


def test_bad_upload_shows_form_error(client, place):
    login(client, place["admin"])
    response = upload(client, b"not a spreadsheet", name="data.pdf")
    assert response.status_code == 200
    assert "只支持 CSV 和 XLSX 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_unreadable_xlsx_fails_the_job(client, place):
    login(client, place["admin"])
    upload(client, b"garbage", name="data.xlsx")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and "无法读取Excel文件" in job.error


def test_permission_and_scope_refusals(client, place):
    login(client, place["doctor"])
    assert client.get(reverse("core:import_list")).status_code == 403
    assert upload(client, csv_bytes(RES_HEADER, [resident_row(1)])).status_code == 403
    with pytest.raises(Forbidden):
        from django.core.files.base import ContentFile

        import_job_create(actor=place["doctor"], kind="residents", file=ContentFile(b"x"), file_name="a.csv")
    # Another admin's job is not found, not forbidden: its existence is not leaked.
    client.logout()
    login(client, place["admin"])
    upload(client, csv_bytes(RES_HEADER, [resident_row(1)]))
    job = ImportJob.objects.get()
    client.logout()
    login(client, place["other_admin"])
    assert client.get(reverse("core:import_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:import_progress", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:import_rejections", args=[job.pk])).status_code == 404
    client.logout()
    login(client, place["root"])
    assert client.get(reverse("core:import_detail", args=[job.pk])).status_code == 200


@pytest.mark.parametrize("kind", ["residents", "households", "key_populations", "baselines"])
def test_templates_download(client, place, kind, tmp_path):
    login(client, place["admin"])
    for fmt in ("xlsx", "csv"):
        response = client.get(reverse("core:import_template", args=[kind, fmt]))
        assert response.status_code == 200
        path = tmp_path / f"t.{fmt}"
        path.write_bytes(response.content)
        with open_sheet(path) as sheet:
            rows = list(sheet.rows)
        assert len(rows) == 1 and sheet.headers[0]
    assert client.get(reverse("core:import_template", args=["nope", "csv"])).status_code == 404


def test_template_example_row_imports(client, place, tmp_path):
    """The residents template's example row is itself valid once its codes exist."""
    login(client, place["root"])
    content = client.get(reverse("core:import_template", args=["residents", "xlsx"])).content
    assert upload(client, content, name="模板.xlsx").status_code == 302
    job = ImportJob.objects.get()
    assert (job.created, job.rejected) == (1, 0)


def test_console_command(place, tmp_path, capsys):
    path = tmp_path / "居民.csv"
    path.write_bytes(csv_bytes(RES_HEADER, [resident_row(1), resident_row(2)], "utf-8-sig"))
    call_command("import", "residents", str(path))
    out = capsys.readouterr()
    assert "created 2" in out.out and "rows/s" in out.err
    call_command("import", "residents", str(path), "--user", "inst_admin")
    assert "unchanged 2" in capsys.readouterr().out
    path.write_bytes(csv_bytes(RES_HEADER, [resident_row(3, 管理机构编码="THC002")]))
    with pytest.raises(SystemExit) as exc:
        call_command("import", "residents", str(path), "--user", "inst_admin")
    assert exc.value.code == 1
    assert "机构不在您的管辖范围内：THC002" in capsys.readouterr().err
    assert Resident.objects.count() == 2
