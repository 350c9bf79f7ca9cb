"""Satisfaction surveys, callbacks and quality-control flags (R-EVA-6, R-EVA-7).

A `SurveyResponse` keeps `is_satisfied` and `denies_signing`, computed once when it is submitted
from the questionnaire's own rules, so that satisfaction rates and the "signed without knowing"
detector are plain indexed aggregates, never a re-reading of answers.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import INSTITUTION, REGION, SELF, TEAM, ScopedQuerySet, nothing


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    SCALE = "scale", _("评分（1–5）")
    YES_NO = "yes_no", _("是/否")
    TEXT = "text", _("文字")


YES_NO_OPTIONS = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]
SCALE_OPTIONS = [
    {"value": "5", "label": "5 非常满意"},
    {"value": "4", "label": "4 满意"},
    {"value": "3", "label": "3 一般"},
    {"value": "2", "label": "2 不满意"},
    {"value": "1", "label": "1 非常不满意"},
]


class Questionnaire(TimeStamped):
    """A versioned questionnaire; a new version is a new row, so old responses keep their questions."""

    code = models.CharField(_("问卷代码"), max_length=40)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    title = models.CharField(_("问卷名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="questionnaire_code_version")]

    def __str__(self):
        return f"{self.title}（v{self.version}）"


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("问卷"), related_name="questions", on_delete=models.CASCADE
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("题目代码"), max_length=40)
    text = models.CharField(_("题目"), max_length=300)
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    # [{"value": "...", "label": "..."}]; scale and yes/no questions get their fixed options.
    options = models.JSONField(_("选项"), default=list, blank=True)
    required = models.BooleanField(_("必答"), default=True)
    counts_for_satisfaction = models.BooleanField(_("计入满意度"), default=False)
    satisfied_values = models.JSONField(_("视为满意的答案"), default=list, blank=True)
    # Answers meaning "I did not sign" (被签约): they raise a quality-control flag.
    denial_values = models.JSONField(_("视为否认签约的答案"), default=list, blank=True)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_code_unique"),
        ]

    def __str__(self):
        return f"{self.order}. {self.text}"

    def choices(self) -> list[dict]:
        if self.kind == QuestionKind.SCALE:
            return SCALE_OPTIONS
        if self.kind == QuestionKind.YES_NO:
            return YES_NO_OPTIONS
        return list(self.options or [])

    def label_of(self, value: str) -> str:
        for o in self.choices():
            if o["value"] == value:
                return o["label"]
        return value


class ResponseChannel(models.TextChoices):
    ONLINE = "online", _("线上填写")
    CALLBACK = "callback", _("电话回访")


class _PeopleQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            return Q(institution_id__in=scope.institution_ids)
        if scope.kind == TEAM:
            return Q(team_id=scope.team_id)
        if scope.kind == SELF:
            return Q(resident_id__in=scope.resident_ids)
        return nothing()


class SurveyResponse(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("问卷"), related_name="responses", on_delete=models.PROTECT
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="survey_responses", on_delete=models.PROTECT
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("签约记录"),
        related_name="survey_responses",
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey("teams.Team", verbose_name=_("团队"), related_name="+", on_delete=models.PROTECT)
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), related_name="+", on_delete=models.PROTECT
    )
    channel = models.CharField(_("方式"), max_length=10, choices=ResponseChannel.choices)
    answered_at = models.DateTimeField(_("填写时间"))
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    # None: the questionnaire has no question counting toward satisfaction (left out of the rate).
    is_satisfied = models.BooleanField(_("满意"), null=True)
    denies_signing = models.BooleanField(_("否认签约"), default=False)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = _PeopleQuerySet.as_manager()

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")
        ordering = ["-answered_at", "-id"]
        indexes = [
            models.Index(fields=["institution", "answered_at"]),
            models.Index(fields=["team", "answered_at"]),
            models.Index(fields=["county_code", "answered_at"]),
            models.Index(fields=["contract", "questionnaire"]),
        ]

    def __str__(self):
        return f"{self.resident} · {self.questionnaire.title} · {self.answered_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class Answer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, verbose_name=_("答卷"), related_name="answers", on_delete=models.CASCADE
    )
    question = models.ForeignKey(Question, verbose_name=_("题目"), related_name="+", on_delete=models.PROTECT)
    value = models.CharField(_("答案"), max_length=1000)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self):
        return f"{self.question.code}={self.value}"


# --- callbacks (回访) ----------------------------------------------------------------------------


class _QcQuerySet(ScopedQuerySet):
    """Quality control is for the commission and the institution; teams do not check themselves."""

    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            return Q(institution_id__in=scope.institution_ids)
        return nothing()


class CallbackSample(models.Model):
    """A reproducible random sample of contracts: the same population (ordered by id) and seed
    always give the same contracts; `population_digest` proves which population was drawn from."""

    title = models.CharField(_("名称"), max_length=100)
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name=_("回访问卷"), related_name="+", on_delete=models.PROTECT
    )
    share_percent = models.DecimalField(
        _("抽样比例（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    requested_count = models.PositiveIntegerField(_("抽样数量"), null=True, blank=True)
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("机构"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    signed_from = models.DateField(_("签约日期起"), null=True, blank=True)
    signed_to = models.DateField(_("签约日期止"), null=True, blank=True)
    first_only = models.BooleanField(_("仅首次签约"), default=False)
    seed = models.BigIntegerField(_("随机种子"))
    population_size = models.PositiveIntegerField(_("总体数量"))
    population_digest = models.CharField(_("总体摘要"), max_length=64)
    size = models.PositiveIntegerField(_("样本数量"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("抽样人"),
        null=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)
    # The scope the sample was drawn in: a region prefix, or the institution's region code.
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True, db_index=True)

    objects = _QcQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访抽样")
        verbose_name_plural = _("回访抽样")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("无法联系")


class CallbackTask(models.Model):
    sample = models.ForeignKey(
        CallbackSample, verbose_name=_("抽样"), related_name="tasks", on_delete=models.PROTECT
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("签约记录"), related_name="+", on_delete=models.PROTECT
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民"), related_name="+", on_delete=models.PROTECT
    )
    team = models.ForeignKey("teams.Team", verbose_name=_("团队"), related_name="+", on_delete=models.PROTECT)
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), related_name="+", on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    outcome_note = models.CharField(_("回访说明"), max_length=300, blank=True)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    response = models.OneToOneField(
        SurveyResponse,
        verbose_name=_("回访答卷"),
        null=True,
        blank=True,
        related_name="callback_task",
        on_delete=models.PROTECT,
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = _QcQuerySet.as_manager()

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["sample", "id"]
        constraints = [models.UniqueConstraint(fields=["sample", "contract"], name="task_once_per_sample")]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self):
        return f"{self.sample} · {self.resident}"

    def save(self, *args, **kwargs):
        self.region_code = self.institution.region_code
        super().save(*args, **kwargs)


# --- quality-control flags (R-EVA-7) -------------------------------------------------------------


class FlagKind(models.TextChoices):
    UNSERVED = "unserved", _("签而不约（长期无服务）")
    DENIED = "denied_signing", _("居民否认签约（被签约）")
    RATE = "improbable_rate", _("单日服务量异常")
    CAPACITY = "over_capacity", _("医生签约超上限")


class FlagSubject(models.TextChoices):
    CONTRACT = "contract", _("签约记录")
    PRACTITIONER = "practitioner", _("医务人员")
    TEAM = "team", _("团队")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    CONFIRMED = "confirmed", _("已确认问题")
    DISMISSED = "dismissed", _("已排除")


class QcFlag(models.Model):
    """A suspicion raised by a detector. `key` names the situation (e.g. a contract unserved since a
    date, a practitioner on a day): one flag per key ever, so re-running the detector raises nothing
    twice and a dismissed flag stays dismissed until the situation itself changes."""

    kind = models.CharField(_("类型"), max_length=16, choices=FlagKind.choices, db_index=True)
    subject_type = models.CharField(_("对象类型"), max_length=12, choices=FlagSubject.choices)
    key = models.CharField(_("标识"), max_length=120, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("签约记录"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    practitioner = models.ForeignKey(
        "teams.Practitioner",
        verbose_name=_("医务人员"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("团队"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("机构"), related_name="+", on_delete=models.PROTECT
    )
    detected_on = models.DateField(_("发现日期"))
    details = models.JSONField(_("依据"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True
    )
    outcome_note = models.CharField(_("核查结论"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    resolved_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)

    objects = _QcQuerySet.as_manager()

    class Meta:
        verbose_name = _("质控问题")
        verbose_name_plural = _("质控问题")
        ordering = ["-detected_on", "-id"]
        indexes = [
            models.Index(fields=["institution", "status", "kind"]),
            models.Index(fields=["county_code", "status", "kind"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.subject_label}"

    def save(self, *args, **kwargs):
        self.region_code = self.institution.region_code
        self.county_code = self.institution.county_code
        super().save(*args, **kwargs)

    @property
    def subject_label(self) -> str:
        if self.subject_type == FlagSubject.CONTRACT and self.contract_id:
            return str(self.details.get("resident_name") or self.contract_id)
        if self.subject_type == FlagSubject.PRACTITIONER and self.practitioner_id:
            return str(self.details.get("practitioner_name") or self.practitioner_id)
        return str(self.details.get("team_name") or self.team_id or "")
