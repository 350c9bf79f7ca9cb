"""Registry (R-REG): regions, institutions, residents, households, key populations,
functional communities and population baselines.

Large tables (residents, households) carry `county_code` and `region_code` so that every hot
query filters by an indexed prefix and a province-scale deployment can partition by county.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiayi.core import nationalid
from jiayi.core.models import TimeStamped
from jiayi.core.scope import INSTITUTION, REGION, SELF, TEAM, ScopedQuerySet, nothing


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("区县")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")


# Significant digits of a 12-digit statistical division code at each level.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}


class RegionQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Reference data: everybody sees the region tree of their county (and its ancestors).
        if scope.kind == REGION:
            return Q(code__startswith=scope.region_prefix) | Q(code__in=_ancestor_codes(scope.region_prefix))
        if scope.county_code:
            return Q(county_code=scope.county_code) | Q(code__in=_ancestor_codes(scope.county_code))
        return nothing()

    def subtree(self, region: "Region"):
        return self.filter(code__startswith=region.prefix)


def _ancestor_codes(prefix: str) -> list[str]:
    return [(prefix[:n]).ljust(12, "0") for n in (2, 4, 6, 9) if n < len(prefix)]


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True)
    # Village/community kind: 城镇 or 乡村 (statistical urban-rural classification).
    is_urban = models.BooleanField(_("城镇"), default=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    def save(self, *args, **kwargs):
        self.county_code = self.code[:6]
        super().save(*args, **kwargs)

    def ancestors(self) -> list["Region"]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return list(reversed(out))


class InstitutionKind(models.TextChoices):
    CHC = "chc", _("社区卫生服务中心")
    CHS = "chs", _("社区卫生服务站")
    THC = "thc", _("乡镇卫生院")
    VILLAGE_CLINIC = "village_clinic", _("村卫生室")
    SECONDARY_HOSPITAL = "secondary_hospital", _("二级医院")
    TERTIARY_HOSPITAL = "tertiary_hospital", _("三级医院")
    PRIVATE_CLINIC = "private_clinic", _("民营诊所")


class InstitutionLevel(models.TextChoices):
    VILLAGE = "village", _("村级")
    PRIMARY = "primary", _("基层")
    SECONDARY = "secondary", _("二级")
    TERTIARY = "tertiary", _("三级")


PRIMARY_KINDS = {InstitutionKind.CHC, InstitutionKind.THC}
HOSPITAL_KINDS = {InstitutionKind.SECONDARY_HOSPITAL, InstitutionKind.TERTIARY_HOSPITAL}
DEFAULT_LEVEL = {
    InstitutionKind.CHC: InstitutionLevel.PRIMARY,
    InstitutionKind.CHS: InstitutionLevel.PRIMARY,
    InstitutionKind.THC: InstitutionLevel.PRIMARY,
    InstitutionKind.VILLAGE_CLINIC: InstitutionLevel.VILLAGE,
    InstitutionKind.SECONDARY_HOSPITAL: InstitutionLevel.SECONDARY,
    InstitutionKind.TERTIARY_HOSPITAL: InstitutionLevel.TERTIARY,
    InstitutionKind.PRIVATE_CLINIC: InstitutionLevel.PRIMARY,
}


class AllianceKind(models.TextChoices):
    COUNTY = "county", _("县域医共体")
    CITY = "city", _("城市医疗集团")


class MedicalAlliance(models.Model):
    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AllianceKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.PROTECT)
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True, editable=False)

    class Meta:
        verbose_name = _("医联体/医共体")
        verbose_name_plural = _("医联体/医共体")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.county_code = self.region.county_code
        super().save(*args, **kwargs)


class InstitutionQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        # Institutions are reference data within a county: referrals and specialists cross them.
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.county_code:
            return Q(county_code=scope.county_code)
        return nothing()

    def primary(self):
        return self.filter(kind__in=PRIMARY_KINDS)

    def hospitals(self):
        return self.filter(kind__in=HOSPITAL_KINDS)


class Institution(TimeStamped):
    code = models.CharField(_("机构编码"), max_length=30, unique=True)
    name = models.CharField(_("机构名称"), max_length=100)
    kind = models.CharField(_("机构类型"), max_length=20, choices=InstitutionKind.choices)
    level = models.CharField(_("转诊层级"), max_length=10, choices=InstitutionLevel.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    alliance = models.ForeignKey(
        MedicalAlliance, verbose_name=_("所属医联体"), null=True, blank=True, on_delete=models.SET_NULL
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    county_code = models.CharField(_("区县代码"), max_length=6, db_index=True, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True, editable=False)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("医疗机构")
        verbose_name_plural = _("医疗机构")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        self.county_code = self.region.county_code
        super().save(*args, **kwargs)

    @property
    def is_primary(self) -> bool:
        return self.kind in PRIMARY_KINDS

    def descendant_ids(self) -> set[int]:
        """This institution and every station / village clinic below it."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(Institution.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [i for i in frontier if i not in ids]
            ids.update(frontier)
        return ids


