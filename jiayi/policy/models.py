"""Policy settings (R-POL): the rules that differ between districts, per region and year.

A setting with no region is the national default. `jiayi.policy.queries.policy_for` resolves the
effective setting for a region and year (own › nearest ancestor › national › built-in defaults).
Structured lists (coverage targets, reimbursement bonuses) are JSON validated by the pydantic
schemas in `jiayi.policy.schemas`; every other rule is a typed column.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import REGION, ScopedQuerySet


class WindowMode(models.TextChoices):
    OFF = "off", _("不限制")
    WARN = "warn", _("窗口外提醒")
    REFUSE = "refuse", _("窗口外拒绝")


class OveruseMode(models.TextChoices):
    WARN = "warn", _("超出时提醒")
    REFUSE = "refuse", _("超出时拒绝")


def _ancestor_codes(prefix: str) -> list[str]:
    return [(prefix[:n]).ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]


class PolicyQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Policy is public reference data: everyone sees the national rules, their own region's
        # and its ancestors' (which they inherit); commissions also see what lies below them.
        national = Q(region__isnull=True)
        if scope.kind == REGION:
            return (
                national
                | Q(region__code__startswith=scope.region_prefix)
                | Q(region__code__in=_ancestor_codes(scope.region_prefix))
            )
        if scope.county_code:
            return (
                national
                | Q(region__county_code=scope.county_code)
                | Q(region__code__in=_ancestor_codes(scope.county_code))
            )
        return national


class PolicySetting(TimeStamped):
    region = models.ForeignKey(
        "registry.Region",
        verbose_name=_("区域"),
        null=True,
        blank=True,
        related_name="policy_settings",
        on_delete=models.PROTECT,
        help_text=_("留空表示全国默认"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100, blank=True)
    document = models.CharField(_("依据文件"), max_length=200, blank=True)
    preset = models.CharField(_("来源预设"), max_length=40, blank=True, editable=False)

    # Signing window (R-CON-6), month-day strings "MM-DD".
    signing_window_start = models.CharField(_("签约窗口开始（月-日）"), max_length=5, default="01-01")
    signing_window_end = models.CharField(_("签约窗口结束（月-日）"), max_length=5, default="12-31")
    signing_window_mode = models.CharField(
        _("窗口外签约"), max_length=10, choices=WindowMode.choices, default=WindowMode.OFF
    )
    # Terms and continuity (R-CON-3).
    allowed_terms = models.JSONField(_("可选签约年限"), default=list)
    multi_year_min_continuous_years = models.PositiveSmallIntegerField(
        _("多年期签约需连续签约年数"), default=2
    )
    # Capacity (R-TEAM-4).
    capacity_per_doctor = models.PositiveIntegerField(_("每名家庭医生签约上限（人）"), default=2000)
    # Renewal (R-CON-4).
    auto_renew_basic = models.BooleanField(_("仅基础包到期自动顺延"), default=True)
    renew_personalised_on_payment = models.BooleanField(_("个性化包缴费后顺延"), default=True)
    renewal_reminder_days = models.PositiveSmallIntegerField(_("到期前提醒天数"), default=30)
    # Active contact intervals in days (R-SVC-5).
    contact_days_red = models.PositiveSmallIntegerField(_("红标人群联系间隔（天）"), default=30)
    contact_days_yellow = models.PositiveSmallIntegerField(_("黄标人群联系间隔（天）"), default=60)
    contact_days_green = models.PositiveSmallIntegerField(_("绿标人群联系间隔（天）"), default=90)
    contact_days_default = models.PositiveSmallIntegerField(_("其他签约居民联系间隔（天）"), default=90)
    # Coverage targets (R-EVA-2): list of schemas.Target; plus the yearly increase in points.
    targets = models.JSONField(_("覆盖率目标"), default=list, blank=True)
    target_increase_min = models.DecimalField(
        _("每年提升下限（百分点）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    target_increase_max = models.DecimalField(
        _("每年提升上限（百分点）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Basic package fee and its split by payer (R-PKG-3); all empty = not set by this policy.
    basic_fee = models.DecimalField(
        _("基础包签约服务费（元/人/年）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    basic_fee_public_health = models.DecimalField(
        _("其中基本公卫经费（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    basic_fee_insurance = models.DecimalField(
        _("其中医保基金（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    basic_fee_resident = models.DecimalField(
        _("其中居民个人（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Staff share of fee income (R-EVA-5).
    staff_share_min_percent = models.DecimalField(
        _("用于团队薪酬的最低比例（%）"), max_digits=5, decimal_places=2, default=Decimal("70.00")
    )
    staff_share_after_costs = models.BooleanField(_("比例按扣除成本后计算"), default=False)
    # Referral incentives (R-REF-3): list of schemas.ReimbursementBonus.
    referral_reimbursement = models.JSONField(_("转诊住院报销比例提高"), default=list, blank=True)
    single_deductible_in_alliance = models.BooleanField(_("医共体内转诊住院只计一次起付线"), default=False)
    continuous_deductible = models.BooleanField(_("逐级转诊连续计算起付线"), default=False)
    referred_lab_imaging_discount_percent = models.DecimalField(
        _("转诊患者检验检查优惠（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Package use (R-SVC-2), long-term prescriptions (R-SVC-6), reserved slots (R-REF-2).
    overuse_mode = models.CharField(
        _("超出服务包次数"), max_length=10, choices=OveruseMode.choices, default=OveruseMode.WARN
    )
    long_rx_min_weeks = models.PositiveSmallIntegerField(_("长期处方最短（周）"), default=4)
    long_rx_max_weeks = models.PositiveSmallIntegerField(_("长期处方最长（周）"), default=12)
    slot_reserve_percent = models.DecimalField(
        _("专家号源预留比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    slot_release_lead_days = models.PositiveSmallIntegerField(_("号源提前开放天数"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("政策设置")
        verbose_name_plural = _("政策设置")
        ordering = ["region__code", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="policy_unique_region_year"),
            # NULL never equals NULL in a unique index, so the national rows need their own rule.
            models.UniqueConstraint(
                fields=["year"], condition=Q(region__isnull=True), name="policy_unique_national_year"
            ),
        ]

    def __str__(self):
        return f"{self.region_label} {self.year}"

    @property
    def region_label(self) -> str:
        return self.region.name if self.region_id else str(_("全国"))

    @property
    def county_code(self) -> str:
        return self.region.county_code if self.region_id else ""

    @property
    def has_basic_fee(self) -> bool:
        return self.basic_fee is not None
