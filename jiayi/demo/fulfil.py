"""Second stage of the demo build: policy and packages, contracts, fulfilment, contact plans,
then whatever the optional apps (referrals, surveys, evaluation) can add."""

import datetime as dt
import random

from django.apps import apps
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jiayi.care.models import ServiceRecord
from jiayi.contracts.models import IN_FORCE, Contract
from jiayi.core.audit import record_write
from jiayi.policy.queries import policy_for
from jiayi.registry.models import Institution, KeyPopulationRecord, Region, Resident
from jiayi.teams.models import Practitioner

from . import care, packages, seed, signing


def contracts_exist() -> bool:
    return Contract.objects.filter(county_code=seed.COUNTY6).exists()


def build_contracts(*, seed_value: int, say=None, today: dt.date | None = None) -> dict:
    """Sign, serve and plan contacts, one transaction per primary institution."""
    today = today or timezone.localdate()
    county = Region.objects.get(code=seed.COUNTY[0])
    cat = packages.catalogue(county)
    users = dict(
        Practitioner.objects.filter(county_code=seed.COUNTY6, user__isnull=False).values_list("pk", "user_id")
    )
    centres = list(
        Institution.objects.filter(county_code=seed.COUNTY6, kind__in=["chc", "thc"])
        .select_related("region")
        .order_by("code")
    )
    totals = {"agreements": 0, "contracts": 0, "service_records": 0}
    for i, centre in enumerate(centres, 1):
        rng = random.Random(f"{seed_value}:contracts:{centre.code}")
        with transaction.atomic():
            policy = policy_for(centre.region, today.year)
            result = signing.sign_institution(centre, rng, cat, today, policy.capacity_per_doctor, users)
            records = care.fulfil_institution(rng, cat, today, result, policy)
            care.contact_plans_bulk(Contract.objects.filter(institution=centre), today=today)
        totals["agreements"] += result.agreements
        totals["contracts"] += result.contracts
        totals["service_records"] += records
        if say:
            say(f"[{i}/{len(centres)}] {centre.name}：签约 {len(result.in_force)} 人，服务记录 {records} 条")
    with transaction.atomic():
        # One trail entry for the whole bulk load: the per-contract history is in ContractEvent.
        record_write(
            actor=None,
            action="demo_contracts_load",
            object_type="contracts.contract",
            object_repr="演示数据：签约与履约",
            county_code=seed.COUNTY6,
            after=totals,
        )
    optional_apps(seed_value=seed_value, today=today, say=say)
    return totals


def optional_apps(*, seed_value: int, today: dt.date, say=None) -> None:
    """Apps being written alongside the demo: use them when installed, skip them otherwise."""
    if apps.is_installed("jiayi.surveys"):
        from .extras import survey_responses

        n = survey_responses(seed_value=seed_value, today=today)
        if say:
            say(f"满意度调查答卷 {n} 份")
    if apps.is_installed("jiayi.referrals"):
        from .extras import referrals

        n = referrals(seed_value=seed_value, today=today)
        if say:
            say(f"转诊 {n} 条")
    if apps.is_installed("jiayi.evaluation"):
        from jiayi.evaluation.rollups import rebuild

        rebuild(today=today)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def contract_stats(today: dt.date | None = None) -> dict:
    """Contracts in force, coverage of registered residents overall and of key populations, records."""
    today = today or timezone.localdate()
    c = seed.COUNTY6
    residents = Resident.objects.filter(county_code=c).active()
    in_force = Contract.objects.filter(resident_id=OuterRef("pk"), status__in=IN_FORCE)
    recorded = KeyPopulationRecord.objects.filter(resident_id=OuterRef("pk")).valid_on(today)
    key = residents.filter(
        Exists(recorded)
        | Q(birth_date__lte=_years_before(today, 65))
        | Q(birth_date__gt=_years_before(today, 7))
    )
    n, k = residents.count(), key.count()
    signed = residents.filter(Exists(in_force)).count()
    key_signed = key.filter(Exists(in_force)).count()
    return {
        "contracts_in_force": Contract.objects.filter(county_code=c, status__in=IN_FORCE).count(),
        "coverage_percent": round(100 * signed / n, 1) if n else 0.0,
        "key_coverage_percent": round(100 * key_signed / k, 1) if k else 0.0,
        "service_records": ServiceRecord.objects.filter(county_code=c).count(),
    }
