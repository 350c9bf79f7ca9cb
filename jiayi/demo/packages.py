"""Policy and catalogue for the demo district: the presets, plus a Qianjiang basic package.

The catalogue presets ship the general menu packages (elderly, chronic disease, maternal, child,
disabled, TCM, family) but basic packages only for Zhoucun and Yueyang, and signing needs a basic
package offered in the resident's region. So the demo adds one for Qianjiang, through the
catalogue's own service, the first time it runs.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiayi.catalog.models import PackageStatus, ServiceItem, ServicePackage, Tier
from jiayi.catalog.presets import load_catalog_presets
from jiayi.catalog.services import ItemLine, package_create
from jiayi.policy.presets import all_presets, load_preset
from jiayi.policy.services import SYSTEM
from jiayi.registry.models import KeyPopulationKind as K
from jiayi.registry.models import Region

from . import seed

BASIC_CODE = "QJ-BASIC"
# Seed 000 二(四)1 says the fee is shared by public-health funds, the insurance fund and the
# resident without amounts; the demo borrows Yueyang's 40 = 20 + 12 + 8 yuan (seed 003).
BASIC_SPEC = {
    "name": "黔江区家庭医生签约基础服务包",
    "price": Decimal("40.00"),
    "fee_public_health": Decimal("20.00"),
    "fee_insurance": Decimal("12.00"),
    "fee_resident": Decimal("8.00"),
    "items": [
        ("BPHS", 1),
        ("DIAG", 1),
        ("ANNUAL_ASSESSMENT", 1),
        ("CHRONIC_MGMT", 1),
        ("FOLLOW_UP", 4),
        ("HEALTH_INFO", 4),
        ("TCM_CONSTITUTION", 1),
        ("TCM_GUIDANCE", 1),
        ("REFERRAL", 1),
    ],
    "description": (
        "基本公共卫生服务、常见病诊疗、年度健康评估、慢病随访、健康信息推送、中医体质辨识与指导、"
        "双向转诊。签约服务费40元/人/年（公卫20元、医保12元、个人8元；演示数据，金额参照岳阳方案）。"
    ),
}

# Personalised menu packages (catalogue presets) and the key populations each suits.
ELDERLY, CHRONIC, MATERNAL, CHILD = "MENU-ELDERLY", "MENU-CHRONIC", "MENU-MATERNAL", "MENU-CHILD"
DISABLED, TCM, FAMILY = "MENU-DISABLED", "MENU-TCM", "MENU-FAMILY"


@dataclass
class Catalogue:
    basic: ServicePackage
    menu: dict[str, ServicePackage]
    items: dict[str, ServiceItem]
    # package id -> {item code: yearly quantity} (first-contract-only lines flagged separately)
    promised: dict[int, dict[str, int]]


def load_presets() -> None:
    """The policy presets (national 2022, Qianjiang 2024 …) and the catalogue presets; idempotent."""
    for preset in all_presets().values():
        load_preset(preset)
    load_catalog_presets()


def ensure_basic_package(county: Region) -> ServicePackage:
    package = ServicePackage.objects.filter(code=BASIC_CODE).order_by("-version").first()
    if package is not None:
        return package
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=[c for c, _n in BASIC_SPEC["items"]])}
    return package_create(
        actor=SYSTEM,
        code=BASIC_CODE,
        name=BASIC_SPEC["name"],
        tier=Tier.BASIC,
        populations=["all"],
        region=county,
        valid_from=dt.date(seed.SEED_YEAR, 1, 1),
        price=BASIC_SPEC["price"],
        fee_public_health=BASIC_SPEC["fee_public_health"],
        fee_insurance=BASIC_SPEC["fee_insurance"],
        fee_resident=BASIC_SPEC["fee_resident"],
        description=BASIC_SPEC["description"],
        items=[ItemLine(items[c], n) for c, n in BASIC_SPEC["items"]],
        status=PackageStatus.ACTIVE,
        preset="demo",
    )


def catalogue(county: Region) -> Catalogue:
    load_presets()
    basic = ensure_basic_package(county)
    codes = [ELDERLY, CHRONIC, MATERNAL, CHILD, DISABLED, TCM, FAMILY]
    menu = {}
    for code in codes:
        p = (
            ServicePackage.objects.filter(code=code, status=PackageStatus.ACTIVE, region__isnull=True)
            .order_by("-version")
            .first()
        )
        if p is not None:
            menu[code] = p
    promised: dict[int, dict[str, int]] = {}
    for p in [basic, *menu.values()]:
        promised[p.pk] = {
            pi.item.code: pi.quantity for pi in p.items.select_related("item") if not pi.first_contract_only
        }
    items = {i.code: i for i in ServiceItem.objects.all()}
    return Catalogue(basic=basic, menu=menu, items=items, promised=promised)


def personalised_for(rng, cat: Catalogue, kinds: set[str], *, family: bool) -> ServicePackage | None:
    """A suitable personalised package for about a quarter of signers, by who they are."""
    options = []
    if K.PREGNANT in kinds:
        options.append((MATERNAL, 0.75))
    if K.CHILD in kinds:
        options.append((CHILD, 0.45))
    if kinds & {K.HYPERTENSION, K.DIABETES, K.COPD}:
        options.append((CHRONIC, 0.40))
    if K.ELDERLY in kinds:
        options.append((ELDERLY, 0.30))
    if K.DISABLED in kinds:
        options.append((DISABLED, 0.30))
    for code, share in options:
        if code in cat.menu and rng.random() < share:
            return cat.menu[code]
    roll = rng.random()
    if TCM in cat.menu and roll < 0.05:
        return cat.menu[TCM]
    if family and FAMILY in cat.menu and roll < 0.09:
        return cat.menu[FAMILY]
    return None
