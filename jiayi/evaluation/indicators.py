"""Indicators (R-EVA-3), each defined once: name, numerator, denominator, source, period rule.

`compute(code, unit, start, end)` gives (numerator, denominator, value) for a unit — a region
(code prefix), an institution or a team — and a period. These are reports over indexed queries
(contracts by team/institution/county), run for a scheme's assessment or on the indicator page;
the dashboards show the stored results instead.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from jiayi.care.models import ContactPlan, Measurement, RecordStatus, ServiceRecord
from jiayi.catalog.models import PackageItem
from jiayi.contracts.models import Contract, ContractPackage, ContractStatus
from jiayi.registry.models import Institution, KeyPopulationKind, KeyPopulationRecord

from .coverage import baselines, percent
from .models import ALL, KEY, PRIMARY_CARE_LEVELS, VisitRecord
from .rollups import population_counts, signed_on_date_q


@dataclass(frozen=True)
class Unit:
    kind: str  # "region", "institution", "team"
    region_prefix: str = ""
    institution_id: int | None = None
    team_id: int | None = None
    name: str = ""

    def q(self, *, team="team_id", institution="institution_id", region="region_code") -> Q:
        if self.kind == "team":
            return Q(**{team: self.team_id})
        if self.kind == "institution":
            return Q(**{institution: self.institution_id})
        return Q(**{f"{region}__startswith": self.region_prefix})


@dataclass(frozen=True)
class Result:
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: str
    denominator: str
    source: str
    period: str
    unit: str  # "%", "人", "元"
    fn: Callable[[Unit, dt.date, dt.date], Result]
    higher_is_better: bool = True


def _signed(unit: Unit, on: dt.date):
    return Contract.objects.filter(unit.q()).filter(signed_on_date_q(on))


def _signed_ids(unit: Unit, on: dt.date, population: str = ALL) -> set[int]:
    ids = set()
    for (_team, pop), rids in population_counts(_signed(unit, on), on).items():
        if pop == population:
            ids |= rids
    return ids


def _rate(num, den) -> Result:
    return Result(num, den, percent(num, den))


def signed_count(unit, start, end) -> Result:
    n = len(_signed_ids(unit, end))
    return Result(n, None, Decimal(n))


def coverage_rate(unit, start, end) -> Result:
    if unit.kind == "team":
        return Result(None, None, None)  # a team has no resident population of its own
    from jiayi.registry.models import Institution

    insts = Institution.objects.filter(unit.q(institution="pk")).values_list("pk", flat=True)
    base = sum(p.get(ALL, 0) for p in baselines(list(insts), end.year).values())
    return _rate(len(_signed_ids(unit, end)), base or None)


def key_share(unit, start, end) -> Result:
    counts = population_counts(_signed(unit, end), end)
    alls, keys = set(), set()
    for (_t, pop), rids in counts.items():
        if pop == ALL:
            alls |= rids
        elif pop == KEY:
            keys |= rids
    return _rate(len(keys), len(alls))


def renewal_rate(unit, start, end) -> Result:
    """Contracts whose term ended in the period (not terminated): share continued by a renewal."""
    ended = Contract.objects.filter(unit.q(), end__gte=start, end__lte=end).exclude(
        status=ContractStatus.TERMINATED
    )
    den = ended.count()
    num = ended.filter(Q(status=ContractStatus.RENEWED) | Q(next__isnull=False)).distinct().count()
    return _rate(num, den)


def fulfilment_rate(unit, start, end) -> Result:
    """Services delivered within the packages' yearly quantities ÷ promised, over contracts in force
    at the period's end; services counted in the period (the period is meant to be a contract year)."""
    contracts = _signed(unit, end)
    promised: dict[tuple[int, int], int] = defaultdict(int)
    rows = ContractPackage.objects.filter(contract__in=contracts).values_list(
        "contract_id", "contract__is_first", "package_id"
    )
    by_package = defaultdict(list)
    for cid, is_first, pid in rows:
        by_package[pid].append((cid, is_first))
    items = PackageItem.objects.filter(package_id__in=by_package).values_list(
        "package_id", "item_id", "quantity", "first_contract_only"
    )
    for pid, item_id, qty, first_only in items:
        for cid, is_first in by_package[pid]:
            if first_only and not is_first:
                continue
            promised[(cid, item_id)] += qty
    delivered = defaultdict(int)
    done = (
        ServiceRecord.objects.filter(
            contract__in=contracts, status=RecordStatus.VALID, performed_on__gte=start, performed_on__lte=end
        )
        .values_list("contract_id", "item_id")
        .order_by()
    )
    for cid, item_id in done:
        delivered[(cid, item_id)] += 1
    den = sum(promised.values())
    num = sum(min(delivered.get(k, 0), q) for k, q in promised.items())
    return _rate(num, den)


