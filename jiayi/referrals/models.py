"""Two-way referral (R-REF): referrals up to hospitals and back down, their history, and the
appointment slots hospitals reserve for family doctors (green channel, R-REF-2).

"Two doctors can never book the same slot": a slot holds at most one referral (a one-to-one
column set by a conditional UPDATE), so whatever the interleaving only one booking lands.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayi.core.scope import INSTITUTION, REGION, SELF, TEAM, ScopedQuerySet, nothing


class Direction(models.TextChoices):
    UP = "up", _("上转")
    DOWN = "down", _("下转")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("普通")
    URGENT = "urgent", _("加急")
    EMERGENCY = "emergency", _("急诊")


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    SCHEDULED = "scheduled", _("已预约")
    COMPLETED = "completed", _("已完成")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")
    RETURNED = "returned", _("已回基层")


OPEN_STATUSES = (ReferralStatus.REQUESTED, ReferralStatus.ACCEPTED, ReferralStatus.SCHEDULED)
CLOSED_STATUSES = (
    ReferralStatus.COMPLETED,
    ReferralStatus.REJECTED,
    ReferralStatus.CANCELLED,
    ReferralStatus.RETURNED,
)


ACTION_LABELS = {
    "request": _("发起转诊"),
    "accept": _("接收"),
    "reject": _("拒绝"),
    "schedule": _("预约号源"),
    "complete": _("完成诊治"),
    "cancel": _("取消"),
    "refer_down": _("下转"),
    "return": _("回到基层"),
}


class ReferralQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            # The sending institution sees what it sent, the receiving hospital's desk what it receives.
            ids = scope.institution_ids
            return Q(from_institution_id__in=ids) | Q(to_institution_id__in=ids)
        if scope.kind == TEAM:
            # A down-referral with no team named goes to the institution's teams; the team that
            # sent the up-referral follows its way back down.
            return (
                Q(from_team_id=scope.team_id)
                | Q(to_team_id=scope.team_id)
                | Q(to_team__isnull=True, to_institution_id=scope.team_institution_id)
                | Q(up_referral__from_team_id=scope.team_id)
            )
        if scope.kind == SELF:
            return Q(resident_id__in=scope.resident_ids)
        return nothing()

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Referral(models.Model):
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices, db_index=True)
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="referrals", on_delete=models.PROTECT
    )
    from_institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("转出机构"), related_name="+", on_delete=models.PROTECT
    )
    from_team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("转出团队"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    from_practitioner = models.ForeignKey(
        "teams.Practitioner",
        verbose_name=_("转诊医生"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    to_institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("转入机构"), related_name="+", on_delete=models.PROTECT
    )
    # A down-referral goes back to the team of the resident's contract.
    to_team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("接收团队"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    department = models.CharField(_("科室"), max_length=50, db_index=True)
    reason = models.CharField(_("转诊原因"), max_length=200)
    clinical_summary = models.TextField(_("病情摘要"), blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ReferralStatus.choices,
        default=ReferralStatus.REQUESTED,
        db_index=True,
    )
    # R-REF-4: referred by the resident's own contracted family doctor (an assessment indicator).
    via_family_doctor = models.BooleanField(_("经家庭医生转诊"), default=False)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("签约"),
        null=True,
        blank=True,
        related_name="referrals",
        on_delete=models.PROTECT,
    )
    up_referral = models.ForeignKey(
        "self",
        verbose_name=_("对应上转单"),
        null=True,
        blank=True,
        related_name="down_referrals",
        on_delete=models.PROTECT,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("预约时间"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("就诊时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("拒绝时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("回基层时间"), null=True, blank=True)
    close_reason = models.CharField(_("拒绝/取消原因"), max_length=200, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("转诊单")
        verbose_name_plural = _("转诊单")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["county_code", "region_code"]),
            models.Index(fields=["to_institution", "status", "requested_at"]),
            models.Index(fields=["from_institution", "status"]),
            models.Index(fields=["from_team", "status"]),
        ]

    def __str__(self):
        return f"{self.number} {self.resident}"

    @property
    def number(self) -> str:
        return f"ZZ{self.pk or 0:08d}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def booked_slot(self):
        try:
            return self.slot
        except Slot.DoesNotExist:
            return None


class ReferralEvent(models.Model):
    """One step of a referral: kept for the timeline both ends see, never edited."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("转诊单"), related_name="events", on_delete=models.CASCADE
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    institution_name = models.CharField(_("操作机构"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(_("原状态"), max_length=10, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("转诊记录")
        verbose_name_plural = _("转诊记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.referral_id} {self.action}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def to_status_label(self) -> str:
        return ReferralStatus(self.to_status).label if self.to_status else ""


class SlotKind(models.TextChoices):
    EXPERT = "expert", _("专家号")
    EXAM = "exam", _("检查号")
    BED = "bed", _("床位")


class SlotPoolQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Family doctors must see the hospitals' pools of their county to book for their residents.
        if scope.kind == REGION:
            return Q(hospital__region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            return Q(hospital_id__in=scope.institution_ids) | Q(county_code=scope.county_code)
        if scope.kind == TEAM:
            return Q(county_code=scope.county_code)
        return nothing()


class SlotPool(models.Model):
    """A batch of slots a hospital department publishes for one day (an expert's session, an
    exam machine's day, beds). Part of it is reserved for family doctors (policy)."""

    hospital = models.ForeignKey(
        "registry.Institution", verbose_name=_("医院"), related_name="slot_pools", on_delete=models.PROTECT
    )
    department = models.CharField(_("科室"), max_length=50)
    kind = models.CharField(_("号源类型"), max_length=10, choices=SlotKind.choices, default=SlotKind.EXPERT)
    provider = models.CharField(_("专家/设备"), max_length=50, blank=True)
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    interval_minutes = models.PositiveSmallIntegerField(_("每号间隔（分钟）"), default=15)
    capacity = models.PositiveSmallIntegerField(_("号源总数"))
    reserved_count = models.PositiveSmallIntegerField(_("预留家庭医生号源"), default=0)
    reserve_percent = models.DecimalField(
        _("预留比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    public_release_at = models.DateTimeField(_("对公众开放时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False, db_index=True)

    objects = SlotPoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("号源池")
        verbose_name_plural = _("号源池")
        ordering = ["date", "start_time", "department", "id"]
        indexes = [models.Index(fields=["hospital", "department", "date"])]

    def __str__(self):
        return f"{self.hospital} {self.department} {self.date:%Y-%m-%d} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.county_code = self.hospital.county_code
        super().save(*args, **kwargs)


class SlotQuerySet(models.QuerySet):
    def free(self):
        return self.filter(referral__isnull=True)


class Slot(models.Model):
    pool = models.ForeignKey(
        SlotPool, verbose_name=_("号源池"), related_name="slots", on_delete=models.CASCADE
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    starts_at = models.DateTimeField(_("时间"), db_index=True)
    reserved = models.BooleanField(_("家庭医生预留"), default=False)
    # At most one booking per slot (this column) and one slot per referral (unique).
    referral = models.OneToOneField(
        Referral,
        verbose_name=_("转诊单"),
        null=True,
        blank=True,
        related_name="slot",
        on_delete=models.PROTECT,
    )
    booked_at = models.DateTimeField(_("预约时间"), null=True, blank=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("号源")
        verbose_name_plural = _("号源")
        ordering = ["starts_at", "seq"]
        constraints = [models.UniqueConstraint(fields=["pool", "seq"], name="uniq_slot_seq")]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{local:%m-%d %H:%M} {self.pool.department} #{self.seq}"

    @property
    def is_free(self) -> bool:
        return self.referral_id is None

    @property
    def held_for_family_doctors(self) -> bool:
        """A reserved slot stays family doctors' only until the public release time."""
        release = self.pool.public_release_at
        return self.reserved and (release is None or timezone.now() < release)
