"""Writes of the policy app: create, update and copy a policy setting (R-POL)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jiayi.core.audit import record_write, snapshot
from jiayi.core.errors import Conflict, Forbidden, ValidationFailed
from jiayi.core.permissions import require_perm
from jiayi.core.scope import ALL, REGION, Scope

from .models import PolicySetting
from .schemas import validate_policy_values

PERM = "policy.change_policy"


class SystemActor:
    """The actor of management commands (preset loaders): allowed everything, audited as "system".

    Not a User: `record_write` stores it as actor None with the name "system".
    """

    username = "system"
    is_authenticated = False
    is_superuser = True
    scope = Scope(kind=ALL)

    def __str__(self):
        return "system"


SYSTEM = SystemActor()


def authorize(actor, perm: str) -> None:
    if actor is SYSTEM:
        return
    require_perm(actor, perm)


# The rule columns a setting carries; region, year and the preset name are its identity.
VALUE_FIELDS = [
    f.name
    for f in PolicySetting._meta.concrete_fields
    if f.name not in {"id", "region", "year", "preset", "created_at", "updated_at"}
]


def default_values() -> dict:
    """The built-in defaults (model field defaults), used when nothing else applies."""
    out = {}
    for name in VALUE_FIELDS:
        field = PolicySetting._meta.get_field(name)
        out[name] = field.get_default()
    out["allowed_terms"] = [1, 2, 3]
    return out


def values_of(setting: PolicySetting) -> dict:
    return {name: getattr(setting, name) for name in VALUE_FIELDS}


def _check_region_writable(actor, region) -> None:
    """A commission writes only for its own region and below; national rows are the sysadmin's."""
    if actor is SYSTEM:
        return
    scope = actor.scope
    if scope.kind == ALL:
        return
    if region is None or scope.kind != REGION or not region.code.startswith(scope.region_prefix):
        raise Forbidden(_("只能设置本辖区及下级区域的政策"), details={"permission": PERM})


def _check_year(year) -> None:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度无效"), details={"field": "year"})


def _apply(setting: PolicySetting, values: dict) -> None:
    unknown = set(values) - set(VALUE_FIELDS)
    if unknown:
        raise ValidationFailed(_("未知的政策项"), details={"fields": sorted(unknown)})
    merged = {**values_of(setting), **values}
    merged = validate_policy_values(merged)
    for name, value in merged.items():
        setattr(setting, name, value)


def _save_new(setting: PolicySetting) -> None:
    try:
        with transaction.atomic():
            setting.save()
    except IntegrityError:
        raise Conflict(_("该区域该年度已有政策设置"), details={"field": "year"}) from None


def policy_setting_create(*, actor, region, year: int, values: dict, preset: str = "") -> PolicySetting:
    authorize(actor, PERM)
    _check_region_writable(actor, region)
    _check_year(year)
    with transaction.atomic():
        setting = PolicySetting(region=region, year=year, preset=preset, **default_values())
        _apply(setting, values)
        _save_new(setting)
        record_write(actor=actor, action="create", obj=setting, after=snapshot(setting))
    return setting


def policy_setting_update(*, actor, setting: PolicySetting, changes: dict) -> PolicySetting:
    authorize(actor, PERM)
    _check_region_writable(actor, setting.region)
    with transaction.atomic():
        setting = PolicySetting.objects.select_for_update().get(pk=setting.pk)
        before = snapshot(setting)
        _apply(setting, changes)
        setting.save()
        record_write(actor=actor, action="update", obj=setting, before=before, after=snapshot(setting))
    return setting


def policy_setting_copy(*, actor, setting: PolicySetting, region, year: int) -> PolicySetting:
    """A new setting for another region and/or year, starting from this one's rules."""
    copy = policy_setting_create(
        actor=actor, region=region, year=year, values=values_of(setting), preset=setting.preset
    )
    return copy
