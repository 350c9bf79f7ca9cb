"""Writes of the catalogue: service items and versioned service packages (R-PKG)."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import Conflict, Forbidden, ValidationFailed
from jiayi.core.scope import ALL, REGION
from jiayi.policy.services import SYSTEM, authorize

from .models import (
    ItemCategory,
    PackageItem,
    PackageStatus,
    ServiceItem,
    ServicePackage,
    Tier,
    population_choices,
)

ITEM_PERM = "catalog.change_item"
PACKAGE_PERM = "catalog.change_package"
CENT = Decimal("0.01")
MONEY_LIMIT = Decimal("100000000")  # DECIMAL(10, 2)


@dataclass(frozen=True)
class ItemLine:
    """One line of a package: an item, its yearly quantity, and whether only the first contract gets it."""

    item: ServiceItem
    quantity: int = 1
    first_contract_only: bool = False


# --- the "is this package signed?" hook -------------------------------------------------------

_signed_checks: list[Callable[[ServicePackage], bool]] = []
_signed_counters: list[Callable[[ServicePackage], int]] = []


def register_signed_check(check: Callable[[ServicePackage], bool]) -> None:
    """The contracts app registers a function that says whether any contract uses a package."""
    if check not in _signed_checks:
        _signed_checks.append(check)


def register_signed_counter(counter: Callable[[ServicePackage], int]) -> None:
    """The contracts app registers a function that counts the contracts carrying a package."""
    if counter not in _signed_counters:
        _signed_counters.append(counter)


def package_is_signed(package: ServicePackage) -> bool:
    """True when a contract uses this version (then it is never edited in place)."""
    return any(check(package) for check in _signed_checks)


def package_signed_total(package: ServicePackage) -> int:
    """How many contracts carry this version, for the package page."""
    return sum(counter(package) for counter in _signed_counters)


def package_price_from_items(lines: Iterable, *, first_contract: bool = True) -> Decimal:
    """The price of a personalised package as the sum of its items (R-PKG-4, seed 003:
    根据所选择服务项目现行医药服务价格标准累加计算). Accepts ItemLines, PackageItems or a package."""
    if isinstance(lines, ServicePackage):
        lines = lines.items.select_related("item")
    total = Decimal("0.00")
    for line in lines:
        if line.first_contract_only and not first_contract:
            continue
        total += line.item.unit_price * line.quantity
    return total.quantize(CENT)


# --- validation ----------------------------------------------------------------------------------


def _fail(field: str, message: str):
    raise ValidationFailed(message, details={"field": field})


def _money(field: str, value, *, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            _fail(field, _("此项必填"))
        return None
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        _fail(field, _("金额格式不正确"))
    if not d.is_finite():
        _fail(field, _("金额格式不正确"))
    if d < 0:
        _fail(field, _("金额不能为负数"))
    # Every money column is DECIMAL(10, 2); a larger value would be a database error, not a message
    # (and quantizing a huge one raises). Checked before the places for that reason.
    if d >= MONEY_LIMIT:
        _fail(field, _("金额超出允许范围"))
    if d != d.quantize(CENT):
        _fail(field, _("金额最多保留两位小数"))
    return d.quantize(CENT)


def check_money(field: str, value, *, required: bool = True) -> Decimal | None:
    """The money rule (not negative, at most two places, fits the column) for forms that want to
    show it next to their other errors; the services apply it again themselves."""
    return _money(field, value, required=required)


def _validate_package(v: dict) -> dict:
    if not (v.get("name") or "").strip():
        _fail("name", _("请填写服务包名称"))
    if v.get("tier") not in Tier.values:
        _fail("tier", _("服务包类型无效"))
    known = {k for k, _label in population_choices()}
    pops = v.get("populations") or []
    if not pops or any(p not in known for p in pops):
        _fail("populations", _("请选择有效的适宜人群"))
    v["populations"] = list(dict.fromkeys(pops))
    for f in ("price", "fee_public_health", "fee_insurance", "fee_resident"):
        v[f] = _money(f, v.get(f))
    v["min_service_value"] = _money("min_service_value", v.get("min_service_value"), required=False)
    if v["fee_public_health"] + v["fee_insurance"] + v["fee_resident"] != v["price"]:
        _fail("price", _("公卫经费、医保基金与居民个人分担之和必须等于年收费"))
    if not isinstance(v.get("valid_from"), dt.date):
        _fail("valid_from", _("请填写生效日期"))
    if v.get("valid_to") is not None and v["valid_to"] < v["valid_from"]:
        _fail("valid_to", _("失效日期不能早于生效日期"))
    if v.get("status") not in PackageStatus.values:
        _fail("status", _("状态无效"))
    return v


def _validate_lines(lines: list[ItemLine]) -> None:
    seen = set()
    for line in lines:
        if line.quantity < 1:
            _fail("items", _("每年次数必须大于0"))
        if line.item.pk in seen:
            _fail("items", _("同一服务项目不能重复列出"))
        seen.add(line.item.pk)


def _check_region_writable(actor, region) -> None:
    """A commission writes packages for its region and below, an institution admin for its county;
    general (region-less) packages are the sysadmin's."""
    if actor is SYSTEM or actor.scope.kind == ALL:
        return
    scope = actor.scope
    ok = region is not None and (
        region.code.startswith(scope.region_prefix)
        if scope.kind == REGION
        else region.county_code == scope.county_code
    )
    if not ok:
        raise Forbidden(_("只能维护本辖区的服务包"), details={"permission": PACKAGE_PERM})


