"""Evaluation (R-EVA): rollups that dashboards read, hospital visit records, assessment schemes
and their runs, settlement runs.

The rollup tables are derived data: `jiayi rollups --rebuild` recreates them from the raw tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core.scope import INSTITUTION, REGION, TEAM, ScopedQuerySet, nothing

ALL = "all"
# Any key population (recorded or derived from the birth date), counted once per resident.
KEY = "key"


class RollupQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind == INSTITUTION:
            return Q(institution_id__in=scope.institution_ids)
        if scope.kind == TEAM:
            return Q(team_id=scope.team_id)
        return nothing()


class CoverageRollup(models.Model):
    """Residents with a contract in force now, per team and population ("all", "key" or a kind).

    Rows of population "all" also carry the status split the dashboards show.
    """

    county_code = models.CharField(_("区县代码"), max_length=6)
    region_code = models.CharField(_("区划代码"), max_length=12)
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    population = models.CharField(_("人群"), max_length=24)
    signed = models.PositiveIntegerField(_("签约人数"), default=0)
    active = models.PositiveIntegerField(_("履约中"), default=0)
    pending = models.PositiveIntegerField(_("待生效"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("签约汇总")
        verbose_name_plural = _("签约汇总")
        constraints = [models.UniqueConstraint(fields=["team", "population"], name="uniq_coverage_rollup")]
        indexes = [
            models.Index(fields=["county_code", "population"]),
            models.Index(fields=["institution", "population"]),
        ]

    def __str__(self):
        return f"{self.team_id} {self.population}: {self.signed}"


class MonthlyCoverage(models.Model):
    """Residents signed at the end of a month (the current month: so far), per team and population."""

    county_code = models.CharField(_("区县代码"), max_length=6)
    region_code = models.CharField(_("区划代码"), max_length=12)
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    population = models.CharField(_("人群"), max_length=24)
    signed = models.PositiveIntegerField(_("签约人数"), default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        verbose_name = _("月度签约")
        verbose_name_plural = _("月度签约")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "year", "month", "population"], name="uniq_monthly_coverage"
            )
        ]
        indexes = [models.Index(fields=["county_code", "year", "population"])]

    def __str__(self):
        return f"{self.team_id} {self.year}-{self.month} {self.population}: {self.signed}"


class RollupMark(models.Model):
    """A team whose rollups are stale, written in the transaction that changed its contracts.

    Append-only: each change inserts its own row, so concurrent signings of one team never wait
    on a shared row; the refresh job reads a batch, recomputes those teams and deletes the rows
    it read (by id), so a mark made meanwhile survives for the next run.
    """

    team_id = models.BigIntegerField(db_index=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("待汇总团队")
        verbose_name_plural = _("待汇总团队")

    def __str__(self):
        return str(self.team_id)


class RollupState(models.Model):
    """Single row: when the daily age-crossing marks last ran."""

    key = models.CharField(max_length=20, primary_key=True)
    day = models.DateField(null=True)

    def __str__(self):
        return f"{self.key} {self.day}"


# --- visits from hospital systems (HIS): the denominator-free primary-care visit rate ------------


class VisitQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(county_code=scope.county_code) if scope.county_code else nothing()
        if scope.kind in (INSTITUTION, TEAM):
            return Q(institution_id__in=scope.institution_ids)
        return nothing()


class VisitLevel(models.TextChoices):
    VILLAGE = "village", _("村级")
    PRIMARY = "primary", _("基层")
    SECONDARY = "secondary", _("二级")
    TERTIARY = "tertiary", _("三级")


PRIMARY_CARE_LEVELS = (VisitLevel.VILLAGE, VisitLevel.PRIMARY)


class VisitRecord(models.Model):
    """One outpatient or inpatient visit reported by a hospital system, keyed by the ID's blind index."""

    id_index = models.CharField(_("身份证号索引"), max_length=40, db_index=True)
    resident = models.ForeignKey(
        "registry.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    institution = models.ForeignKey(
        "registry.Institution", verbose_name=_("就诊机构"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("机构层级"), max_length=10, choices=VisitLevel.choices)
    visited_on = models.DateField(_("就诊日期"))
    visit_no = models.CharField(_("就诊流水号"), max_length=40)
    county_code = models.CharField(_("区县代码"), max_length=6)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("就诊记录")
        verbose_name_plural = _("就诊记录")
        constraints = [models.UniqueConstraint(fields=["institution", "visit_no"], name="uniq_visit_no")]
        indexes = [models.Index(fields=["resident", "visited_on"])]

    def __str__(self):
        return f"{self.institution_id} {self.visit_no}"


# --- assessment (R-EVA-4) ----------------------------------------------------------------------


class SchemeQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Schemes are a county's rules: everyone in the county may read them.
        return Q(county_code=scope.county_code) | Q(county_code="") if scope.county_code else nothing()


class AssessmentScheme(models.Model):
    """Weighted indicators, each with a target; `items` = [{"indicator", "weight", "target"}]."""

    name = models.CharField(_("方案名称"), max_length=100)
    county_code = models.CharField(_("适用区县"), max_length=6, blank=True)
    items = models.JSONField(_("考核指标"), default=list)
    is_active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-is_active", "name"]

    def __str__(self):
        return self.name


class RunQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind in (INSTITUTION, TEAM):
            return Q(region_code__startswith=scope.county_code) if scope.county_code else nothing()
        return nothing()


class AssessmentRun(models.Model):
    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("考核方案"), on_delete=models.PROTECT)
    region = models.ForeignKey("registry.Region", verbose_name=_("区域"), on_delete=models.PROTECT)
    region_code = models.CharField(max_length=12, editable=False)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("计算时间"), auto_now_add=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.scheme} {self.period_start}—{self.period_end}"


