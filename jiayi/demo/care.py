"""Fulfilment of the demo contracts, in bulk: service records with measurements, annual health
assessments, risk colours, and the contact plans `care.contact.contact_plan_sync` would keep.

Contacts follow each resident's interval (policy: red 30, yellow 60, green and others 90 days)
with some slack; about one resident in sixteen falls behind, so the workbench has overdue rows
(a few red), some are due this week, and the newest signers have never been contacted.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db.models import Max, OuterRef, Subquery

from jiayi.care.contact import interval_for
from jiayi.care.models import (
    COLOUR_RANK,
    ContactPlan,
    HealthAssessment,
    Measurement,
    MeasurementSource,
    RecordStatus,
    RiskAssessment,
    RiskColour,
    ServiceChannel,
    ServiceRecord,
    TcmTechnique,
)
from jiayi.contracts.models import ContractStatus
from jiayi.contracts.rules import term_end
from jiayi.policy.queries import policy_for

from .packages import Catalogue

BATCH = 2000
COLOURS = [(RiskColour.GREEN, 0.60), (RiskColour.YELLOW, 0.30), (RiskColour.RED, 0.10)]
LAGGING = 0.06  # residents whose contacts stopped: overdue on the workbench
NEVER = 0.03  # signed residents nobody has contacted yet
ASSESSED = 0.60  # annual health assessment done
DEVICE = 0.30  # measurements uploaded by standardised devices
REASONS = {
    ("hypertension", "green"): "血压控制达标（<140/90mmHg），无靶器官损害",
    ("hypertension", "yellow"): "血压控制未达标（140-159/90-99mmHg），需调整用药",
    ("hypertension", "red"): "血压≥160/100mmHg或合并靶器官损害，需重点管理",
    ("diabetes", "green"): "空腹血糖控制达标（<7.0mmol/L），无并发症",
    ("diabetes", "yellow"): "空腹血糖7.0-10.0mmol/L，控制欠佳",
    ("diabetes", "red"): "空腹血糖≥10.0mmol/L或出现并发症，需重点管理",
}
FINDINGS = [
    "一般情况良好，无明显不适。",
    "体重偏高，血脂略高，建议控制饮食。",
    "睡眠欠佳，偶有头晕。",
    "双下肢无水肿，心肺听诊未见异常。",
]
PLANS = [
    "低盐低脂饮食，每周运动不少于150分钟，按时随访。",
    "戒烟限酒，规律作息，三个月后复查血压血糖。",
    "规律服药，家庭自测血压并记录，如有不适及时就诊。",
]


def _colour(rng) -> str:
    roll = rng.random()
    for colour, share in COLOURS:
        roll -= share
        if roll < 0:
            return colour
    return RiskColour.GREEN


def _bp(rng, colour: str) -> dict:
    if colour == RiskColour.RED:
        sbp, dbp = rng.randint(160, 186), rng.randint(96, 112)
    elif colour == RiskColour.YELLOW:
        sbp, dbp = rng.randint(140, 159), rng.randint(86, 99)
    else:
        sbp, dbp = rng.randint(112, 138), rng.randint(68, 88)
    return {"sbp": sbp, "dbp": dbp, "heart_rate": rng.randint(62, 92)}


def _glucose(rng, colour: str | None) -> Decimal:
    low, high = {
        RiskColour.RED: (10.0, 15.5),
        RiskColour.YELLOW: (7.0, 9.9),
        RiskColour.GREEN: (5.2, 6.9),
    }.get(colour, (4.3, 6.0))
    return Decimal(str(round(rng.uniform(low, high), 1)))


class Fulfilment:
    """Builds one institution's records; `flush` writes them."""

    def __init__(self, rng, cat: Catalogue, today: dt.date, result, policy):
        self.rng, self.cat, self.today, self.result, self.policy = rng, cat, today, result, policy
        self.records: list[ServiceRecord] = []
        self.measures: list[tuple[ServiceRecord, str, Decimal, str]] = []
        self.assessments: list[tuple[ServiceRecord, HealthAssessment]] = []
        self.risks: list[RiskAssessment] = []
        self.delivered: Counter = Counter()

    def staff(self, team_id: int, role: str, fallback: int) -> int:
        ids = self.result.team_members.get(team_id, {}).get(role)
        return self.rng.choice(ids) if ids else fallback

    def add(
        self,
        s,
        code: str,
        day: dt.date,
        channel: str,
        practitioner: int,
        measures=None,
        tcm="",
        source="entered",
    ):
        c = s.contract
        item = self.cat.items[code]
        promised = sum(self.cat.promised.get(pid, {}).get(code, 0) for pid in s.package_ids)
        self.delivered[(c.pk, code)] += 1
        r = ServiceRecord(
            resident_id=s.member.pk,
            contract=c,
            item=item,
            performed_on=day,
            institution_id=self.result.practitioner_inst[practitioner],
            channel=channel,
            practitioner_id=practitioner,
            team_id=c.team_id,
            tcm_technique=tcm,
            is_contact=True,
            beyond_entitlement=bool(promised) and self.delivered[(c.pk, code)] > promised,
            status=RecordStatus.VALID,
            source="entered",
            county_code=c.county_code,
            region_code=c.region_code,
        )
        self.records.append(r)
        for kind, value in (measures or {}).items():
            self.measures.append((r, kind, Decimal(str(value)), source))
        return r

    def resident(self, s) -> None:
        c, rng, today = s.contract, self.rng, self.today
        if c.status != ContractStatus.ACTIVE or rng.random() < NEVER:
            return
        doctor = c.doctor_id
        conditions = [k for k in ("hypertension", "diabetes") if k in s.kinds]
        colours = {k: _colour(rng) for k in conditions}
        worst = max(colours.values(), key=lambda v: COLOUR_RANK[v], default="")
        interval = interval_for(self.policy, worst)
        start = c.start
        # A contact soon after signing, then roughly every interval until today (or until they lag).
        stop = today
        if rng.random() < (
            LAGGING * 3 if worst == RiskColour.RED else LAGGING
        ):  # red ones are harder to reach
            stop = today - dt.timedelta(days=interval + rng.randint(5, 60))
        day = start + dt.timedelta(days=rng.randint(3, min(interval, 40)))
        first_contact = None
        while day <= stop:
            first_contact = first_contact or day
            source = MeasurementSource.DEVICE if rng.random() < DEVICE else MeasurementSource.ENTERED
            if conditions:
                measures = {}
                if "hypertension" in colours:
                    measures.update(_bp(rng, colours["hypertension"]))
                if "diabetes" in colours:
                    measures["fasting_glucose"] = _glucose(rng, colours["diabetes"])
                channel = rng.choice(
                    [ServiceChannel.FACE_TO_FACE] * 3 + [ServiceChannel.HOME_VISIT, ServiceChannel.PHONE]
                )
                if channel == ServiceChannel.PHONE:
                    measures, source = {}, MeasurementSource.ENTERED
                who = doctor if rng.random() < 0.7 else self.staff(c.team_id, "nurse", doctor)
                self.add(s, "FOLLOW_UP", day, channel, who, measures, source=source)
            else:
                channel = rng.choice([ServiceChannel.PHONE, ServiceChannel.SOCIAL_APP, ServiceChannel.SMS])
                self.add(s, "HEALTH_INFO", day, channel, self.staff(c.team_id, "nurse", doctor))
            day += dt.timedelta(days=interval + rng.randint(-14, 6))
        for condition, colour in colours.items():
            on = first_contact or start + dt.timedelta(days=7)
            self.risks.append(
                RiskAssessment(
                    resident_id=s.member.pk,
                    condition=condition,
                    colour=colour,
                    assessed_on=min(on, today),
                    reason=REASONS[(condition, colour)],
                    practitioner_id=doctor,
                    is_current=True,
                    institution_id=self.result.practitioner_inst[doctor],
                    team_id=c.team_id,
                    county_code=c.county_code,
                    region_code=c.region_code,
                )
            )
        self.extras(s, colours, stop)

    def extras(self, s, colours: dict, stop: dt.date) -> None:
        c, rng = s.contract, self.rng
        span = (stop - c.start).days
        if span < 20:
            return

        def when():
            return c.start + dt.timedelta(days=rng.randint(10, span))

        doctor = c.doctor_id
        if rng.random() < ASSESSED:
            day = when()
            measures = {"weight": round(rng.uniform(45, 82), 1), "height": rng.randint(148, 178)}
            measures.update(_bp(rng, colours.get("hypertension", RiskColour.GREEN)))
            if "diabetes" in colours:
                measures["fasting_glucose"] = _glucose(rng, colours["diabetes"])
            who = self.staff(c.team_id, "public_health", doctor)
            r = self.add(s, "ANNUAL_ASSESSMENT", day, ServiceChannel.FACE_TO_FACE, who, measures)
            self.assessments.append(
                (
                    r,
                    HealthAssessment(
                        resident_id=s.member.pk,
                        assessed_on=day,
                        practitioner_id=who,
                        findings=rng.choice(FINDINGS),
                        plan=rng.choice(PLANS),
                        next_assessment_on=term_end(day, 1) + dt.timedelta(days=1),
                        institution_id=self.result.practitioner_inst[who],
                        team_id=c.team_id,
                        county_code=c.county_code,
                        region_code=c.region_code,
                    ),
                )
            )
        promised = Counter()
        for pid in s.package_ids:
            if pid != self.cat.basic.pk:
                promised.update(self.cat.promised.get(pid, {}))
        if promised["ECG"] and rng.random() < 0.7:
            self.add(s, "ECG", when(), ServiceChannel.FACE_TO_FACE, doctor)
        for _ in range(promised["FBG"]):
            if rng.random() < 0.6:
                self.add(
                    s,
                    "FBG",
                    when(),
                    ServiceChannel.FACE_TO_FACE,
                    doctor,
                    {"fasting_glucose": _glucose(rng, colours.get("diabetes"))},
                )
        tcm_doctor = doctor
        if promised["ACUPUNCTURE"]:
            for code, tech in (
                ("ACUPUNCTURE", TcmTechnique.ACUPUNCTURE),
                ("TUINA", TcmTechnique.MASSAGE),
                ("MOXIBUSTION", TcmTechnique.MOXIBUSTION),
            ):
                for _ in range(rng.randint(0, 3)):
                    self.add(s, code, when(), ServiceChannel.FACE_TO_FACE, tcm_doctor, tcm=tech)
        if promised["ACUPUNCTURE"] or ("elderly" in s.kinds and rng.random() < 0.35):
            self.add(
                s,
                "TCM_CONSTITUTION",
                when(),
                ServiceChannel.FACE_TO_FACE,
                tcm_doctor,
                tcm=TcmTechnique.CONSTITUTION,
            )

    def flush(self) -> int:
        ServiceRecord.objects.bulk_create(self.records, batch_size=BATCH)
        Measurement.objects.bulk_create(
            [Measurement(record=r, kind=k, value=v, source=src) for r, k, v, src in self.measures],
            batch_size=BATCH,
        )
        rows = []
        for r, ha in self.assessments:
            ha.record = r
            rows.append(ha)
        HealthAssessment.objects.bulk_create(rows, batch_size=BATCH)
        RiskAssessment.objects.bulk_create(self.risks, batch_size=BATCH)
        return len(self.records)


