"""Teams (R-TEAM): practitioners, family doctor teams and their members."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.models import TimeStamped
from jiayi.core.scope import INSTITUTION, REGION, SELF, TEAM, ScopedQuerySet, nothing


class Profession(models.TextChoices):
    GENERAL_PRACTICE = "gp", _("全科医生")
    OTHER_CLINICAL = "clinical", _("其他临床医生")
    TCM = "tcm", _("中医医生")
    VILLAGE_DOCTOR = "village_doctor", _("乡村医生")
    NURSE = "nurse", _("护士")
    PUBLIC_HEALTH = "public_health", _("公共卫生医师")
    PHARMACIST = "pharmacist", _("药师")
    HEALTH_MANAGER = "health_manager", _("健康管理师")
    SPECIALIST = "specialist", _("专科医生")


# Who can be a family doctor (R-TEAM-1; seed 004: GPs, other clinicians incl. TCM, village doctors).
DOCTOR_PROFESSIONS = {
    Profession.GENERAL_PRACTICE,
    Profession.OTHER_CLINICAL,
    Profession.TCM,
    Profession.VILLAGE_DOCTOR,
}


class Title(models.TextChoices):
    NONE = "", _("无")
    RESIDENT = "resident", _("住院医师/医士")
    ATTENDING = "attending", _("主治医师")
    ASSOCIATE_CHIEF = "associate_chief", _("副主任医师")
    CHIEF = "chief", _("主任医师")
    NURSE = "nurse", _("护士/护师")
    SENIOR_NURSE = "senior_nurse", _("主管护师")
    PHARMACIST = "pharmacist", _("药士/药师")
    VILLAGE = "village", _("乡村医生")


class PractitionerQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(institution__region_code__startswith=scope.region_prefix)
        # Membership conditions are subqueries: a join would repeat a practitioner once per
        # membership, and get_visible() would then fail with MultipleObjectsReturned.
        members = TeamMembership.objects.values("practitioner_id")
        if scope.kind == INSTITUTION:
            return Q(institution_id__in=scope.institution_ids) | Q(
                pk__in=members.filter(team__institution_id__in=scope.institution_ids)
            )
        if scope.kind == TEAM:
            return Q(institution_id=scope.team_institution_id) | Q(
                pk__in=members.filter(team_id=scope.team_id)
            )
        if scope.kind == SELF:
            return Q(pk__in=members.filter(team__residents__pk__in=scope.resident_ids))
        return nothing()

    def doctors(self):
        return self.filter(profession__in=DOCTOR_PROFESSIONS)


class Practitioner(TimeStamped):
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    licence_no = models.CharField(_("执业证书编码"), max_length=40, unique=True, null=True, blank=True)
    title = models.CharField(_("职称"), max_length=20, choices=Title.choices, blank=True)
    profession = models.CharField(_("专业类别"), max_length=20, choices=Profession.choices)
    department = models.CharField(_("科室"), max_length=50, blank=True)
    institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("执业机构"),
        related_name="practitioners",
        on_delete=models.PROTECT,
    )
    # A specialist sent down from a hospital keeps the hospital as home institution.
    home_institution = models.ForeignKey(
        "registry.Institution",
        verbose_name=_("派出医院"),
        null=True,
        blank=True,
        related_name="seconded_practitioners",
        on_delete=models.PROTECT,
    )
    phone = models.CharField(_("工作电话"), max_length=30, blank=True)
    is_retired = models.BooleanField(_("退休返聘"), default=False)
    tcm_capable = models.BooleanField(_("能提供中医药服务"), default=False)
    is_active = models.BooleanField(_("在岗"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        related_name="practitioner",
        on_delete=models.SET_NULL,
    )
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True, editable=False)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        verbose_name = _("医务人员")
        verbose_name_plural = _("医务人员")
        ordering = ["institution__code", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.county_code = self.institution.county_code
        super().save(*args, **kwargs)

    @property
    def is_general_practitioner(self) -> bool:
        return self.profession == Profession.GENERAL_PRACTICE

    @property
    def can_be_family_doctor(self) -> bool:
        return self.profession in DOCTOR_PROFESSIONS


class TeamQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(institution__region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            return Q(institution_id__in=scope.institution_ids)
        if scope.kind == TEAM:
            return Q(pk=scope.team_id)
        if scope.kind == SELF:
            from jiayi.registry.models import Resident

            return Q(pk__in=Resident.objects.filter(pk__in=scope.resident_ids).values("team_id"))
        return nothing()

    def active(self):
        return self.filter(is_active=True)


class Team(TimeStamped):
    name = models.CharField(_("团队名称"), max_length=100)
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("所属机构"), related_name="teams", on_delete=models.PROTECT
    )
    leader = models.ForeignKey(
        Practitioner,
        verbose_name=_("团队长"),
        null=True,
        blank=True,
        related_name="led_teams",
        on_delete=models.PROTECT,
    )
    # A single family doctor may be the signing party without a team (R-TEAM-2).
    is_individual = models.BooleanField(_("个人签约（无团队）"), default=False)
    villages = models.ManyToManyField(
        "registry.Region", verbose_name=_("服务村/社区"), blank=True, related_name="teams"
    )
    phone = models.CharField(_("团队电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True, editable=False)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭医生团队")
        verbose_name_plural = _("家庭医生团队")
        ordering = ["institution__code", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.county_code = self.institution.county_code
        super().save(*args, **kwargs)


class TeamRole(models.TextChoices):
    LEADER = "leader", _("团队长")
    FAMILY_DOCTOR = "family_doctor", _("家庭医生")
    NURSE = "nurse", _("护士")
    PUBLIC_HEALTH = "public_health", _("公共卫生医师")
    HEALTH_MANAGER = "health_manager", _("健康管理师")
    PHARMACIST = "pharmacist", _("药师")
    SPECIALIST = "specialist", _("专科医生")


# Roles whose holder signs residents and so has a capacity (R-TEAM-4).
SIGNING_ROLES = {TeamRole.LEADER, TeamRole.FAMILY_DOCTOR}


class TeamMembership(TimeStamped):
    team = models.ForeignKey(
        Team, verbose_name=_("团队"), related_name="memberships", on_delete=models.CASCADE
    )
    practitioner = models.ForeignKey(
        Practitioner, verbose_name=_("成员"), related_name="memberships", on_delete=models.PROTECT
    )
    role = models.CharField(_("团队角色"), max_length=20, choices=TeamRole.choices)
    since = models.DateField(_("加入日期"), null=True, blank=True)
    until = models.DateField(_("退出日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在团队中"), default=True)

    class Meta:
        verbose_name = _("团队成员")
        verbose_name_plural = _("团队成员")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "practitioner", "role"],
                condition=Q(is_active=True),
                name="uniq_active_team_role",
            )
        ]

    def __str__(self):
        return f"{self.team} · {self.practitioner} · {self.get_role_display()}"
