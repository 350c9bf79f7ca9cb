import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from jiayi.catalog import services
from jiayi.catalog.models import PackageStatus, ServiceItem, ServicePackage
from jiayi.catalog.queries import packages_available
from jiayi.catalog.services import ItemLine, package_create, package_price_from_items, package_update
from jiayi.core.errors import Conflict, Forbidden, ValidationFailed
from jiayi.core.models import AuditEvent, Role
from jiayi.registry.models import Region
from tests.factories import UserFactory, county, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="sys", role=Role.SYSADMIN)


@pytest.fixture
def presets():
    call_command("load_catalog_presets", verbosity=0)


def _items(*codes):
    return {i.code: i for i in ServiceItem.objects.filter(code__in=codes)}


def _basic(admin, region, **kw):
    args = dict(
        actor=admin,
        code="P1",
        name="测试包",
        tier="personalised",
        populations=["elderly"],
        region=region,
        valid_from=dt.date(2024, 1, 1),
        price=Decimal("30.00"),
        fee_public_health=Decimal("10.00"),
        fee_insurance=Decimal("10.00"),
        fee_resident=Decimal("10.00"),
    )
    args.update(kw)
    return package_create(**args)


def test_presets_load_idempotent_and_match_seeds(presets):
    call_command("load_catalog_presets", verbosity=0)
    assert ServicePackage.objects.filter(code__startswith="ZC-").count() == 3
    basic = ServicePackage.objects.get(code="ZC-BASIC")
    inter = ServicePackage.objects.get(code="ZC-INTERMEDIATE")
    adv = ServicePackage.objects.get(code="ZC-ADVANCED")
    assert basic.price == Decimal("0.00") and basic.tier == "basic" and basic.region.code == "370306000000"
    assert basic.items.get(item__code="BLOOD_TYPE").first_contract_only
    assert inter.price == Decimal("20.00") and inter.fee_resident == Decimal("20.00")
    extra = set(inter.items.values_list("item__code", flat=True)) - set(
        basic.items.values_list("item__code", flat=True)
    )
    assert extra == {"ECG", "CHEST_FLUORO", "FBG"}
    assert all(pi.quantity == 1 for pi in inter.items.filter(item__code__in=extra))
    assert adv.price == Decimal("200.00") and adv.min_service_value == Decimal("400.00")
    yy = ServicePackage.objects.get(code="YY-BASIC")
    assert (yy.price, yy.fee_public_health, yy.fee_insurance, yy.fee_resident) == (
        Decimal("40.00"),
        Decimal("20.00"),
        Decimal("12.00"),
        Decimal("8.00"),
    )
    menu = ServicePackage.objects.filter(code__startswith="MENU-")
    assert {"elderly", "pregnant", "child", "disabled", "family", "fc_school", "fc_nursing_home"} <= {
        p for m in menu for p in m.populations
    }
    for m in menu:
        assert (
            m.price == package_price_from_items(m) and m.region is None and m.status == PackageStatus.ACTIVE
        )
    assert ServiceItem.objects.get(code="TCM_CONSTITUTION").category == "tcm"


