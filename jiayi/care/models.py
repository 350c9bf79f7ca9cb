"""Fulfilment (R-SVC): service records and measurements, health assessments, risk colours and the
contact plan that drives the worklists.

`ContactPlan` holds one row per resident with a contract in force and an indexed `next_due_on`,
kept current by the services that sign contracts and record contacts, so that a worklist is an
index range scan, never a computation over service records.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import ScopedQuerySet, signed_scope


class CareQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        return signed_scope(scope)


class ServiceChannel(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("面对面")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    SOCIAL_APP = "social_app", _("微信等社交软件")
    INFO_SYSTEM = "info_system", _("信息系统")
    HOME_VISIT = "home_visit", _("上门")


class TcmTechnique(models.TextChoices):
    NONE = "", _("无")
    CONSTITUTION = "constitution", _("中医体质辨识")
    ACUPUNCTURE = "acupuncture", _("针刺")
    MASSAGE = "massage", _("推拿")
    CUPPING = "cupping", _("拔罐")
    MOXIBUSTION = "moxibustion", _("艾灸")
    GUA_SHA = "gua_sha", _("刮痧")
    ACUPOINT = "acupoint", _("穴位贴敷")
    GUIDANCE = "guidance", _("中医药健康指导")


class RecordStatus(models.TextChoices):
    VALID = "valid", _("有效")
    VOID = "void", _("已作废")


class ServiceRecord(TimeStamped):
    """One service delivered to one resident (R-SVC-1). Counts against the contract in force on
    its date; a record for someone without a contract is kept but counts for no contract."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="service_records", on_delete=models.PROTECT
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("签约记录"),
        null=True,
        blank=True,
        related_name="service_records",
        on_delete=models.PROTECT,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name=_("服务项目"), related_name="+", on_delete=models.PROTECT
    )
    performed_on = models.DateField(_("服务日期"))
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("服务机构"), related_name="+", on_delete=models.PROTECT
    )
    place = models.CharField(_("服务地点"), max_length=100, blank=True)
    channel = models.CharField(_("服务方式"), max_length=14, choices=ServiceChannel.choices)
    practitioner = models.ForeignKey(
        "teams.Practitioner",
        verbose_name=_("服务人员"),
        related_name="service_records",
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("签约团队"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    notes = models.TextField(_("服务记录"), blank=True)
    tcm_technique = models.CharField(_("中医药技术"), max_length=14, choices=TcmTechnique.choices, blank=True)
    is_contact = models.BooleanField(_("计为主动联系"), default=True)
    beyond_entitlement = models.BooleanField(_("超出服务包次数"), default=False)
    status = models.CharField(
        _("状态"), max_length=6, choices=RecordStatus.choices, default=RecordStatus.VALID
    )
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("来源"), max_length=20, default="entered")
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        indexes = [
            models.Index(fields=["resident", "performed_on"]),
            models.Index(fields=["contract", "item"]),
            models.Index(fields=["team", "performed_on"]),
            models.Index(fields=["county_code", "performed_on"]),
            models.Index(fields=["practitioner", "performed_on"]),
        ]

    def __str__(self):
        return f"{self.resident} · {self.item} · {self.performed_on}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class MeasurementKind(models.TextChoices):
    SBP = "sbp", _("收缩压")
    DBP = "dbp", _("舒张压")
    HEART_RATE = "heart_rate", _("心率")
    FASTING_GLUCOSE = "fasting_glucose", _("空腹血糖")
    RANDOM_GLUCOSE = "random_glucose", _("随机血糖")
    HBA1C = "hba1c", _("糖化血红蛋白")
    TOTAL_CHOLESTEROL = "total_cholesterol", _("总胆固醇")
    LDL = "ldl", _("低密度脂蛋白胆固醇")
    WEIGHT = "weight", _("体重")
    HEIGHT = "height", _("身高")
    WAIST = "waist", _("腰围")


MEASUREMENT_UNITS = {
    "sbp": "mmHg",
    "dbp": "mmHg",
    "heart_rate": "次/分",
    "fasting_glucose": "mmol/L",
    "random_glucose": "mmol/L",
    "hba1c": "%",
    "total_cholesterol": "mmol/L",
    "ldl": "mmol/L",
    "weight": "kg",
    "height": "cm",
    "waist": "cm",
}

# Plausible ranges: a value outside is a typing error, refused with a message.
MEASUREMENT_RANGES = {
    "sbp": (50, 300),
    "dbp": (20, 200),
    "heart_rate": (20, 250),
    "fasting_glucose": (1, 40),
    "random_glucose": (1, 50),
    "hba1c": (3, 20),
    "total_cholesterol": (1, 20),
    "ldl": (0.3, 15),
    "weight": (1, 300),
    "height": (30, 250),
    "waist": (20, 250),
}


class MeasurementSource(models.TextChoices):
    ENTERED = "entered", _("手工录入")
    DEVICE = "device", _("标准化设备上传")


class Measurement(models.Model):
    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("服务记录"), related_name="measurements", on_delete=models.CASCADE
    )
    kind = models.CharField(_("指标"), max_length=20, choices=MeasurementKind.choices)
    value = models.DecimalField(_("数值"), max_digits=7, decimal_places=2)
    source = models.CharField(
        _("来源"), max_length=8, choices=MeasurementSource.choices, default=MeasurementSource.ENTERED
    )

    class Meta:
        verbose_name = _("测量值")
        verbose_name_plural = _("测量值")
        constraints = [models.UniqueConstraint(fields=["record", "kind"], name="measurement_once_per_record")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}{MEASUREMENT_UNITS.get(self.kind, '')}"

    @property
    def unit(self) -> str:
        return MEASUREMENT_UNITS.get(self.kind, "")


