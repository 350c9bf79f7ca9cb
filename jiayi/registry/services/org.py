"""Reference data: regions (R-REG-1), institutions (R-REG-2), population baselines (R-REG-7)."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import ValidationFailed
from jiayi.core.permissions import require_perm

from ..errors import DuplicateInstitution, DuplicateRegion, InvalidParent, InvalidRegionCode
from ..models import (
    DEFAULT_LEVEL,
    POPULATION_CHOICES,
    PREFIX_LENGTH,
    Institution,
    InstitutionKind,
    InstitutionLevel,
    PopulationBaseline,
    Region,
    RegionLevel,
)
from ._common import UNSET, ensure_in_scope, ensure_manages_institution, ensure_region_writable, given, locked

_LEVELS = list(RegionLevel.values)  # province … village, top down
_CODE = re.compile(r"^\d{12}$")
# A station or village clinic hangs under a centre (社区卫生服务站 → 中心, 村卫生室 → 乡镇卫生院/中心).
_NEEDS_CENTRE_PARENT = {InstitutionKind.CHS, InstitutionKind.VILLAGE_CLINIC}
_CENTRES = {InstitutionKind.CHC, InstitutionKind.THC}


def check_region_code(code: str, level: str, parent: Region | None) -> None:
    """12 digits; zeros after the level's own digits; the parent's prefix and the next level up."""
    if not _CODE.match(code or ""):
        raise InvalidRegionCode(_("区划代码应为12位数字"), details={"field": "code"})
    if level not in _LEVELS:
        raise ValidationFailed(_("区划级别不正确"), details={"field": "level"})
    n = PREFIX_LENGTH[level]
    if code[n:].strip("0"):
        raise InvalidRegionCode(
            _("%(level)s级区划代码只有前%(n)d位有效，其余应为0")
            % {"level": RegionLevel(level).label, "n": n},
            details={"field": "code"},
        )
    start = PREFIX_LENGTH[_LEVELS[_LEVELS.index(level) - 1]] if level != _LEVELS[0] else 0
    if not code[start:n].strip("0"):
        raise InvalidRegionCode(_("区划代码本级部分不能全为0"), details={"field": "code"})
    if parent is None:
        return
    if _LEVELS.index(parent.level) != _LEVELS.index(level) - 1:
        raise InvalidParent(
            _("%(level)s的上级应为%(up)s")
            % {"level": RegionLevel(level).label, "up": RegionLevel(_LEVELS[_LEVELS.index(level) - 1]).label},
            details={"field": "parent"},
        )
    if not code.startswith(parent.prefix):
        raise InvalidRegionCode(
            _("区划代码应以上级代码%(p)s开头") % {"p": parent.prefix}, details={"field": "code"}
        )


def region_create(
    *, actor, code: str, name: str, level: str, parent: Region | None = None, is_urban: bool = False
) -> Region:
    require_perm(actor, "registry.change_region")
    code = (code or "").strip()
    if not (name or "").strip():
        raise ValidationFailed(_("名称不能为空"), details={"field": "name"})
    check_region_code(code, level, parent)
    if parent is None and not actor.scope.sees_all:
        # Only a system administrator starts a new tree; others add below their own region.
        raise InvalidParent(_("请选择上级区划"), details={"field": "parent"})
    with transaction.atomic():
        if parent is not None:
            parent = locked(actor, parent)
            ensure_region_writable(actor, parent)
        if Region.objects.filter(code=code).exists():
            raise DuplicateRegion(details={"field": "code"})
        try:
            with transaction.atomic():
                region = Region.objects.create(
                    code=code, name=name.strip(), level=level, parent=parent, is_urban=bool(is_urban)
                )
        except IntegrityError:
            raise DuplicateRegion(details={"field": "code"}) from None
        record_write(actor=actor, action="create", obj=region, after=snapshot(region))
    return region


def region_update(*, actor, region: Region, name=UNSET, is_urban=UNSET) -> Region:
    """Rename or reclassify. Code, level and parent are fixed: every record below refers to them."""
    require_perm(actor, "registry.change_region")
    with transaction.atomic():
        region = locked(actor, region)
        ensure_region_writable(actor, region)
        before = snapshot(region)
        if given(name):
            if not (name or "").strip():
                raise ValidationFailed(_("名称不能为空"), details={"field": "name"})
            region.name = name.strip()
        if given(is_urban):
            region.is_urban = bool(is_urban)
        region.save()
        record_write(actor=actor, action="update", obj=region, before=before, after=snapshot(region))
    return region


def _check_institution(inst: Institution) -> None:
    if inst.kind not in InstitutionKind.values:
        raise ValidationFailed(_("机构类型不正确"), details={"field": "kind"})
    if inst.level not in InstitutionLevel.values:
        raise ValidationFailed(_("转诊层级不正确"), details={"field": "level"})
    parent = inst.parent
    if parent is None:
        if inst.kind in _NEEDS_CENTRE_PARENT:
            raise InvalidParent(
                _("%(kind)s必须指定上级机构（社区卫生服务中心或乡镇卫生院）")
                % {"kind": InstitutionKind(inst.kind).label},
                details={"field": "parent"},
            )
        return
    if parent.county_code != inst.region.county_code:
        raise InvalidParent(_("上级机构必须在同一区县"), details={"field": "parent"})
    if inst.kind in _NEEDS_CENTRE_PARENT and parent.kind not in _CENTRES:
        raise InvalidParent(
            _("%(kind)s的上级机构必须是社区卫生服务中心或乡镇卫生院")
            % {"kind": InstitutionKind(inst.kind).label},
            details={"field": "parent"},
        )
    node = parent
    while node is not None:
        if inst.pk and node.pk == inst.pk:
            raise InvalidParent(_("上级机构不能是本机构或其下属机构"), details={"field": "parent"})
        node = node.parent


def institution_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    region: Region,
    parent: Institution | None = None,
    level: str | None = None,
    alliance=None,
    address: str = "",
    phone: str = "",
) -> Institution:
    require_perm(actor, "registry.change_institution")
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("机构编码不能为空"), details={"field": "code"})
    if not (name or "").strip():
        raise ValidationFailed(_("机构名称不能为空"), details={"field": "name"})
    if kind not in InstitutionKind.values:
        raise ValidationFailed(_("机构类型不正确"), details={"field": "kind"})
    with transaction.atomic():
        inst = Institution(
            code=code,
            name=name.strip(),
            kind=kind,
            level=level or DEFAULT_LEVEL[InstitutionKind(kind)],
            region=region,
            parent=locked(actor, parent) if parent is not None else None,
            alliance=alliance,
            address=address or "",
            phone=phone or "",
        )
        _check_institution(inst)
        if Institution.objects.filter(code=code).exists():
            raise DuplicateInstitution(details={"field": "code"})
        try:
            with transaction.atomic():
                inst.save()
        except IntegrityError:
            raise DuplicateInstitution(details={"field": "code"}) from None
        ensure_in_scope(actor, inst)
        record_write(actor=actor, action="create", obj=inst, after=snapshot(inst))
    return inst


def institution_update(
    *,
    actor,
    institution: Institution,
    name=UNSET,
    kind=UNSET,
    level=UNSET,
    region=UNSET,
    parent=UNSET,
    alliance=UNSET,
    address=UNSET,
    phone=UNSET,
    is_active=UNSET,
) -> Institution:
    """Edit an institution; deactivating replaces deleting. A kind change re-derives the default level."""
    require_perm(actor, "registry.change_institution")
    with transaction.atomic():
        inst = locked(actor, institution)
        before = snapshot(inst)
        if given(kind) and kind != inst.kind:
            if kind not in InstitutionKind.values:
                raise ValidationFailed(_("机构类型不正确"), details={"field": "kind"})
            inst.kind = kind
            if not given(level) or not level:
                inst.level = DEFAULT_LEVEL[InstitutionKind(kind)]
        if given(level) and level:
            inst.level = level
        if given(parent):
            inst.parent = locked(actor, parent) if parent is not None else None
        for field, value in (("region", region), ("alliance", alliance), ("is_active", is_active)):
            if given(value):
                setattr(inst, field, value)
        for field, value in (("name", name), ("address", address), ("phone", phone)):
            if given(value):
                setattr(inst, field, (value or "").strip())
        if not inst.name:
            raise ValidationFailed(_("机构名称不能为空"), details={"field": "name"})
        _check_institution(inst)
        inst.save()
        ensure_in_scope(actor, inst)
        record_write(actor=actor, action="update", obj=inst, before=before, after=snapshot(inst))
    return inst


_POPULATIONS = {value for value, _label in POPULATION_CHOICES}


def baseline_set(
    *, actor, institution: Institution, year: int, population: str, count: int, source: str = ""
) -> PopulationBaseline:
    """Insert or replace the official count for (institution, year, population)."""
    require_perm(actor, "registry.change_baseline")
    if population not in _POPULATIONS:
        raise ValidationFailed(_("人群类别不正确"), details={"field": "population"})
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应在2000至2100之间"), details={"field": "year"})
    if not isinstance(count, int) or count < 0:
        raise ValidationFailed(_("人数不能为负数"), details={"field": "count"})
    with transaction.atomic():
        institution = locked(actor, institution)
        ensure_manages_institution(actor, institution)
        row = (
            PopulationBaseline.objects.select_for_update()
            .filter(institution=institution, year=year, population=population)
            .first()
        )
        before = snapshot(row) if row else None
        if row is None:
            row = PopulationBaseline(institution=institution, year=year, population=population)
        row.count = count
        row.source = source or ""
        row.save()
        record_write(
            actor=actor, action="update" if before else "create", obj=row, before=before, after=snapshot(row)
        )
    return row
