from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Role(models.TextChoices):
    SYSADMIN = "sysadmin", _("系统管理员")
    COMMISSION = "commission", _("卫健委管理员")
    FINANCE = "finance", _("财政/医保查看")
    INSTITUTION_ADMIN = "inst_admin", _("机构管理员")
    TEAM_LEADER = "team_leader", _("团队长")
    DOCTOR = "doctor", _("家庭医生")
    TEAM_MEMBER = "team_member", _("团队成员")
    REFERRAL_DESK = "referral_desk", _("转诊专窗")
    RESIDENT = "resident", _("居民")


REGION_ROLES = {Role.COMMISSION, Role.FINANCE}
INSTITUTION_ROLES = {Role.INSTITUTION_ADMIN, Role.REFERRAL_DESK}
TEAM_ROLES = {Role.TEAM_LEADER, Role.DOCTOR, Role.TEAM_MEMBER}
READ_ONLY_ROLES = {Role.FINANCE}


class JiayiUserManager(UserManager):
    pass


class User(AbstractUser):
    """A login. Its role and one scope object (region, institution, team or resident) bound what it sees."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.DOCTOR)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    region = models.ForeignKey(
        "registry.Region", verbose_name=_("管辖区域"), null=True, blank=True, on_delete=models.PROTECT
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("所属机构"), null=True, blank=True, on_delete=models.PROTECT
    )
    team = models.ForeignKey(
        "teams.Team", verbose_name=_("所属团队"), null=True, blank=True, on_delete=models.PROTECT
    )
    resident = models.ForeignKey(
        "registry.Resident", verbose_name=_("居民本人"), null=True, blank=True, on_delete=models.PROTECT
    )
    failed_logins = models.PositiveIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    objects = JiayiUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES

    @property
    def scope(self):
        """The user's scope, computed once per object (see jiayi.core.scope)."""
        cached = getattr(self, "_scope_cache", None)
        if cached is None:
            from .scope import scope_for

            cached = self._scope_cache = scope_for(self)
        return cached


class AuditEvent(models.Model):
    """One write: who, when, what, before and after. Written by services, never edited."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"


class AccessEvent(models.Model):
    """One view of sensitive data: a whole national ID, a phone or a health record."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_name = models.CharField(_("查看人姓名"), max_length=150, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    field = models.CharField(_("查看内容"), max_length=40)
    county_code = models.CharField(_("区县代码"), max_length=6, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问事件")
        verbose_name_plural = _("访问事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.field} {self.object_type}:{self.object_id}"


class ApiToken(models.Model):
    """A bearer token for systems that call the API (HIS, the public-health system).

    Only a hash is stored; the token is shown once when it is created.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), related_name="api_tokens", on_delete=models.CASCADE
    )
    name = models.CharField(_("用途"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


# --- imports (R-INT-2): one job per uploaded file, its rejected rows ---------------------------


class ImportKind(models.TextChoices):
    RESIDENTS = "residents", _("居民")
    HOUSEHOLDS = "households", _("家庭户")
    KEY_POPULATIONS = "key_populations", _("重点人群名单")
    BASELINES = "baselines", _("人口基数")
    VISITS = "visits", _("医院就诊记录")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One uploaded file and its progress. The file is deleted once processed (it holds IDs in clear)."""

    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    error = models.TextField(_("错误信息"), blank=True)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, blank=True, db_index=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.processed * 100 / self.total))


class ImportRejection(models.Model):
    """A row that did not land: its row number in the file, the column (header) and why."""

    job = models.ForeignKey(ImportJob, related_name="rejections", on_delete=models.CASCADE)
    row = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=60, blank=True)
    reason = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("导入拒绝行")
        verbose_name_plural = _("导入拒绝行")
        ordering = ["job", "row", "id"]

    def __str__(self):
        return f"{self.row} {self.column}: {self.reason}"
