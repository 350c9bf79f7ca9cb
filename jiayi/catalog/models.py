"""Catalogue (R-PKG): service items with unit prices, and versioned service packages.

A package that has been signed is never edited in place (R-PKG-1): `services.package_update`
makes a new version linked by `previous_version` and retires the old one. Whether a package has
been signed is `services.package_is_signed` (the contracts app fulfils that hook).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import REGION, ScopedQuerySet
from jiayi.registry.models import CommunityKind, KeyPopulationKind

ZERO = Decimal("0.00")


class ItemCategory(models.TextChoices):
    PUBLIC_HEALTH = "public_health", _("基本公共卫生")
    MEDICAL = "medical", _("基本医疗")
    LAB = "lab", _("检验")
    IMAGING = "imaging", _("检查/影像")
    HEALTH_MANAGEMENT = "health_management", _("健康管理")
    TCM = "tcm", _("中医药")
    HOME = "home", _("上门服务")
    REHABILITATION = "rehabilitation", _("康复护理")
    OTHER = "other", _("其他")


class ServiceItem(TimeStamped):
    code = models.CharField(_("项目编码"), max_length=30, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=ItemCategory.choices)
    unit_price = models.DecimalField(_("单价（元）"), max_digits=10, decimal_places=2, default=ZERO)
    unit = models.CharField(_("计价单位"), max_length=10, default="次")
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["category", "code"]

    def __str__(self):
        return self.name


class Tier(models.TextChoices):
    BASIC = "basic", _("基础服务包")
    PERSONALISED = "personalised", _("个性化服务包")


class PackageStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("启用")
    RETIRED = "retired", _("停用")


ALL_POPULATION = "all"
FAMILY_POPULATION = "family"
COMMUNITY_PREFIX = "fc_"


def population_choices() -> list[tuple[str, str]]:
    """Who a package suits: everyone, a family, a key-population kind or a functional-community kind."""
    return [
        (ALL_POPULATION, _("全体人群")),
        (FAMILY_POPULATION, _("家庭")),
        *[(k.value, k.label) for k in KeyPopulationKind],
        *[(COMMUNITY_PREFIX + k.value, _("功能社区：%s") % k.label) for k in CommunityKind],
    ]


def _ancestor_codes(prefix: str) -> list[str]:
    return [(prefix[:n]).ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]


class PackageQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Packages are reference data: general ones (no region), the user's region and ancestors
        # (which apply to it), and for commissions everything below.
        general = Q(region__isnull=True)
        if scope.kind == REGION:
            return (
                general
                | Q(region__code__startswith=scope.region_prefix)
                | Q(region__code__in=_ancestor_codes(scope.region_prefix))
            )
        if scope.county_code:
            return (
                general
                | Q(region__county_code=scope.county_code)
                | Q(region__code__in=_ancestor_codes(scope.county_code))
            )
        return general

    def current(self):
        return self.exclude(status=PackageStatus.RETIRED)


class ServicePackage(TimeStamped):
    code = models.CharField(_("服务包编码"), max_length=30)
    version = models.PositiveIntegerField(_("版本"), default=1)
    name = models.CharField(_("服务包名称"), max_length=100)
    tier = models.CharField(_("类型"), max_length=15, choices=Tier.choices)
    populations = models.JSONField(_("适宜人群"), default=list)
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("适用区域"),
        null=True,
        blank=True,
        related_name="service_packages",
        on_delete=models.PROTECT,
        help_text=_("留空表示通用"),
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    price = models.DecimalField(_("年收费（元）"), max_digits=10, decimal_places=2, default=ZERO)
    fee_public_health = models.DecimalField(
        _("基本公卫经费分担（元）"), max_digits=10, decimal_places=2, default=ZERO
    )
    fee_insurance = models.DecimalField(
        _("医保基金分担（元）"), max_digits=10, decimal_places=2, default=ZERO
    )
    fee_resident = models.DecimalField(_("居民个人分担（元）"), max_digits=10, decimal_places=2, default=ZERO)
    min_service_value = models.DecimalField(
        _("承诺提供服务价值不低于（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("服务内容说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PackageStatus.choices, default=PackageStatus.DRAFT
    )
    previous_version = models.OneToOneField(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        related_name="next_version",
        on_delete=models.PROTECT,
    )
    preset = models.CharField(_("来源预设"), max_length=40, blank=True, editable=False)

    objects = PackageQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务包")
        verbose_name_plural = _("服务包")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="package_unique_code_version"),
        ]
        indexes = [models.Index(fields=["status", "tier"])]

    def __str__(self):
        return f"{self.name}（v{self.version}）"

    @property
    def county_code(self) -> str:
        return self.region.county_code if self.region_id else ""

    @property
    def region_label(self) -> str:
        return self.region.name if self.region_id else str(_("通用"))

    def population_labels(self) -> list[str]:
        labels = dict(population_choices())
        return [str(labels.get(p, p)) for p in self.populations]


class PackageItem(models.Model):
    package = models.ForeignKey(
        ServicePackage, verbose_name=_("服务包"), related_name="items", on_delete=models.CASCADE
    )
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务项目"), related_name="+", on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField(_("每年次数"), default=1)
    first_contract_only = models.BooleanField(_("仅首次签约"), default=False)

    class Meta:
        verbose_name = _("服务包项目")
        verbose_name_plural = _("服务包项目")
        ordering = ["item__category", "item__code"]
        constraints = [models.UniqueConstraint(fields=["package", "item"], name="package_item_unique")]

    def __str__(self):
        return f"{self.item} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return self.item.unit_price * self.quantity
