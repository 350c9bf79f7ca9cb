"""Contracts (R-CON): agreements, the per-resident contracts they create, packages and history.

An `Agreement` is one signing act and one document (individual, family or functional community);
it creates one `Contract` per resident. "At most one contract in force per resident" is a partial
unique index, so concurrent signings cannot both succeed whatever the code path.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import ScopedQuerySet, signed_scope


class ContractKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个人签约")
    FAMILY = "family", _("家庭签约")
    COMMUNITY = "community", _("功能社区签约")


class ContractStatus(models.TextChoices):
    PENDING = "pending", _("待生效")
    ACTIVE = "active", _("履约中")
    EXPIRED = "expired", _("已到期")
    RENEWED = "renewed", _("已续约")
    TERMINATED = "terminated", _("已解约")


IN_FORCE = (ContractStatus.PENDING, ContractStatus.ACTIVE)


class Channel(models.TextChoices):
    WINDOW = "window", _("服务窗口")
    CLINIC = "clinic", _("诊室")
    HOME = "home", _("上门签约")
    ONLINE = "online", _("线上签约")
    CAMPAIGN = "campaign", _("签约活动日")
    COMMUNITY = "community", _("功能社区")


class ConsentMode(models.TextChoices):
    HANDWRITTEN = "handwritten", _("手写签名")
    ONLINE = "online", _("线上确认")


class TerminationReason(models.TextChoices):
    DEATH = "death", _("居民死亡")
    MOVED = "moved", _("迁出本地")
    RESIDENT_REQUEST = "resident_request", _("居民申请解约")
    DOCTOR_LEFT = "doctor_left", _("医生离岗")
    TRANSFERRED = "transferred", _("转签至其他团队")
    OTHER = "other", _("其他")


class AgreementQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        return signed_scope(scope, resident="contracts__resident_id")


class Agreement(TimeStamped):
    number = models.CharField(_("协议编号"), max_length=40, unique=True, null=True, blank=True)
    kind = models.CharField(_("签约类型"), max_length=12, choices=ContractKind.choices)
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("签约机构"),
        related_name="agreements",
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("签约团队"), related_name="agreements", on_delete=models.PROTECT
    )
    doctor = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("责任医生"), related_name="agreements", on_delete=models.PROTECT
    )
    # Party B: the resident, or the household's representative, or the community's contact person.
    party = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("乙方"),
        related_name="agreements_as_party",
        on_delete=models.PROTECT,
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭户"), null=True, blank=True, on_delete=models.PROTECT
    )
    community = models.ForeignKey(
        "registry.FunctionalCommunity",
        verbose_name=_("功能社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    channel = models.CharField(_("签约渠道"), max_length=12, choices=Channel.choices)
    signed_on = models.DateField(_("签约日期"))
    term_years = models.PositiveSmallIntegerField(_("签约年限"), default=1)
    consent_mode = models.CharField(_("确认方式"), max_length=12, choices=ConsentMode.choices)
    signature_png = models.BinaryField(_("签名图片"), null=True, blank=True, editable=False)
    # "1+1+1" combination (R-CON-8): a community centre plus a district and a city hospital.
    combination_district = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("组合签约区级医院"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    combination_city = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("组合签约市级医院"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("签约协议")
        verbose_name_plural = _("签约协议")

    def __str__(self):
        return self.number or f"#{self.pk}"

    def save(self, *args, **kwargs):
        self.county_code = self.institution.county_code
        self.region_code = self.party.region_code
        super().save(*args, **kwargs)


class ContractQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        return signed_scope(scope)

    def in_force(self):
        return self.filter(status__in=IN_FORCE)

    def in_force_on(self, on: dt.date):
        return (
            self.filter(status__in=(*IN_FORCE, ContractStatus.RENEWED, ContractStatus.EXPIRED))
            .filter(start__lte=on, end__gte=on)
            .exclude(status=ContractStatus.TERMINATED)
        )


class Contract(TimeStamped):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("签约协议"), related_name="contracts", on_delete=models.PROTECT
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("签约居民"), related_name="contracts", on_delete=models.PROTECT
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("签约机构"), on_delete=models.PROTECT
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("签约团队"), related_name="contracts", on_delete=models.PROTECT
    )
    doctor = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("责任医生"), related_name="contracts", on_delete=models.PROTECT
    )
    status = models.CharField(_("状态"), max_length=12, choices=ContractStatus.choices, db_index=True)
    start = models.DateField(_("生效日期"))
    end = models.DateField(_("到期日期"))
    term_years = models.PositiveSmallIntegerField(_("签约年限"), default=1)
    is_first = models.BooleanField(_("首次签约"), default=True)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("上一份协议"),
        null=True,
        blank=True,
        related_name="next",
        on_delete=models.PROTECT,
    )
    renewal_opt_out = models.BooleanField(_("到期不再顺延"), default=False)
    awaiting_payment = models.BooleanField(_("待缴费续约"), default=False)
    terminated_on = models.DateField(_("解约日期"), null=True, blank=True)
    termination_reason = models.CharField(
        _("解约原因"), max_length=20, choices=TerminationReason.choices, blank=True
    )
    termination_note = models.CharField(_("解约说明"), max_length=200, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("签约记录")
        verbose_name_plural = _("签约记录")
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(status__in=["pending", "active"]),
                name="one_contract_in_force",
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="contract_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["county_code", "status", "end"]),
            models.Index(fields=["team", "status", "end"]),
            models.Index(fields=["doctor", "status"]),
            models.Index(fields=["institution", "status"]),
        ]

    def __str__(self):
        return f"{self.resident} · {self.start:%Y-%m-%d}—{self.end:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)

    @property
    def in_force(self) -> bool:
        return self.status in IN_FORCE

    def days_to_expiry(self, today: dt.date | None = None) -> int:
        return (self.end - (today or dt.date.today())).days


class ContractPackage(models.Model):
    """A package on a contract, with its price and split frozen at signing (R-PKG-3)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("签约记录"), related_name="packages", on_delete=models.CASCADE
    )
    package = models.ForeignKey("catalog.ServicePackage", verbose_name=_("服务包"), on_delete=models.PROTECT)
    price = models.DecimalField(_("年收费（元）"), max_digits=10, decimal_places=2)
    fee_public_health = models.DecimalField(_("基本公卫经费（元）"), max_digits=10, decimal_places=2)
    fee_insurance = models.DecimalField(_("医保基金（元）"), max_digits=10, decimal_places=2)
    fee_resident = models.DecimalField(_("居民个人（元）"), max_digits=10, decimal_places=2)
    resident_paid = models.BooleanField(_("个人部分已缴"), default=False)

    class Meta:
        verbose_name = _("签约服务包")
        verbose_name_plural = _("签约服务包")
        constraints = [
            models.UniqueConstraint(fields=["contract", "package"], name="contract_package_unique")
        ]

    def __str__(self):
        return str(self.package)


class ContractEvent(models.Model):
    """The contract's own history, shown on its page (the audit trail keeps the full before/after)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("签约记录"), related_name="events", on_delete=models.CASCADE
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    action = models.CharField(_("操作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=12, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("签约变更记录")
        verbose_name_plural = _("签约变更记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.contract_id} {self.action}"