def _people_scope(scope, *, institution="institution_id", team="team_id", resident="pk") -> Q:
    """The scope rule shared by every people-data table (residents, households, members...)."""
    if scope.kind == REGION:
        return Q(region_code__startswith=scope.region_prefix)
    if scope.kind == INSTITUTION:
        return Q(**{f"{institution}__in": scope.institution_ids})
    if scope.kind == TEAM:
        # A team sees the residents it is responsible for, and the not-yet-assigned residents of
        # its institution's catchment (whom it must be able to find in order to sign them).
        return Q(**{team: scope.team_id}) | Q(
            **{f"{team}__isnull": True, institution: scope.team_institution_id}
        )
    if scope.kind == SELF:
        return Q(**{f"{resident}__in": scope.resident_ids})
    return nothing()


class HouseholdQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == SELF:
            return Q(members__pk__in=scope.resident_ids)
        return _people_scope(scope)


class Household(TimeStamped):
    code = models.CharField(_("户编号"), max_length=30, unique=True)
    head = models.ForeignKey(
        "Resident",
        verbose_name=_("户主"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("村/社区"), on_delete=models.PROTECT)
    institution = models.ForeignKey(Institution, verbose_name=_("管理机构"), on_delete=models.PROTECT)
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("签约团队"),
        null=True,
        blank=True,
        related_name="households",
        on_delete=models.SET_NULL,
    )
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")
        indexes = [
            models.Index(fields=["county_code", "region_code"]),
            models.Index(fields=["institution", "team"]),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        self.county_code = self.region.county_code
        super().save(*args, **kwargs)


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class ResidenceStatus(models.TextChoices):
    RESIDENT = "resident", _("常住")
    REGISTERED = "registered", _("户籍")
    FLOATING = "floating", _("流动")


class InsuranceType(models.TextChoices):
    URBAN_EMPLOYEE = "employee", _("城镇职工医保")
    URBAN_RURAL = "urban_rural", _("城乡居民医保")
    OTHER = "other", _("其他")
    NONE = "none", _("无")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙辈")
    GRANDPARENT = "grandparent", _("祖父母")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ResidentQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        return _people_scope(scope)

    def active(self):
        return self.filter(is_active=True, deceased_on__isnull=True)

    def with_national_id(self, value: str):
        from jiayi.core.crypto import blind_index

        return self.filter(id_index=blind_index("nid", nationalid.normalize(value)))

    def with_phone(self, value: str):
        from jiayi.core.crypto import blind_index

        from .fields import normalize_phone

        return self.filter(phone_index=blind_index("phone", normalize_phone(value)))


class Resident(TimeStamped):
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    # National ID: AES-GCM ciphertext, HMAC blind index (unique), and a masked form for lists.
    id_cipher = models.CharField(_("身份证号（密文）"), max_length=120, editable=False)
    id_index = models.CharField(_("身份证号索引"), max_length=40, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    birth_date = models.DateField(_("出生日期"), db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    phone_cipher = models.CharField(_("电话（密文）"), max_length=120, blank=True, editable=False)
    phone_index = models.CharField(_("电话索引"), max_length=40, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True, editable=False)
    address = models.CharField(_("现住址"), max_length=200, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("村/社区"), on_delete=models.PROTECT)
    institution = models.ForeignKey(Institution, verbose_name=_("管理机构"), on_delete=models.PROTECT)
    team = models.ForeignKey(
        "teams.Team",
        verbose_name=_("责任团队"),
        null=True,
        blank=True,
        related_name="residents",
        on_delete=models.SET_NULL,
    )
    responsible_doctor = models.ForeignKey(
        "teams.Practitioner",
        verbose_name=_("责任医生"),
        null=True,
        blank=True,
        related_name="responsible_for",
        on_delete=models.SET_NULL,
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("家庭户"),
        null=True,
        blank=True,
        related_name="members",
        on_delete=models.SET_NULL,
    )
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, blank=True)
    residence_status = models.CharField(
        _("居住状态"), max_length=12, choices=ResidenceStatus.choices, default=ResidenceStatus.RESIDENT
    )
    insurance_type = models.CharField(
        _("医保类型"), max_length=12, choices=InsuranceType.choices, default=InsuranceType.URBAN_RURAL
    )
    deceased_on = models.DateField(_("死亡日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        indexes = [
            models.Index(fields=["county_code", "region_code"]),
            models.Index(fields=["institution", "name"]),
            models.Index(fields=["team", "name"]),
            models.Index(fields=["responsible_doctor"]),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        self.county_code = self.region.county_code
        super().save(*args, **kwargs)

    def age_on(self, on: dt.date) -> int:
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))

    @property
    def age(self) -> int:
        return self.age_on(dt.date.today())

    @property
    def national_id(self) -> str:
        """The whole ID. Callers that show it must record an access event (services.resident_reveal)."""
        from jiayi.core.crypto import decrypt

        return decrypt(self.id_cipher)

    @property
    def phone(self) -> str:
        from jiayi.core.crypto import decrypt

        return decrypt(self.phone_cipher)


class KeyPopulationKind(models.TextChoices):
    ELDERLY = "elderly", _("65岁及以上老年人")
    CHILD = "child", _("0-6岁儿童")
    PREGNANT = "pregnant", _("孕产妇")
    DISABLED = "disabled", _("残疾人")
    POVERTY_ALLEVIATED = "poverty_alleviated", _("脱贫人口")
    FAMILY_PLANNING_SPECIAL = "fp_special", _("计划生育特殊家庭")
    HYPERTENSION = "hypertension", _("高血压患者")
    DIABETES = "diabetes", _("2型糖尿病患者")
    TUBERCULOSIS = "tuberculosis", _("结核病患者")
    SEVERE_MENTAL = "severe_mental", _("严重精神障碍患者")
    PNEUMOCONIOSIS = "pneumoconiosis", _("尘肺病患者")
    COPD = "copd", _("慢阻肺患者")
    MONITORED_UNSTABLE = "monitored_unstable", _("脱贫不稳定户")
    MONITORED_EDGE = "monitored_edge", _("边缘易致贫户")
    MONITORED_HARDSHIP = "monitored_hardship", _("突发严重困难户")


# Derived from the birth date at a given date, never stored as records.
DERIVED_KINDS = {KeyPopulationKind.ELDERLY: (65, None), KeyPopulationKind.CHILD: (0, 6)}
MONITORED_KINDS = {
    KeyPopulationKind.MONITORED_UNSTABLE,
    KeyPopulationKind.MONITORED_EDGE,
    KeyPopulationKind.MONITORED_HARDSHIP,
}


class KeyPopulationSource(models.TextChoices):
    PUBLIC_HEALTH = "public_health", _("基本公共卫生系统")
    HIS = "his", _("医院信息系统")
    CIVIL_AFFAIRS = "civil_affairs", _("民政/乡村振兴部门")
    DISABLED_FEDERATION = "disabled_federation", _("残联")
    DOCTOR = "doctor", _("医生登记")
    IMPORT = "import", _("批量导入")


class KeyPopulationQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        return _people_scope(
            scope,
            institution="resident__institution_id",
            team="resident__team_id",
            resident="resident_id",
        )

    def valid_on(self, on: dt.date):
        return self.filter(Q(valid_from__lte=on) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=on) | Q(valid_to__isnull=True)
        )


class KeyPopulationRecord(TimeStamped):
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), related_name="key_populations", on_delete=models.CASCADE
    )
    kind = models.CharField(_("重点人群"), max_length=24, choices=KeyPopulationKind.choices)
    source = models.CharField(_("来源"), max_length=24, choices=KeyPopulationSource.choices)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = KeyPopulationQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点人群登记")
        verbose_name_plural = _("重点人群登记")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "kind", "valid_from"], name="uniq_key_population_period"
            )
        ]
        indexes = [models.Index(fields=["county_code", "kind"])]

    def __str__(self):
        return f"{self.resident} · {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.county_code = self.resident.county_code
        self.region_code = self.resident.region_code
        super().save(*args, **kwargs)