class Condition(models.TextChoices):
    HYPERTENSION = "hypertension", _("高血压")
    DIABETES = "diabetes", _("2型糖尿病")
    HYPERLIPIDAEMIA = "hyperlipidaemia", _("高脂血症")


class RiskColour(models.TextChoices):
    GREEN = "green", _("绿标")
    YELLOW = "yellow", _("黄标")
    RED = "red", _("红标")


COLOUR_RANK = {"green": 1, "yellow": 2, "red": 3}


class RiskAssessment(TimeStamped):
    """A risk colour for one condition on a date, with the reason (R-SVC-4); the latest is current."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="risk_assessments", on_delete=models.PROTECT
    )
    condition = models.CharField(_("疾病"), max_length=16, choices=Condition.choices)
    colour = models.CharField(_("色标"), max_length=6, choices=RiskColour.choices)
    assessed_on = models.DateField(_("评估日期"))
    reason = models.CharField(_("依据"), max_length=300)
    practitioner = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("评估医生"), on_delete=models.PROTECT
    )
    is_current = models.BooleanField(_("当前"), default=True)
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("慢病色标评估")
        verbose_name_plural = _("慢病色标评估")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "condition"], condition=Q(is_current=True), name="one_current_colour"
            )
        ]

    def __str__(self):
        return f"{self.resident} {self.get_condition_display()} {self.get_colour_display()}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class HealthAssessment(TimeStamped):
    """The annual health assessment and the management plan it produces (R-SVC-3)."""

    resident = models.ForeignKey(
        "registry.Resident",
        verbose_name=_("居民"),
        related_name="health_assessments",
        on_delete=models.PROTECT,
    )
    record = models.OneToOneField(
        ServiceRecord,
        verbose_name=_("服务记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment",
    )
    assessed_on = models.DateField(_("评估日期"))
    practitioner = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("评估医生"), on_delete=models.PROTECT
    )
    findings = models.TextField(_("评估发现"))
    lifestyle = models.TextField(_("生活方式"), blank=True)
    plan = models.TextField(_("健康管理计划"))
    next_assessment_on = models.DateField(_("下次评估日期"))
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度健康评估")
        verbose_name_plural = _("年度健康评估")
        ordering = ["-assessed_on"]

    def __str__(self):
        return f"{self.resident} {self.assessed_on}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class ContactPlan(models.Model):
    """When each signed resident is next due for an active contact (R-SVC-5).

    One row per resident with a contract in force; `next_due_on` = last contact (or signing) +
    the policy's interval for the resident's worst current risk colour, else the default.
    """

    resident = models.OneToOneField(
        "registry.Resident", verbose_name=_("居民"), related_name="contact_plan", on_delete=models.CASCADE
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("签约记录"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("teams.Team", verbose_name=_("团队"), on_delete=models.CASCADE, related_name="+")
    doctor = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("责任医生"), on_delete=models.CASCADE, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), on_delete=models.CASCADE, related_name="+"
    )
    colour = models.CharField(_("色标"), max_length=6, choices=RiskColour.choices, blank=True)
    interval_days = models.PositiveSmallIntegerField(_("联系间隔（天）"))
    signed_on = models.DateField(_("签约日期"))
    last_contact_on = models.DateField(_("最近联系"), null=True, blank=True)
    next_due_on = models.DateField(_("下次联系"))
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("联系计划")
        verbose_name_plural = _("联系计划")
        indexes = [
            models.Index(fields=["team", "next_due_on"], name="contactplan_team_due"),
            models.Index(fields=["doctor", "next_due_on"], name="contactplan_doctor_due"),
            models.Index(fields=["county_code", "next_due_on"], name="contactplan_county_due"),
        ]

    def __str__(self):
        return f"{self.resident} → {self.next_due_on}"


# --- long-term prescriptions, home beds, reminders (R-SVC-6, R-SVC-7, R-SVC-9) ---------------


class ChronicCondition(models.TextChoices):
    HYPERTENSION = "hypertension", _("高血压")
    DIABETES = "diabetes", _("2型糖尿病")
    HYPERLIPIDAEMIA = "hyperlipidaemia", _("高脂血症")
    COPD = "copd", _("慢阻肺")
    TUBERCULOSIS = "tuberculosis", _("结核病")
    SEVERE_MENTAL = "severe_mental", _("严重精神障碍")
    PNEUMOCONIOSIS = "pneumoconiosis", _("尘肺病")


class RxStatus(models.TextChoices):
    ACTIVE = "active", _("执行中")
    STOPPED = "stopped", _("已停用")


class LongTermPrescription(TimeStamped):
    """A long-term prescription of 4–12 weeks (policy) for an eligible chronic patient (R-SVC-6)."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="prescriptions", on_delete=models.PROTECT
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("签约记录"), related_name="+", on_delete=models.PROTECT
    )
    practitioner = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("开具医生"), related_name="+", on_delete=models.PROTECT
    )
    condition = models.CharField(_("慢性病"), max_length=40, choices=ChronicCondition.choices)
    # One line per medicine: {"name", "dose", "frequency"}.
    medicines = models.JSONField(_("药品"), default=list)
    weeks = models.PositiveSmallIntegerField(_("处方周数"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=8, choices=RxStatus.choices, default=RxStatus.ACTIVE)
    stopped_on = models.DateField(_("停用日期"), null=True, blank=True)
    stop_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("长期处方")
        verbose_name_plural = _("长期处方")
        ordering = ["-start", "-pk"]
        indexes = [models.Index(fields=["team", "status", "end"]), models.Index(fields=["resident", "start"])]

    def __str__(self):
        return f"{self.resident} · {self.condition} · {self.weeks}周"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)

    @property
    def medicines_text(self) -> str:
        return "；".join(
            " ".join(p for p in (m.get("name", ""), m.get("dose", ""), m.get("frequency", "")) if p)
            for m in self.medicines
        )


