"""The contract rules that come from policy (R-CON-3, R-CON-6, R-CON-8): pure checks, no writes."""

import datetime as dt

from django.utils.translation import gettext as _

from jiayi.catalog.models import ALL_POPULATION, COMMUNITY_PREFIX, FAMILY_POPULATION, Tier
from jiayi.policy.models import WindowMode
from jiayi.policy.schemas import parse_month_day
from jiayi.registry.models import HOSPITAL_KINDS, InstitutionKind

from .errors import InvalidCombination, InvalidPackages, OutsideSigningWindow, TermNotAllowed
from .models import Contract, ContractStatus


def term_end(start: dt.date, years: int) -> dt.date:
    """The last day of a term of `years` starting on `start` (29 Feb rolls to 28 Feb)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = start.replace(year=start.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


def check_signing_window(policy, on: dt.date) -> list[str]:
    """Warnings to show; raises when the policy refuses signing outside its window."""
    mode = policy.signing_window_mode
    if mode == WindowMode.OFF:
        return []
    start, end = parse_month_day(policy.signing_window_start), parse_month_day(policy.signing_window_end)
    if start is None or end is None or start <= (on.month, on.day) <= end:
        return []
    message = _("本地区规定的签约时间为每年 %(start)s 至 %(end)s，今天（%(today)s）不在签约时间内") % {
        "start": policy.signing_window_start,
        "end": policy.signing_window_end,
        "today": on.isoformat(),
    }
    if mode == WindowMode.REFUSE:
        raise OutsideSigningWindow(
            message, details={"start": policy.signing_window_start, "end": policy.signing_window_end}
        )
    return [message]


def continuous_years(resident, doctor, before: dt.date) -> int:
    """Years of unbroken contracts with this doctor ending just before `before` (R-CON-3).

    Follows the renewal chain backwards; a gap of more than a day, another doctor or a
    termination ends the run.
    """
    years = 0
    cursor = before
    contracts = (
        Contract.objects.filter(resident=resident, start__lt=before)
        .exclude(status=ContractStatus.PENDING)
        .order_by("-start")
    )
    for c in contracts:
        if c.doctor_id != doctor.pk or c.end < cursor - dt.timedelta(days=1):
            break
        if c.status == ContractStatus.TERMINATED:
            break
        years += round(((c.end - c.start).days + 1) / 365.25)
        cursor = c.start
    return years


def check_term(policy, term_years: int, *, resident, doctor, start: dt.date) -> None:
    allowed = list(policy.allowed_terms or [1])
    if term_years not in allowed:
        raise TermNotAllowed(
            _("签约年限 %(n)s 年不在本地区允许的范围内（可选：%(allowed)s 年）")
            % {"n": term_years, "allowed": "、".join(str(a) for a in allowed)},
            details={"field": "term_years", "allowed": allowed},
        )
    if term_years > 1:
        needed = policy.multi_year_min_continuous_years
        have = continuous_years(resident, doctor, start)
        if have < needed:
            raise TermNotAllowed(
                _("%(name)s 与该医生连续签约 %(have)s 年，签 %(n)s 年期需连续签约满 %(need)s 年")
                % {"name": resident.name, "have": have, "n": term_years, "need": needed},
                details={"field": "term_years", "continuous_years": have, "needed": needed},
            )


def suitable_tokens(resident, key_kinds: set[str], community_kinds: set[str], *, family: bool) -> set[str]:
    tokens = {ALL_POPULATION, *key_kinds, *(COMMUNITY_PREFIX + k for k in community_kinds)}
    if family:
        tokens.add(FAMILY_POPULATION)
    return tokens


def check_packages(resident, packages, *, tokens: set[str], region_ids: set[int], on: dt.date) -> None:
    """At least one basic package; every package active, valid on the date, offered in the
    resident's region and suited to one of the resident's populations."""
    if not packages:
        raise InvalidPackages(
            _("请为 %(name)s 选择服务包") % {"name": resident.name}, details={"field": "packages"}
        )
    if not any(p.tier == Tier.BASIC for p in packages):
        raise InvalidPackages(
            _("%(name)s 的签约须包含一个基础服务包") % {"name": resident.name}, details={"field": "packages"}
        )
    if len({p.code for p in packages}) != len(packages):
        raise InvalidPackages(_("同一服务包不能重复选择"), details={"field": "packages"})
    for p in packages:
        offered = p.region_id is None or p.region_id in region_ids
        valid = p.status == "active" and p.valid_from <= on and (p.valid_to is None or p.valid_to >= on)
        if not (offered and valid):
            raise InvalidPackages(
                _("服务包“%(p)s”当前不可签约（未启用、已过期或不适用于本地区）") % {"p": p.name},
                details={"field": "packages", "package": p.pk},
            )
        if not tokens.intersection(p.populations):
            raise InvalidPackages(
                _("服务包“%(p)s”不适合 %(name)s（适宜人群：%(who)s）")
                % {"p": p.name, "name": resident.name, "who": "、".join(p.population_labels())},
                details={"field": "packages", "package": p.pk},
            )


def check_combination(institution, district, city) -> None:
    """ "1+1+1" (R-CON-8): a community health centre, at most one district (secondary) hospital
    and one city (tertiary) hospital."""
    if district is None and city is None:
        return
    if institution.kind != InstitutionKind.CHC:
        raise InvalidCombination(_("只有社区卫生服务中心可以开展“1+1+1”组合签约"))
    if district is not None and district.kind != InstitutionKind.SECONDARY_HOSPITAL:
        raise InvalidCombination(
            _("组合签约的区级医院须为二级医院"), details={"field": "combination_district"}
        )
    if city is not None and city.kind != InstitutionKind.TERTIARY_HOSPITAL:
        raise InvalidCombination(_("组合签约的市级医院须为三级医院"), details={"field": "combination_city"})
    for h in (district, city):
        if h is not None and h.kind not in HOSPITAL_KINDS:
            raise InvalidCombination()