class AssessmentScore(models.Model):
    """One unit's score in a run; `values` keeps each indicator's value and points."""

    run = models.ForeignKey(AssessmentRun, related_name="scores", on_delete=models.CASCADE)
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    values = models.JSONField(_("指标明细"), default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "institution", "team"], name="uniq_assessment_score"),
        ]

    def __str__(self):
        return f"{self.institution_id}/{self.team_id}: {self.score}"


# --- settlement (R-EVA-5) ----------------------------------------------------------------------


class SettlementCost(models.Model):
    """Costs of a team in a period (drugs, consumables...), entered by the institution or finance."""

    team = models.ForeignKey("teams.Team", verbose_name=_("团队"), on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    amount = models.DecimalField(_("成本（元）"), max_digits=14, decimal_places=2)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    county_code = models.CharField(max_length=6, editable=False)

    class Meta:
        verbose_name = _("团队成本")
        verbose_name_plural = _("团队成本")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "period_start", "period_end"], name="uniq_settlement_cost"
            )
        ]

    def __str__(self):
        return f"{self.team_id} {self.period_start}—{self.period_end}: {self.amount}"


class SettlementRun(models.Model):
    region = models.ForeignKey("registry.Region", verbose_name=_("区域"), on_delete=models.PROTECT)
    region_code = models.CharField(max_length=12, editable=False)
    period_start = models.DateField(_("结算期起"))
    period_end = models.DateField(_("结算期止"))
    assessment = models.ForeignKey(
        AssessmentRun, verbose_name=_("考核结果"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("结算时间"), auto_now_add=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("结算")
        verbose_name_plural = _("结算")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.region} {self.period_start}—{self.period_end}"


class SettlementLine(models.Model):
    """One team's money for the period, exact to the fen."""

    run = models.ForeignKey(SettlementRun, related_name="lines", on_delete=models.CASCADE)
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="+")
    contracts = models.PositiveIntegerField(_("计费签约数"))
    fee_public_health = models.DecimalField(_("基本公卫经费"), max_digits=14, decimal_places=2)
    fee_insurance = models.DecimalField(_("医保基金"), max_digits=14, decimal_places=2)
    fee_resident = models.DecimalField(_("居民个人"), max_digits=14, decimal_places=2)
    fee_total = models.DecimalField(_("应收合计"), max_digits=14, decimal_places=2)
    score = models.DecimalField(_("考核得分"), max_digits=6, decimal_places=2)
    disbursed = models.DecimalField(_("考核后拨付"), max_digits=14, decimal_places=2)
    costs = models.DecimalField(_("成本"), max_digits=14, decimal_places=2)
    pay_pool = models.DecimalField(_("团队绩效池"), max_digits=14, decimal_places=2)
    staff_share_percent = models.DecimalField(_("人员分配比例"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["institution__code", "team__name"]

    def __str__(self):
        return f"{self.team_id}: {self.fee_total}"