# --- items ---------------------------------------------------------------------------------------

ITEM_FIELDS = ["code", "name", "category", "unit_price", "unit", "description", "is_active"]
DEFAULT_UNIT = "次"


def _text(v: dict, field: str, max_length: int, *, required_message=None, default: str = "") -> str:
    """A stripped string field; an API client may send null or a number, which must not reach the DB."""
    raw = v.get(field)
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        _fail(field, _("格式不正确"))
    value = raw.strip() or default
    if not value and required_message is not None:
        _fail(field, required_message)
    if len(value) > max_length:
        _fail(field, _("不能超过%(n)s个字") % {"n": max_length})
    return value


def _validate_item(v: dict) -> dict:
    v["code"] = _text(v, "code", 30, required_message=_("请填写项目编码"))
    v["name"] = _text(v, "name", 100, required_message=_("请填写项目名称"))
    if v.get("category") not in ItemCategory.values:
        _fail("category", _("类别无效"))
    v["unit_price"] = _money("unit_price", v.get("unit_price"))
    v["unit"] = _text(v, "unit", 10, default=DEFAULT_UNIT)
    v["description"] = _text(v, "description", 200)
    if not isinstance(v.get("is_active"), bool):
        _fail("is_active", _("请指明是否在用"))
    return v


def _duplicate_code() -> Conflict:
    return Conflict(_("项目编码已存在"), details={"field": "code"})


def item_create(
    *,
    actor,
    code: str,
    name: str,
    category: str,
    unit_price,
    unit: str = DEFAULT_UNIT,
    description: str = "",
    is_active: bool = True,
) -> ServiceItem:
    authorize(actor, ITEM_PERM)
    v = _validate_item(
        {
            "code": code,
            "name": name,
            "category": category,
            "unit_price": unit_price,
            "unit": unit,
            "description": description,
            "is_active": is_active,
        }
    )
    with transaction.atomic():
        if ServiceItem.objects.filter(code=v["code"]).exists():
            raise _duplicate_code()
        try:
            # Two requests with the same new code can both pass the check above.
            with transaction.atomic():
                item = ServiceItem.objects.create(**v)
        except IntegrityError:
            raise _duplicate_code() from None
        record_write(actor=actor, action="create", obj=item, after=snapshot(item))
    return item


def item_update(*, actor, item: ServiceItem, changes: dict) -> ServiceItem:
    """Changing a unit price does not touch the packages already priced with it."""
    authorize(actor, ITEM_PERM)
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知的字段"), details={"fields": sorted(unknown)})
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(item)
        current = {f: getattr(item, f) for f in ITEM_FIELDS}
        merged = _validate_item({**current, **changes})
        if merged == current:
            # Saving an untouched form is not a write: no new updated_at, no empty audit event.
            return item
        if (
            merged["code"] != item.code
            and ServiceItem.objects.filter(code=merged["code"]).exclude(pk=item.pk).exists()
        ):
            raise _duplicate_code()
        for f in ITEM_FIELDS:
            setattr(item, f, merged[f])
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            raise _duplicate_code() from None
        record_write(actor=actor, action="update", obj=item, before=before, after=snapshot(item))
    return item


# --- packages ------------------------------------------------------------------------------------

PACKAGE_FIELDS = [
    "name",
    "tier",
    "populations",
    "region",
    "valid_from",
    "valid_to",
    "price",
    "fee_public_health",
    "fee_insurance",
    "fee_resident",
    "min_service_value",
    "description",
    "status",
]


def _package_values(package: ServicePackage) -> dict:
    return {f: getattr(package, f) for f in PACKAGE_FIELDS}


def _snapshot(package: ServicePackage) -> dict:
    out = snapshot(package)
    out["items"] = [
        {"item": pi.item.code, "quantity": pi.quantity, "first_contract_only": pi.first_contract_only}
        for pi in package.items.select_related("item")
    ]
    return out


def _set_lines(package: ServicePackage, lines: list[ItemLine]) -> None:
    package.items.all().delete()
    PackageItem.objects.bulk_create(
        PackageItem(
            package=package, item=ln.item, quantity=ln.quantity, first_contract_only=ln.first_contract_only
        )
        for ln in lines
    )