class CommunityKind(models.TextChoices):
    GOVERNMENT = "government", _("机关单位")
    ENTERPRISE = "enterprise", _("企业")
    INDUSTRIAL_PARK = "industrial_park", _("产业园区")
    OFFICE_BUILDING = "office_building", _("商务楼宇")
    SCHOOL = "school", _("学校")
    NURSING_HOME = "nursing_home", _("养老机构")


class CommunityQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(region_code__startswith=scope.region_prefix)
        if scope.kind in (INSTITUTION, TEAM):
            return Q(institution_id__in=scope.institution_ids)
        if scope.kind == SELF:
            return Q(memberships__resident_id__in=scope.resident_ids)
        return nothing()


class FunctionalCommunity(TimeStamped):
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=CommunityKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("所在区划"), on_delete=models.PROTECT)
    institution = models.ForeignKey(Institution, verbose_name=_("服务机构"), on_delete=models.PROTECT)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在用"), default=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)
    region_code = models.CharField(_("区划代码"), max_length=12, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("功能社区")
        verbose_name_plural = _("功能社区")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_code = self.region.code
        self.county_code = self.region.county_code
        super().save(*args, **kwargs)


class CommunityMembership(TimeStamped):
    community = models.ForeignKey(
        FunctionalCommunity, verbose_name=_("功能社区"), related_name="memberships", on_delete=models.CASCADE
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("居民"), related_name="community_memberships", on_delete=models.CASCADE
    )
    role = models.CharField(_("身份"), max_length=30, blank=True)
    joined_on = models.DateField(_("加入日期"), null=True, blank=True)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("功能社区成员")
        verbose_name_plural = _("功能社区成员")
        constraints = [
            models.UniqueConstraint(fields=["community", "resident"], name="uniq_community_member")
        ]

    def __str__(self):
        return f"{self.community} · {self.resident}"


class BaselineQuerySet(ScopedQuerySet):
    def scope_filter(self, scope):
        if scope.kind == REGION:
            return Q(institution__region_code__startswith=scope.region_prefix)
        if scope.kind in (INSTITUTION, TEAM):
            return Q(institution_id__in=scope.institution_ids)
        return nothing()


ALL_POPULATION = "all"


class PopulationBaseline(TimeStamped):
    """Official counts from statistics (R-REG-7): the coverage denominators.

    `population` is "all" for the resident population (常住人口) or a key-population kind.
    """

    institution = models.ForeignKey(
        Institution, verbose_name=_("机构"), related_name="baselines", on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    population = models.CharField(_("人群"), max_length=24, default=ALL_POPULATION)
    count = models.PositiveIntegerField(_("人数"))
    source = models.CharField(_("数据来源"), max_length=100, blank=True)
    county_code = models.CharField(_("区县代码"), max_length=6, editable=False)

    objects = BaselineQuerySet.as_manager()

    class Meta:
        verbose_name = _("人口基数")
        verbose_name_plural = _("人口基数")
        constraints = [
            models.UniqueConstraint(fields=["institution", "year", "population"], name="uniq_baseline")
        ]
        ordering = ["institution__code", "year", "population"]

    def __str__(self):
        return f"{self.institution} {self.year} {self.population}: {self.count}"

    def save(self, *args, **kwargs):
        self.county_code = self.institution.county_code
        super().save(*args, **kwargs)


POPULATION_CHOICES = [(ALL_POPULATION, _("常住人口"))] + list(KeyPopulationKind.choices)