class BedStatus(models.TextChoices):
    ADMITTED = "admitted", _("在床")
    DISCHARGED = "discharged", _("已撤床")


class HomeBed(TimeStamped):
    """A home hospital bed (家庭病床, R-SVC-7): admitted, visited at home, discharged with a summary."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="home_beds", on_delete=models.PROTECT
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("签约记录"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("建床机构"), on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        "teams.Practitioner", verbose_name=_("责任医生"), related_name="+", on_delete=models.PROTECT
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    diagnosis = models.CharField(_("建床诊断"), max_length=200)
    admitted_on = models.DateField(_("建床日期"))
    discharged_on = models.DateField(_("撤床日期"), null=True, blank=True)
    summary = models.TextField(_("撤床小结"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=BedStatus.choices, default=BedStatus.ADMITTED)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭病床")
        verbose_name_plural = _("家庭病床")
        ordering = ["-admitted_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(status="admitted"), name="one_open_home_bed"
            )
        ]
        indexes = [models.Index(fields=["team", "status"])]

    def __str__(self):
        return f"{self.resident} · {self.diagnosis}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class HomeBedVisit(models.Model):
    """A visit to a home bed is a service record (channel home_visit) linked to the bed."""

    bed = models.ForeignKey(
        HomeBed, verbose_name=_("家庭病床"), related_name="visits", on_delete=models.PROTECT
    )
    record = models.OneToOneField(
        ServiceRecord, verbose_name=_("服务记录"), related_name="home_bed_visit", on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("家庭病床查床")
        verbose_name_plural = _("家庭病床查床")

    def __str__(self):
        return f"{self.bed_id} · {self.record_id}"


class ReminderKind(models.TextChoices):
    CONTACT_DUE = "contact_due", _("随访提醒")
    RENEWAL = "renewal", _("续约提醒")
    OTHER = "other", _("其他提醒")


class ReminderStatus(models.TextChoices):
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Reminder(TimeStamped):
    """A reminder to a resident (R-SVC-9), shown on their page whatever outbound channel was used.

    `dedupe_key` makes the daily job idempotent: one reminder per resident, kind and day."""

    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="reminders", on_delete=models.CASCADE
    )
    kind = models.CharField(_("类别"), max_length=12, choices=ReminderKind.choices)
    message = models.CharField(_("内容"), max_length=500)
    channel = models.CharField(_("渠道"), max_length=20, default="log")
    status = models.CharField(
        _("状态"), max_length=8, choices=ReminderStatus.choices, default=ReminderStatus.SENT
    )
    error = models.CharField(_("错误"), max_length=300, blank=True)
    sent_on = models.DateField(_("发送日期"))
    dedupe_key = models.CharField(
        _("去重键"), max_length=80, unique=True, null=True, blank=True, editable=False
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), on_delete=models.PROTECT, related_name="+"
    )
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CareQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["resident", "sent_on"])]

    def __str__(self):
        return f"{self.resident} · {self.get_kind_display()} · {self.sent_on}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)