def package_create(
    *,
    actor,
    code: str,
    name: str,
    tier: str,
    populations: list[str],
    region,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    price,
    fee_public_health=Decimal("0.00"),
    fee_insurance=Decimal("0.00"),
    fee_resident=None,
    min_service_value=None,
    description: str = "",
    items: list[ItemLine] = (),
    status: str = PackageStatus.DRAFT,
    preset: str = "",
) -> ServicePackage:
    """A new package (version 1). `fee_resident` defaults to what the other payers leave of the price."""
    authorize(actor, PACKAGE_PERM)
    _check_region_writable(actor, region)
    code = (code or "").strip()
    if not code:
        _fail("code", _("请填写服务包编码"))
    if fee_resident is None and price not in (None, ""):
        fee_resident = (
            Decimal(str(price)) - Decimal(str(fee_public_health or 0)) - Decimal(str(fee_insurance or 0))
        )
    v = _validate_package(
        {
            "name": name,
            "tier": tier,
            "populations": populations,
            "region": region,
            "valid_from": valid_from,
            "valid_to": valid_to,
            "price": price,
            "fee_public_health": fee_public_health,
            "fee_insurance": fee_insurance,
            "fee_resident": fee_resident,
            "min_service_value": min_service_value,
            "description": description,
            "status": status,
        }
    )
    lines = list(items)
    _validate_lines(lines)
    with transaction.atomic():
        if ServicePackage.objects.filter(code=code).exists():
            raise Conflict(_("服务包编码已存在"), details={"field": "code"})
        try:
            with transaction.atomic():
                package = ServicePackage.objects.create(code=code, version=1, preset=preset, **v)
        except IntegrityError:
            raise Conflict(_("服务包编码已存在"), details={"field": "code"}) from None
        _set_lines(package, lines)
        record_write(actor=actor, action="create", obj=package, after=_snapshot(package))
    return package


def package_update(
    *, actor, package: ServicePackage, changes: dict, items: list[ItemLine] | None = None
) -> ServicePackage:
    """Edit a package. If it has been signed, the edit becomes a new version (the old one is retired
    and keeps serving the contracts signed on it); returns the package that now carries the edit."""
    authorize(actor, PACKAGE_PERM)
    _check_region_writable(actor, package.region)
    unknown = set(changes) - set(PACKAGE_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知的字段"), details={"fields": sorted(unknown)})
    with transaction.atomic():
        package = ServicePackage.objects.select_for_update().get(pk=package.pk)
        if package.status == PackageStatus.RETIRED:
            raise Conflict(_("已停用的服务包不能修改"), details={"field": "status"})
        if "region" in changes:
            _check_region_writable(actor, changes["region"])
        v = _validate_package({**_package_values(package), **changes})
        lines = (
            items
            if items is not None
            else [
                ItemLine(pi.item, pi.quantity, pi.first_contract_only)
                for pi in package.items.select_related("item")
            ]
        )
        _validate_lines(lines)
        if package_is_signed(package):
            return _new_version(actor, package, v, lines)
        before = _snapshot(package)
        for f, value in v.items():
            setattr(package, f, value)
        package.save()
        if items is not None:
            _set_lines(package, lines)
        record_write(actor=actor, action="update", obj=package, before=before, after=_snapshot(package))
    return package


def _new_version(actor, old: ServicePackage, values: dict, lines: list[ItemLine]) -> ServicePackage:
    before = _snapshot(old)
    old.status = PackageStatus.RETIRED
    old.save(update_fields=["status", "updated_at"])
    record_write(actor=actor, action="retire", obj=old, before=before, after=_snapshot(old))
    values = {
        **values,
        "status": values["status"] if values["status"] != PackageStatus.RETIRED else PackageStatus.ACTIVE,
    }
    new = ServicePackage.objects.create(
        code=old.code, version=old.version + 1, previous_version=old, preset=old.preset, **values
    )
    _set_lines(new, lines)
    record_write(actor=actor, action="create_version", obj=new, after=_snapshot(new))
    return new


def _set_status(actor, package: ServicePackage, status: str, allowed_from: set[str]) -> ServicePackage:
    authorize(actor, PACKAGE_PERM)
    _check_region_writable(actor, package.region)
    with transaction.atomic():
        package = ServicePackage.objects.select_for_update().get(pk=package.pk)
        if package.status not in allowed_from:
            raise Conflict(_("当前状态不能执行此操作"), details={"field": "status"})
        before = snapshot(package, ["status"])
        package.status = status
        package.save(update_fields=["status", "updated_at"])
        record_write(
            actor=actor, action=status, obj=package, before=before, after=snapshot(package, ["status"])
        )
    return package


def package_activate(*, actor, package: ServicePackage) -> ServicePackage:
    return _set_status(actor, package, PackageStatus.ACTIVE, {PackageStatus.DRAFT})


def package_retire(*, actor, package: ServicePackage) -> ServicePackage:
    return _set_status(actor, package, PackageStatus.RETIRED, {PackageStatus.DRAFT, PackageStatus.ACTIVE})