def fulfil_institution(rng, cat: Catalogue, today: dt.date, result, policy) -> int:
    f = Fulfilment(rng, cat, today, result, policy)
    for s in result.in_force:
        f.resident(s)
    return f.flush()


def contact_plans_bulk(contracts, *, today: dt.date) -> int:
    """Contact plans for the residents of `contracts` (a Contract queryset), with the values
    `contact_plan_sync` computes one by one: worst current colour, the policy's interval for it,
    the last valid contact since signing, and the next due date."""
    last = (
        ServiceRecord.objects.filter(
            resident_id=OuterRef("resident_id"),
            is_contact=True,
            status=RecordStatus.VALID,
            performed_on__gte=OuterRef("agreement__signed_on"),
        )
        .order_by()
        .values("resident_id")
        .annotate(m=Max("performed_on"))
        .values("m")
    )
    rows = list(
        contracts.in_force()
        .annotate(last=Subquery(last))
        .values_list(
            "pk",
            "resident_id",
            "team_id",
            "doctor_id",
            "institution_id",
            "institution__region_id",
            "agreement__signed_on",
            "last",
            "county_code",
            "region_code",
        )
    )
    resident_ids = [r[1] for r in rows]
    worst: dict[int, str] = {}
    for i in range(0, len(resident_ids), 900):
        for rid, colour in RiskAssessment.objects.filter(
            resident_id__in=resident_ids[i : i + 900], is_current=True
        ).values_list("resident_id", "colour"):
            if COLOUR_RANK[colour] > COLOUR_RANK.get(worst.get(rid, ""), 0):
                worst[rid] = colour
    from jiayi.registry.models import Region

    policies = {}
    plans = []
    for pk, rid, team, doctor, inst, region_id, signed_on, last_on, county, region_code in rows:
        if region_id not in policies:
            policies[region_id] = policy_for(Region.objects.get(pk=region_id), today.year)
        colour = worst.get(rid, "")
        interval = interval_for(policies[region_id], colour)
        plans.append(
            ContactPlan(
                resident_id=rid,
                contract_id=pk,
                team_id=team,
                doctor_id=doctor,
                institution_id=inst,
                colour=colour,
                interval_days=interval,
                signed_on=signed_on,
                last_contact_on=last_on,
                next_due_on=(last_on or signed_on) + dt.timedelta(days=interval),
                county_code=county,
                region_code=region_code,
            )
        )
    for i in range(0, len(resident_ids), 900):
        ContactPlan.objects.filter(resident_id__in=resident_ids[i : i + 900]).delete()
    ContactPlan.objects.bulk_create(plans, batch_size=BATCH)
    return len(plans)