def contact_compliance(unit, start, end) -> Result:
    """Signed residents not overdue for contact on the period's end (the contact plans' due dates)."""
    plans = ContactPlan.objects.filter(unit.q())
    den = plans.count()
    num = plans.filter(next_due_on__gte=end).count()
    return _rate(num, den)


def primary_care_visit_rate(unit, start, end) -> Result:
    """Visits of signed key-population residents at village/primary level ÷ all their visits."""
    ids = _signed_ids(unit, end, KEY)
    visits = VisitRecord.objects.filter(resident_id__in=ids, visited_on__gte=start, visited_on__lte=end)
    return _rate(visits.filter(level__in=PRIMARY_CARE_LEVELS).count(), visits.count())


def _last_values(resident_ids, end, kinds) -> dict[int, dict[str, Decimal]]:
    """Each resident's measurements of the latest record (up to `end`) that has all `kinds`."""
    rows = (
        Measurement.objects.filter(
            record__resident_id__in=resident_ids,
            record__status=RecordStatus.VALID,
            record__performed_on__lte=end,
            kind__in=kinds,
        )
        .values_list("record__resident_id", "record__performed_on", "record_id", "kind", "value")
        .order_by("record__resident_id", "record__performed_on", "record_id")
    )
    per_record: dict[tuple, dict] = defaultdict(dict)
    for rid, day, rec, kind, value in rows:
        per_record[(rid, day, rec)][kind] = value
    out = {}
    for (rid, _day, _rec), values in sorted(per_record.items()):
        if all(k in values for k in kinds):
            out[rid] = values  # later records overwrite earlier ones
    return out


def _with_condition(unit, end, kind) -> set[int]:
    signed = _signed_ids(unit, end)
    return set(
        KeyPopulationRecord.objects.valid_on(end)
        .filter(kind=kind, resident_id__in=signed)
        .values_list("resident_id", flat=True)
    )


def bp_control(unit, start, end) -> Result:
    """Signed hypertensives whose last reading is below 140/90 ÷ all signed hypertensives."""
    ids = _with_condition(unit, end, KeyPopulationKind.HYPERTENSION)
    last = _last_values(ids, end, ["sbp", "dbp"])
    num = sum(1 for v in last.values() if v["sbp"] < 140 and v["dbp"] < 90)
    return _rate(num, len(ids))


def glucose_control(unit, start, end) -> Result:
    """Signed type-2 diabetics whose last fasting glucose is below 7.0 mmol/L ÷ all signed diabetics."""
    ids = _with_condition(unit, end, KeyPopulationKind.DIABETES)
    last = _last_values(ids, end, ["fasting_glucose"])
    num = sum(1 for v in last.values() if v["fasting_glucose"] < Decimal("7.0"))
    return _rate(num, len(ids))


def referrals_by_family_doctor(unit, start, end) -> Result:
    """Referrals of signed residents in the period (0 when the referral app is not installed)."""
    if not apps.is_installed("jiayi.referrals"):
        return Result(None, None, None)
    try:
        Referral = apps.get_model("referrals", "Referral")
        ids = _signed_ids(unit, end)
        date_field = next(
            f
            for f in ("referred_on", "created_at", "requested_at")
            if f in {x.name for x in Referral._meta.fields}
        )
        n = Referral.objects.filter(
            resident_id__in=ids,
            **{f"{date_field}__date__gte" if date_field.endswith("_at") else f"{date_field}__gte": start},
            **{f"{date_field}__date__lte" if date_field.endswith("_at") else f"{date_field}__lte": end},
        ).count()
    except (LookupError, StopIteration, Exception):  # the referral app may still be changing
        return Result(None, None, None)
    return Result(n, None, Decimal(n))