def test_price_from_items(presets):
    it = _items("ECG", "FBG", "BLOOD_TYPE")
    lines = [ItemLine(it["ECG"], 2), ItemLine(it["FBG"], 1), ItemLine(it["BLOOD_TYPE"], 1, True)]
    expected = it["ECG"].unit_price * 2 + it["FBG"].unit_price + it["BLOOD_TYPE"].unit_price
    assert package_price_from_items(lines) == expected
    assert package_price_from_items(lines, first_contract=False) == expected - it["BLOOD_TYPE"].unit_price
    assert isinstance(package_price_from_items(lines), Decimal)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"fee_resident": Decimal("9.99")}, "price"),
        (
            {
                "price": Decimal("-1.00"),
                "fee_public_health": 0,
                "fee_insurance": 0,
                "fee_resident": Decimal("-1.00"),
            },
            "price",
        ),
        ({"price": Decimal("30.001")}, "price"),
        ({"valid_to": dt.date(2023, 12, 31)}, "valid_to"),
        ({"populations": []}, "populations"),
        ({"populations": ["martians"]}, "populations"),
        ({"tier": "gold"}, "tier"),
        ({"name": " "}, "name"),
    ],
)
def test_package_validation_rejects(admin, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        _basic(admin, county(), **kw)
    assert exc.value.details["field"] == field
    assert not ServicePackage.objects.exists()


def test_item_lines_rejected(admin, presets):
    ecg = _items("ECG")["ECG"]
    with pytest.raises(ValidationFailed):
        _basic(admin, county(), items=[ItemLine(ecg, 0)])
    with pytest.raises(ValidationFailed):
        _basic(admin, county(), items=[ItemLine(ecg, 1), ItemLine(ecg, 2)])


def test_unsigned_package_edited_in_place(admin):
    p = _basic(admin, county())
    p2 = package_update(actor=admin, package=p, changes={"name": "新名称"})
    assert p2.pk == p.pk and p2.version == 1 and p2.name == "新名称"


def _mark_signed(monkeypatch, package):
    """Stand in for the contracts app: a contract carries this version."""
    monkeypatch.setattr(services, "_signed_checks", [*services._signed_checks, lambda p: p.pk == package.pk])


def test_signed_package_gets_new_version(admin, presets, monkeypatch):
    it = _items("ECG", "FBG")
    p = _basic(admin, county(), items=[ItemLine(it["ECG"], 1)], status=PackageStatus.ACTIVE)
    _mark_signed(monkeypatch, p)
    assert services.package_is_signed(p)
    new = package_update(
        actor=admin,
        package=p,
        changes={"price": Decimal("35.00"), "fee_resident": Decimal("15.00")},
        items=[ItemLine(it["ECG"], 1), ItemLine(it["FBG"], 2)],
    )
    p.refresh_from_db()
    assert new.pk != p.pk and new.version == 2 and new.previous_version == p and new.code == p.code
    assert p.status == PackageStatus.RETIRED and p.price == Decimal("30.00") and p.items.count() == 1
    assert new.status == PackageStatus.ACTIVE and new.price == Decimal("35.00") and new.items.count() == 2
    assert not services.package_is_signed(new)
    with pytest.raises(Conflict):
        package_update(actor=admin, package=p, changes={"name": "x"})
    actions = list(
        AuditEvent.objects.filter(object_type="catalog.servicepackage").values_list("action", flat=True)
    )
    assert {"create", "retire", "create_version"} <= set(actions)


def test_signed_check_hook(admin):
    p = _basic(admin, county())
    assert not services.package_is_signed(p)
    check = lambda pkg: pkg.code == "P1"  # noqa: E731
    services.register_signed_check(check)
    try:
        assert services.package_is_signed(p)
    finally:
        services._signed_checks.remove(check)


def test_permissions_and_scope(admin):
    c = county()
    other = county("310115", "浦东新区")
    commission = UserFactory(username="wjw", role=Role.COMMISSION, region=c)
    with pytest.raises(Forbidden):
        _basic(UserFactory(username="doc", role=Role.DOCTOR), c)
    with pytest.raises(Forbidden):
        _basic(commission, other)
    with pytest.raises(Forbidden):
        _basic(commission, None)
    p = _basic(commission, township(c))
    assert p.region.county_code == "500114"
    q = _basic(admin, other, code="P2")
    assert set(ServicePackage.objects.visible_to(commission)) == {p}
    assert q not in ServicePackage.objects.visible_to(commission)


def test_packages_available(admin, presets):
    zc = Region.objects.get(code="370306000000")
    t = township(zc, 2)
    codes = {p.code for p in packages_available(t, dt.date(2024, 3, 1))}
    assert {"ZC-BASIC", "ZC-INTERMEDIATE", "MENU-ELDERLY"} <= codes and "YY-BASIC" not in codes
    assert "MENU-ELDERLY" not in {p.code for p in packages_available(t, dt.date(2023, 3, 1))}
    elderly = {p.code for p in packages_available(t, dt.date(2024, 3, 1), population="elderly")}
    assert "MENU-ELDERLY" in elderly and "MENU-CHILD" not in elderly and "ZC-BASIC" in elderly


def test_item_services(admin):
    item = services.item_create(
        actor=admin, code="X1", name="测试项目", category="lab", unit_price=Decimal("3.50")
    )
    with pytest.raises(Conflict):
        services.item_create(actor=admin, code="X1", name="重复", category="lab", unit_price=Decimal("1"))
    with pytest.raises(ValidationFailed):
        services.item_update(actor=admin, item=item, changes={"unit_price": Decimal("-2")})
    item = services.item_update(actor=admin, item=item, changes={"unit_price": Decimal("4.00")})
    assert item.unit_price == Decimal("4.00")
    with pytest.raises(Forbidden):
        services.item_create(
            actor=UserFactory(username="d", role=Role.DOCTOR),
            code="X2",
            name="n",
            category="lab",
            unit_price=Decimal("1"),
        )


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def test_api(admin_client, presets, monkeypatch):
    r = admin_client.get("/api/catalog/packages", {"tier": "personalised", "population": "elderly"})
    assert r.status_code == 200
    codes = [p["code"] for p in r.json()["items"]]
    assert "MENU-ELDERLY" in codes and "ZC-BASIC" not in codes
    yy = ServicePackage.objects.get(code="YY-BASIC")
    body = admin_client.get(f"/api/catalog/packages/{yy.pk}").json()
    assert body["price"] == "40.00" and body["fee_insurance"] == "12.00" and body["items"]
    payload = {
        "code": "API-1",
        "name": "接口包",
        "tier": "personalised",
        "populations": ["all"],
        "region_code": "370306",
        "valid_from": "2024-01-01",
        "items": [{"item_code": "ECG", "quantity": 2}],
    }
    r = admin_client.post("/api/catalog/packages", payload, content_type="application/json")
    assert r.status_code == 201 and r.json()["price"] == "24.00" and r.json()["fee_resident"] == "24.00"
    pk = r.json()["id"]
    bad = {**payload, "code": "API-2", "price": "10.00", "fee_resident": "5.00"}
    r = admin_client.post("/api/catalog/packages", bad, content_type="application/json")
    assert r.status_code == 422 and r.json()["details"]["field"] == "price"
    r = admin_client.post(
        "/api/catalog/packages",
        {**payload, "items": [{"item_code": "NOPE"}]},
        content_type="application/json",
    )
    assert r.status_code == 422
    r = admin_client.post("/api/catalog/packages", payload, content_type="application/json")
    assert r.status_code == 409
    r = admin_client.patch(
        f"/api/catalog/packages/{pk}", {"status": "active"}, content_type="application/json"
    )
    assert r.json()["status"] == "active"
    _mark_signed(monkeypatch, ServicePackage.objects.get(pk=pk))
    r = admin_client.patch(
        f"/api/catalog/packages/{pk}", {"name": "接口包二"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["id"] != pk
    assert len(admin_client.get(f"/api/catalog/packages/{pk}/versions").json()) == 2
    r = admin_client.get(
        "/api/catalog/available", {"region": "370306", "on": "2024-05-01", "population": "child"}
    )
    assert "MENU-CHILD" in [p["code"] for p in r.json()]
    assert admin_client.get("/api/catalog/packages/999999").status_code == 404
    assert admin_client.get("/api/catalog/items", {"category": "tcm"}).json()["count"] >= 8


def test_pages(admin_client, presets):
    r = admin_client.get(reverse("catalog:package_list"), {"tier": "basic"})
    html = r.content.decode()
    assert r.status_code == 200 and "基本服务包" in html and "老年人服务包" not in html
    p = ServicePackage.objects.get(code="ZC-INTERMEDIATE")
    html = admin_client.get(reverse("catalog:package_detail", args=[p.pk])).content.decode()
    assert "普通心电图检查" in html and "仅首次签约" in html
    assert admin_client.get(reverse("catalog:item_list")).status_code == 200
    assert admin_client.get(reverse("catalog:package_list"), {"export": "xlsx"}).status_code == 200
    assert admin_client.get(reverse("catalog:package_edit", args=[p.pk])).status_code == 200


def test_create_and_edit_views(admin_client, presets):
    data = {
        "code": "V1",
        "name": "页面包",
        "tier": "personalised",
        "populations": ["elderly", "family"],
        "valid_from": "2024-01-01",
        "price": "20.00",
        "fee_public_health": "0",
        "fee_insurance": "0",
        "fee_resident": "10.00",
        "items": "ECG 1\nBLOOD_TYPE 1 首次",
    }
    r = admin_client.post(reverse("catalog:package_create"), data)
    assert r.status_code == 200 and "分担之和必须等于年收费" in r.content.decode()
    data["price_from_items"] = "on"
    r = admin_client.post(reverse("catalog:package_create"), data)
    assert r.status_code == 302
    p = ServicePackage.objects.get(code="V1")
    assert p.price == Decimal("20.00") and p.items.get(item__code="BLOOD_TYPE").first_contract_only
    data["items"] = "NOPE 1"
    r = admin_client.post(reverse("catalog:package_edit", args=[p.pk]), data)
    assert "项目编码 NOPE 不存在" in r.content.decode()
