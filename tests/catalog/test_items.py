"""Service items: the create/edit pages, GET/PATCH in the API, and the rules both share."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jiayi.catalog import services
from jiayi.catalog.models import ServiceItem
from jiayi.core.errors import Conflict, Forbidden, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ITEM_TYPE = "catalog.serviceitem"


@pytest.fixture
def admin():
    return UserFactory(username="sys", role=Role.SYSADMIN)


@pytest.fixture
def doctor():
    return UserFactory(username="doc", role=Role.DOCTOR)


@pytest.fixture
def item(admin):
    return services.item_create(
        actor=admin, code="ECG", name="心电图", category="imaging", unit_price=Decimal("3.50")
    )


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor)
    return client


def _form(**kw):
    data = {
        "code": "FBG",
        "name": "空腹血糖",
        "category": "lab",
        "unit_price": "5.00",
        "unit": "次",
        "description": "指尖血",
        "is_active": "on",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def _events(obj, action):
    return AuditEvent.objects.filter(object_type=ITEM_TYPE, object_id=str(obj.pk), action=action)


# --- service ---------------------------------------------------------------------------------


def test_service_normalises_and_records(admin):
    item = services.item_create(
        actor=admin,
        code="  X1 ",
        name=" 测试项目 ",
        category="lab",
        unit_price="7",
        unit="",
        is_active=False,
    )
    assert (item.code, item.name, item.unit, item.unit_price, item.is_active) == (
        "X1",
        "测试项目",
        "次",
        Decimal("7.00"),
        False,
    )
    event = _events(item, "create").get()
    assert event.actor == admin and event.after["unit_price"] == "7.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit": "很长很长很长的计价单位啊"}, "unit"),
        ({"description": "说" * 201}, "description"),
        ({"unit": None}, None),  # null unit falls back to the default, not a DB error
        ({"is_active": None}, "is_active"),
        ({"unit_price": Decimal("100000000")}, "unit_price"),
        ({"unit_price": Decimal("1E+40")}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"name": 12}, "name"),
    ],
)
def test_service_rejects_what_the_database_would(admin, item, changes, field):
    if field is None:
        assert services.item_update(actor=admin, item=item, changes=changes).unit == "次"
        return
    with pytest.raises(ValidationFailed) as exc:
        services.item_update(actor=admin, item=item, changes=changes)
    assert exc.value.details["field"] == field


def test_service_update_rejects_unknown_field_and_keeps_own_code(admin, item):
    with pytest.raises(ValidationFailed):
        services.item_update(actor=admin, item=item, changes={"price": 1})
    # Saving an item with its own code is not a duplicate.
    assert (
        services.item_update(actor=admin, item=item, changes={"code": "ECG", "name": "心电"}).name == "心电"
    )


def test_service_update_without_change_writes_nothing(admin, item):
    stamp = item.updated_at
    same = services.item_update(actor=admin, item=item, changes={"name": " 心电图 ", "unit_price": "3.5"})
    assert same.updated_at == stamp and not _events(item, "update").exists()


def test_service_permission(doctor, item):
    with pytest.raises(Forbidden):
        services.item_update(actor=doctor, item=item, changes={"name": "x"})
    with pytest.raises(Conflict):
        services.item_create(
            actor=UserFactory(username="c", role=Role.COMMISSION),
            code="ECG",
            name="重复",
            category="lab",
            unit_price=1,
        )


# --- pages -----------------------------------------------------------------------------------


def test_item_list_links_for_editors_only(admin_client, doctor, item, client):
    html = admin_client.get(reverse("catalog:item_list")).content.decode()
    assert reverse("catalog:item_create") in html
    assert reverse("catalog:item_edit", args=[item.pk]) in html
    client.force_login(doctor)
    html = client.get(reverse("catalog:item_list")).content.decode()
    assert reverse("catalog:item_create") not in html
    assert reverse("catalog:item_edit", args=[item.pk]) not in html
    assert "心电图" in html


def test_create_page(admin_client, admin):
    assert admin_client.get(reverse("catalog:item_create")).status_code == 200
    r = admin_client.post(reverse("catalog:item_create"), _form(unit_price="12.5", is_active=None))
    assert r.status_code == 302 and r.url == reverse("catalog:item_list")
    item = ServiceItem.objects.get(code="FBG")
    assert (item.name, item.unit_price, item.description, item.is_active) == (
        "空腹血糖",
        Decimal("12.50"),
        "指尖血",
        False,
    )
    assert _events(item, "create").get().actor == admin
    assert "已创建" in admin_client.get(r.url).content.decode()


def test_edit_page(admin_client, item):
    html = admin_client.get(reverse("catalog:item_edit", args=[item.pk])).content.decode()
    assert 'value="3.50"' in html and 'value="ECG"' in html
    r = admin_client.post(
        reverse("catalog:item_edit", args=[item.pk]),
        _form(code="ECG-12", name="十二导联心电图", category="imaging", unit_price="4"),
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert (item.code, item.name, item.unit_price) == ("ECG-12", "十二导联心电图", Decimal("4.00"))
    event = _events(item, "update").get()
    assert event.before["unit_price"] == "3.50" and event.after["unit_price"] == "4.00"
    assert event.before["code"] == "ECG" and event.after["code"] == "ECG-12"


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"unit_price": "-1"}, "unit_price", "金额不能为负数"),
        ({"unit_price": "1.005"}, "unit_price", "金额最多保留两位小数"),
        ({"unit_price": "abc"}, "unit_price", "请输入金额"),
        ({"code": "ECG"}, None, "项目编码已存在"),
        ({"name": "  "}, "name", "必填"),
        ({"category": "magic"}, "category", ""),
    ],
)
def test_create_page_rejects(admin_client, item, kw, field, message):
    r = admin_client.post(reverse("catalog:item_create"), _form(**kw))
    assert r.status_code == 200
    form = r.context["form"]
    errors = form.errors.get(field or "__all__")
    assert errors and message in " ".join(errors)
    assert message in r.content.decode()
    assert ServiceItem.objects.count() == 1
    assert (
        not AuditEvent.objects.filter(object_type=ITEM_TYPE, action="create")
        .exclude(object_id=str(item.pk))
        .exists()
    )


def test_create_page_shows_price_error_with_the_others(admin_client):
    r = admin_client.post(reverse("catalog:item_create"), _form(name="", unit_price="-1"))
    errors = r.context["form"].errors
    assert set(errors) == {"name", "unit_price"}
    assert "金额不能为负数" in errors["unit_price"][0]
    html = r.content.decode()
    assert html.count("is-invalid") == 2 and not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"unit_price": "-0.01"}, "unit_price", "金额不能为负数"),
        ({"unit_price": "3.505"}, "unit_price", "金额最多保留两位小数"),
        ({"code": "FBG"}, None, "项目编码已存在"),
        ({"name": ""}, "name", "必填"),
    ],
)
def test_edit_page_rejects(admin_client, admin, item, kw, field, message):
    services.item_create(actor=admin, code="FBG", name="空腹血糖", category="lab", unit_price=5)
    r = admin_client.post(
        reverse("catalog:item_edit", args=[item.pk]), _form(**{"code": "ECG", "name": "心电图", **kw})
    )
    assert r.status_code == 200
    assert message in " ".join(r.context["form"].errors.get(field or "__all__"))
    item.refresh_from_db()
    assert (item.code, item.name, item.unit_price) == ("ECG", "心电图", Decimal("3.50"))
    assert not _events(item, "update").exists()


def test_pages_refuse_without_permission(doctor_client, item):
    assert doctor_client.get(reverse("catalog:item_create")).status_code == 403
    assert doctor_client.post(reverse("catalog:item_create"), _form()).status_code == 403
    assert doctor_client.get(reverse("catalog:item_edit", args=[item.pk])).status_code == 403
    r = doctor_client.post(reverse("catalog:item_edit", args=[item.pk]), _form(code="ECG", unit_price="0"))
    assert r.status_code == 403
    item.refresh_from_db()
    assert item.unit_price == Decimal("3.50") and not ServiceItem.objects.filter(code="FBG").exists()


def test_edit_page_unknown_item_is_404(admin_client):
    assert admin_client.get(reverse("catalog:item_edit", args=[999999])).status_code == 404


# --- API -------------------------------------------------------------------------------------

URL = "/api/catalog/items"


def _patch(client, pk, body):
    return client.patch(f"{URL}/{pk}", body, content_type="application/json")


def test_api_create_get_patch(admin_client, admin):
    r = admin_client.post(
        URL,
        {"code": "FBG", "name": "空腹血糖", "category": "lab", "unit_price": "5.5"},
        content_type="application/json",
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    body = admin_client.get(f"{URL}/{pk}").json()
    assert body["code"] == "FBG" and Decimal(body["unit_price"]) == Decimal("5.50") and body["is_active"]
    r = _patch(admin_client, pk, {"unit_price": "6.00", "is_active": False})
    assert r.status_code == 200
    assert Decimal(r.json()["unit_price"]) == Decimal("6.00") and r.json()["is_active"] is False
    item = ServiceItem.objects.get(pk=pk)
    assert item.name == "空腹血糖"  # fields not sent are kept
    event = _events(item, "update").get()
    assert event.actor == admin and event.after == {
        "unit_price": "6.00",
        "is_active": False,
        "updated_at": event.after["updated_at"],
    }
    assert _events(item, "create").exists()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"unit_price": "-1"}, 422, "validation_failed", "unit_price"),
        ({"unit_price": -1}, 422, "validation_failed", "unit_price"),
        ({"unit_price": "3.505"}, 422, "validation_failed", "unit_price"),
        ({"unit_price": "100000000.00"}, 422, "validation_failed", "unit_price"),
        ({"code": "FBG"}, 409, "conflict", "code"),
        ({"name": ""}, 422, "validation_failed", "name"),
        ({"name": None}, 422, "validation_failed", "name"),
        ({"category": "magic"}, 422, "validation_failed", "category"),
        ({"is_active": None}, 422, "validation_failed", "is_active"),
        ({"unit_price": "abc"}, 422, "validation_failed", None),
    ],
)
def test_api_patch_rejects(admin_client, admin, item, body, status, code, field):
    services.item_create(actor=admin, code="FBG", name="空腹血糖", category="lab", unit_price=5)
    r = _patch(admin_client, item.pk, body)
    assert r.status_code == status, r.content
    assert r.json()["code"] == code
    if field:
        assert r.json()["details"]["field"] == field
    item.refresh_from_db()
    assert (item.code, item.name, item.unit_price, item.is_active) == ("ECG", "心电图", Decimal("3.50"), True)
    assert not _events(item, "update").exists()


def test_api_create_rejects(admin_client, item):
    base = {"code": "NEW", "name": "新项目", "category": "lab", "unit_price": "1.00"}
    for change, status in [
        ({"unit_price": "-1"}, 422),
        ({"unit_price": "1.001"}, 422),
        ({"code": "ECG"}, 409),
        ({"name": " "}, 422),
    ]:
        r = admin_client.post(URL, {**base, **change}, content_type="application/json")
        assert r.status_code == status, (change, r.content)
    assert ServiceItem.objects.count() == 1


def test_api_permission_and_not_found(doctor_client, item):
    # Reading the catalogue is for everyone signed in; changing it is not.
    assert doctor_client.get(f"{URL}/{item.pk}").status_code == 200
    r = _patch(doctor_client, item.pk, {"unit_price": "1.00"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = doctor_client.post(
        URL,
        {"code": "N", "name": "n", "category": "lab", "unit_price": "1.00"},
        content_type="application/json",
    )
    assert r.status_code == 403
    item.refresh_from_db()
    assert item.unit_price == Decimal("3.50")
    assert doctor_client.get(f"{URL}/999999").status_code == 404
    assert _patch(doctor_client, 999999, {"name": "x"}).status_code == 404
