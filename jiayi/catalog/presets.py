"""Catalogue presets (`presets/items.toml`, `presets/packages.toml`), loaded by
`jiayi load_catalog_presets`. Idempotent: existing items and package codes are left alone."""

import tomllib
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from jiayi.policy.presets import all_presets, ensure_region
from jiayi.policy.services import SYSTEM
from jiayi.registry.models import Region

from .models import PackageStatus, ServiceItem, ServicePackage
from .services import ItemLine, item_create, package_create, package_price_from_items

PRESET_DIR = Path(__file__).parent / "presets"


def _read(name: str) -> dict:
    with (PRESET_DIR / name).open("rb") as fh:
        return tomllib.load(fh, parse_float=Decimal)


def _region(code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return region
    # The policy presets know the names and ancestors of the seed districts.
    for p in all_presets().values():
        if p.region_code == code:
            return ensure_region(p.region, p.parents)
    raise ValueError(f"unknown region {code}")


def load_catalog_presets(*, only: set[str] | None = None) -> dict[str, int]:
    """Load items and packages; returns counts of what was created and skipped."""
    counts = {"items_created": 0, "items_skipped": 0, "packages_created": 0, "packages_skipped": 0}
    with transaction.atomic():
        for spec in _read("items.toml")["items"]:
            if ServiceItem.objects.filter(code=spec["code"]).exists():
                counts["items_skipped"] += 1
                continue
            item_create(actor=SYSTEM, **spec)
            counts["items_created"] += 1
        items = {i.code: i for i in ServiceItem.objects.all()}
        for spec in _read("packages.toml")["packages"]:
            if only and spec["code"] not in only:
                continue
            if ServicePackage.objects.filter(code=spec["code"]).exists():
                counts["packages_skipped"] += 1
                continue
            _create_package(spec, items)
            counts["packages_created"] += 1
    return counts


def _create_package(spec: dict, items: dict) -> ServicePackage:
    lines = [
        ItemLine(items[row[0]], int(row[1]), bool(row[2]) if len(row) > 2 else False) for row in spec["items"]
    ]
    price = spec["price"]
    if price == "items":
        price = package_price_from_items(lines)
    public_health = spec.get("fee_public_health", Decimal("0.00"))
    insurance = spec.get("fee_insurance", Decimal("0.00"))
    return package_create(
        actor=SYSTEM,
        code=spec["code"],
        name=spec["name"],
        tier=spec["tier"],
        populations=spec["populations"],
        region=_region(spec.get("region")),
        valid_from=spec["valid_from"],
        valid_to=spec.get("valid_to"),
        price=price,
        fee_public_health=public_health,
        fee_insurance=insurance,
        fee_resident=spec.get("fee_resident", price - public_health - insurance),
        min_service_value=spec.get("min_service_value"),
        description=spec.get("description", ""),
        items=lines,
        status=PackageStatus.ACTIVE,
        preset=spec["code"].split("-")[0].lower(),
    )
