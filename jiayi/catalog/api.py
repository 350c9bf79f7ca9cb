"""Catalogue API (R-PKG, R-INT-1). Money is a decimal string with two places.

The contracts app offers `GET /api/catalog/available?region=<code>&on=<date>[&population=]`
(in Python: `jiayi.catalog.queries.packages_available`).
"""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import ModelSchema, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from jiayi.core.errors import NotFound, ValidationFailed
from jiayi.registry.models import Region

from . import queries, services
from .filters import ItemFilter, PackageFilter
from .models import PackageStatus, ServiceItem, ServicePackage

router = Router(tags=["catalog"])


class ItemOut(ModelSchema):
    class Meta:
        model = ServiceItem
        fields = ["id", "code", "name", "category", "unit_price", "unit", "description", "is_active"]


class ItemIn(Schema):
    code: str
    name: str
    category: str
    unit_price: Decimal
    unit: str = "次"
    description: str = ""
    is_active: bool = True


class ItemPatch(Schema):
    """Only the fields sent are changed; the service checks them as on create."""

    code: str | None = None
    name: str | None = None
    category: str | None = None
    unit_price: Decimal | None = None
    unit: str | None = None
    description: str | None = None
    is_active: bool | None = None


class LineOut(Schema):
    item_code: str
    item_name: str
    unit_price: Decimal
    quantity: int
    first_contract_only: bool


class LineIn(Schema):
    item_code: str
    quantity: int = 1
    first_contract_only: bool = False


class PackageOut(ModelSchema):
    region_code: str | None
    is_signed: bool
    items: list[LineOut]

    class Meta:
        model = ServicePackage
        exclude = ["region", "created_at", "updated_at", "preset"]

    @staticmethod
    def resolve_region_code(obj):
        return obj.region.code if obj.region_id else None

    @staticmethod
    def resolve_is_signed(obj):
        return services.package_is_signed(obj)

    @staticmethod
    def resolve_items(obj):
        return [
            {
                "item_code": pi.item.code,
                "item_name": pi.item.name,
                "unit_price": pi.item.unit_price,
                "quantity": pi.quantity,
                "first_contract_only": pi.first_contract_only,
            }
            for pi in obj.items.all()
        ]


class PackageIn(Schema):
    code: str
    name: str
    tier: str
    populations: list[str]
    region_code: str | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    price: Decimal | None = None  # omitted: the sum of the items (personalised packages)
    fee_public_health: Decimal = Decimal("0.00")
    fee_insurance: Decimal = Decimal("0.00")
    fee_resident: Decimal | None = None
    min_service_value: Decimal | None = None
    description: str = ""
    items: list[LineIn] = []


class PackagePatch(Schema):
    name: str | None = None
    tier: str | None = None
    populations: list[str] | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    price: Decimal | None = None
    fee_public_health: Decimal | None = None
    fee_insurance: Decimal | None = None
    fee_resident: Decimal | None = None
    min_service_value: Decimal | None = None
    description: str | None = None
    status: str | None = None
    items: list[LineIn] | None = None


def _region(code, user):
    if not code:
        return None
    region = Region.objects.visible_to(user).filter(code=code.ljust(12, "0")).first()
    if region is None:
        raise NotFound(_("区域不存在或无权查看"))
    return region


def _lines(rows: list[LineIn]) -> list[services.ItemLine]:
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=[r.item_code for r in rows])}
    missing = [r.item_code for r in rows if r.item_code not in items]
    if missing:
        raise ValidationFailed(_("服务项目不存在"), details={"field": "items", "codes": missing})
    return [services.ItemLine(items[r.item_code], r.quantity, r.first_contract_only) for r in rows]


@router.get("/items", response=list[ItemOut], summary="服务项目列表")
@paginate(PageNumberPagination)
def list_items(request, filters: Query[ItemFilter]):
    return queries.item_list(request.auth, filters)


@router.post("/items", response={201: ItemOut}, summary="新建服务项目")
def create_item(request, payload: ItemIn):
    return 201, services.item_create(actor=request.auth, **payload.dict())


@router.get("/items/{pk}", response=ItemOut, summary="服务项目详情")
def get_item(request, pk: int):
    return queries.item_get(request.auth, pk)


@router.patch("/items/{pk}", response=ItemOut, summary="修改服务项目")
def patch_item(request, pk: int, payload: ItemPatch):
    item = queries.item_get(request.auth, pk)
    return services.item_update(actor=request.auth, item=item, changes=payload.dict(exclude_unset=True))


@router.get("/packages", response=list[PackageOut], summary="服务包列表")
@paginate(PageNumberPagination)
def list_packages(request, filters: Query[PackageFilter]):
    return queries.package_list(request.auth, filters).prefetch_related("items__item")


@router.get("/available", response=list[PackageOut], summary="某区域某日可签约的服务包")
def available(
    request, on: dt.date, region: str | None = None, population: str | None = None, tier: str | None = None
):
    return list(
        queries.packages_available(_region(region, request.auth), on, population=population, tier=tier)
    )


@router.get("/packages/{pk}", response=PackageOut, summary="服务包详情")
def get_package(request, pk: int):
    return queries.package_get(request.auth, pk)


@router.get("/packages/{pk}/versions", response=list[PackageOut], summary="服务包各版本")
def package_versions(request, pk: int):
    return queries.package_versions(queries.package_get(request.auth, pk))


@router.post("/packages", response={201: PackageOut}, summary="新建服务包（草稿）")
def create_package(request, payload: PackageIn):
    data = payload.dict(exclude={"items", "region_code"})
    lines = _lines(payload.items)
    if data["price"] is None:
        data["price"] = services.package_price_from_items(lines)
    package = services.package_create(
        actor=request.auth, region=_region(payload.region_code, request.auth), items=lines, **data
    )
    return 201, queries.package_get(request.auth, package.pk)


@router.patch("/packages/{pk}", response=PackageOut, summary="修改服务包（已签约则生成新版本）")
def patch_package(request, pk: int, payload: PackagePatch):
    package = queries.package_get(request.auth, pk)
    changes = payload.dict(exclude_unset=True, exclude={"items"})
    items = _lines(payload.items) if payload.items is not None else None
    if changes.get("status") == PackageStatus.RETIRED:
        changes.pop("status")
        result = services.package_retire(actor=request.auth, package=package)
    elif changes.get("status") == PackageStatus.ACTIVE and package.status == PackageStatus.DRAFT:
        changes.pop("status")
        result = services.package_activate(actor=request.auth, package=package)
    else:
        result = package
    if changes or items is not None:
        result = services.package_update(actor=request.auth, package=result, changes=changes, items=items)
    return queries.package_get(request.auth, result.pk)
