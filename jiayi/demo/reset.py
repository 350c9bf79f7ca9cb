"""Delete the demo district (for `jiayi demo --reset`)."""

from django.apps import apps
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils.translation import gettext as _

from jiayi.core.errors import Conflict
from jiayi.core.models import User
from jiayi.registry.models import (
    CommunityMembership,
    FunctionalCommunity,
    Household,
    Institution,
    KeyPopulationRecord,
    MedicalAlliance,
    PopulationBaseline,
    Region,
    RegionLevel,
    Resident,
)
from jiayi.teams.models import Practitioner, Team, TeamMembership

from . import seed
from .logins import USERNAMES


class DemoInUse(Conflict):
    code = "demo_in_use"


# Rows of later apps that hang on the district, children before parents. Apps not installed are
# skipped; each model is narrowed to the county by its own county code or its institution's.
DEPENDENTS = [
    "surveys.QcFlag",
    "surveys.CallbackTask",
    "surveys.SurveyResponse",
    "surveys.CallbackSample",
    "referrals.Referral",
    "referrals.SlotPool",
    "evaluation.CoverageRollup",
    "evaluation.MonthlyCoverage",
    "evaluation.VisitRecord",
    "evaluation.AssessmentScore",
    "evaluation.SettlementLine",
    "evaluation.SettlementCost",
    "care.ContactPlan",
    "care.HomeBedVisit",
    "care.HomeBed",
    "care.LongTermPrescription",
    "care.Reminder",
    "care.HealthAssessment",
    "care.RiskAssessment",
    "care.ServiceRecord",
    "contracts.Contract",
    "contracts.Agreement",
]


def _in_county(model, c: str):
    names = {f.name for f in model._meta.get_fields()}
    for path in ("county_code", "institution__county_code", "hospital__county_code", "bed__county_code"):
        if path.split("__")[0] in names:
            return model.objects.filter(**{path: c})
    return model.objects.none()


def _delete_dependents(c: str) -> None:
    for label in DEPENDENTS:
        app_label, name = label.split(".")
        if not apps.is_installed(f"jiayi.{app_label}"):
            continue
        model = apps.get_model(app_label, name)
        rows = _in_county(model, c)
        if label == "contracts.Contract":
            rows.update(previous=None)  # the renewal chain protects each older contract
        elif label == "surveys.CallbackSample":
            # A sample drawn by the commission names no institution, only the region it covers.
            rows = model.objects.filter(Q(institution__county_code=c) | Q(region_code__startswith=c))
        elif label == "referrals.Referral":
            # A booked slot protects its referral, an up-referral its down-referrals.
            apps.get_model("referrals", "Slot").objects.filter(referral__county_code=c).update(referral=None)
            rows.update(up_referral=None)
        rows.delete()


def reset_district() -> None:
    """Remove everything the demo built in county 500114, village by village so memory stays flat.

    The province and county regions stay (other data such as policy settings may hang on them).
    Logins scoped to the district lose their scope; the demo's own logins are re-bound on rebuild.
    """
    c = seed.COUNTY6
    try:
        with transaction.atomic():
            users = User.objects.filter(
                Q(username__in=USERNAMES)
                | Q(region__county_code=c, region__level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
                | Q(institution__county_code=c)
                | Q(team__county_code=c)
                | Q(resident__county_code=c)
            )
            users.update(region=None, institution=None, team=None, resident=None)
            Practitioner.objects.filter(county_code=c).update(user=None)
            _delete_dependents(c)
            KeyPopulationRecord.objects.filter(county_code=c).delete()
            CommunityMembership.objects.filter(community__county_code=c).delete()
            FunctionalCommunity.objects.filter(county_code=c).delete()
            PopulationBaseline.objects.filter(county_code=c).delete()
            Household.objects.filter(county_code=c).update(head=None)
            villages = Region.objects.filter(county_code=c, level=RegionLevel.VILLAGE).values_list(
                "pk", flat=True
            )
            for village_id in list(villages):
                Resident.objects.filter(region_id=village_id).delete()
            Resident.objects.filter(county_code=c).delete()
            Household.objects.filter(county_code=c).delete()
            TeamMembership.objects.filter(team__county_code=c).delete()
            Team.villages.through.objects.filter(team__county_code=c).delete()
            Team.objects.filter(county_code=c).delete()
            Practitioner.objects.filter(county_code=c).delete()
            Institution.objects.filter(county_code=c, parent__isnull=False).delete()
            Institution.objects.filter(county_code=c).delete()
            MedicalAlliance.objects.filter(name=seed.ALLIANCE_NAME).delete()
            Region.objects.filter(county_code=c, level=RegionLevel.VILLAGE).delete()
            Region.objects.filter(county_code=c, level=RegionLevel.TOWNSHIP).delete()
    except ProtectedError as exc:
        blockers = sorted({o._meta.verbose_name for o in list(exc.protected_objects)[:50]})
        raise DemoInUse(
            _("演示数据仍被其他数据引用，无法重置：%(objs)s") % {"objs": "、".join(str(b) for b in blockers)},
            details={"blocking": [str(b) for b in blockers]},
        ) from exc
