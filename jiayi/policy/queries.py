"""Reads of the policy app. `policy_for` is the entry point other apps (contracts, care,
referrals, evaluation) use to read a rule: never hard-code what a policy says."""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import PolicySetting


@dataclass(frozen=True)
class EffectivePolicy:
    """The setting that applies, and where it came from.

    `source_region` is None for the national setting; `is_builtin` when no row exists at all and
    the model defaults apply; `inherited` when the setting is not the asked region's own.
    """

    setting: PolicySetting
    source_region: object | None
    inherited: bool
    is_builtin: bool = False

    @property
    def source_label(self) -> str:
        if self.is_builtin:
            return _("系统默认")
        if self.source_region is None:
            return _("全国默认")
        return self.source_region.name

    def __getattr__(self, name):
        # Rules read straight through: policy_for(r, y).capacity_per_doctor
        return getattr(self.setting, name)


def _builtin() -> PolicySetting:
    from .services import default_values

    return PolicySetting(region=None, year=0, **{**default_values(), "title": _("系统默认")})


def policy_for(region, year: int) -> EffectivePolicy:
    """The effective policy for `region` (a Region or None for national) in `year`.

    At each level a setting for an earlier year still applies until a newer one replaces it (a
    district's 2024 plan governs 2025 too unless 2025 has its own). The nearest level wins: the
    region's own, else the nearest ancestor's, else the national, else the built-in defaults.
    """
    chain = [] if region is None else [region, *reversed(region.ancestors())]
    ids = [r.pk for r in chain]
    rows = list(
        PolicySetting.objects.filter(Q(region_id__in=ids) | Q(region__isnull=True), year__lte=year)
        .select_related("region")
        .order_by("-year")
    )
    for depth, r in enumerate(chain):
        for row in rows:
            if row.region_id == r.pk:
                return EffectivePolicy(setting=row, source_region=r, inherited=depth > 0)
    for row in rows:
        if row.region_id is None:
            return EffectivePolicy(setting=row, source_region=None, inherited=region is not None)
    return EffectivePolicy(
        setting=_builtin(), source_region=None, inherited=region is not None, is_builtin=True
    )


def policy_list(user, filters=None):
    qs = PolicySetting.objects.visible_to(user).select_related("region")
    if filters is not None:
        qs = filters.filter(qs)
    return qs.order_by("region__code", "-year")


def policy_get(user, pk) -> PolicySetting:
    return PolicySetting.objects.select_related("region").get_visible(user, pk=pk)