def satisfaction(unit, start, end) -> Result:
    """Satisfaction rate from the surveys app (R-EVA-6): satisfied ÷ rated responses in the period."""
    if not apps.is_installed("jiayi.surveys"):
        return Result(None, None, None)
    from types import SimpleNamespace

    from jiayi.core.scope import Scope
    from jiayi.surveys.queries import satisfaction_rate

    # The unit is already the caller's scope; the survey query only narrows to it.
    value = satisfaction_rate(
        Scope(kind="all"),
        region=SimpleNamespace(prefix=unit.region_prefix) if unit.region_prefix else None,
        # The institution object, so that its stations' and village clinics' answers count too.
        institution=Institution.objects.filter(pk=unit.institution_id).first()
        if unit.institution_id
        else None,
        team=unit.team_id,
        start=start,
        end=end,
    )
    return Result(value.satisfied, value.responses, value.rate)


def fee_per_signed(unit, start, end) -> Result:
    """Cost control proxy: yearly contract fees (frozen package prices) per signed resident, yuan."""
    contracts = _signed(unit, end)
    fees = ContractPackage.objects.filter(contract__in=contracts).aggregate(s=Sum("price"))["s"] or Decimal(0)
    n = contracts.values("resident_id").distinct().count()
    value = (Decimal(fees) / n).quantize(Decimal("0.01")) if n else None
    return Result(fees, n, value)


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in [
        Indicator("signed", _("签约人数"), _("期末签约在约居民数"), "", _("签约记录"), _("期末时点"), "人", signed_count),
        Indicator("coverage", _("签约覆盖率"), _("期末签约居民数"), _("常住人口数"), _("签约记录、人口基数"), _("期末时点"), "%", coverage_rate),
        Indicator("key_share", _("重点人群占比"), _("签约居民中重点人群人数"), _("签约居民数"), _("签约记录、重点人群登记、出生日期"), _("期末时点"), "%", key_share),
        Indicator("renewal", _("续约率"), _("期内到期且已续约的签约数"), _("期内到期的签约数（不含解约）"), _("签约记录"), _("到期日在期内"), "%", renewal_rate),
        Indicator("fulfilment", _("履约率"), _("服务包次数内已提供的服务次数"), _("服务包约定的服务次数"), _("服务记录、服务包"), _("期内服务，按期末在约签约"), "%", fulfilment_rate),
        Indicator("contact", _("主动联系达标率"), _("未逾期联系的签约居民数"), _("有联系计划的签约居民数"), _("联系计划"), _("期末时点"), "%", contact_compliance),
        Indicator("primary_visit", _("重点人群基层就诊率"), _("签约重点人群在村级/基层机构的就诊次数"), _("签约重点人群的全部就诊次数"), _("医院就诊记录（HIS导入）"), _("就诊日期在期内"), "%", primary_care_visit_rate),
        Indicator("bp_control", _("血压控制率"), _("末次血压<140/90mmHg的签约高血压患者数"), _("签约高血压患者数"), _("测量记录"), _("截至期末的末次测量"), "%", bp_control),
        Indicator("glucose_control", _("血糖控制率"), _("末次空腹血糖<7.0mmol/L的签约糖尿病患者数"), _("签约2型糖尿病患者数"), _("测量记录"), _("截至期末的末次测量"), "%", glucose_control),
        Indicator("referrals", _("经家庭医生转诊数"), _("签约居民期内转诊次数"), "", _("双向转诊"), _("转诊日期在期内"), "次", referrals_by_family_doctor),
        Indicator("satisfaction", _("满意度"), _("满意答卷数"), _("有效答卷数"), _("满意度调查"), _("答卷日期在期内"), "%", satisfaction),
        Indicator("fee_per_signed", _("人均签约服务费"), _("期末在约签约的服务包年费合计"), _("期末签约居民数"), _("签约服务包"), _("期末时点"), "元", fee_per_signed, higher_is_better=False),
    ]
}  # fmt: skip


def compute(code: str, unit: Unit, start: dt.date, end: dt.date) -> Result:
    return INDICATORS[code].fn(unit, start, end)
