"""The satisfaction indicator reads the surveys app's rate (R-EVA-3, R-EVA-6)."""

import pytest
from django.utils import timezone

from jiayi.evaluation.indicators import Unit, compute
from jiayi.surveys import services as s
from tests.surveys.conftest import GOOD, SurveyWorld

pytestmark = pytest.mark.django_db


def test_satisfaction_indicator_for_team_institution_and_region():
    sw = SurveyWorld()
    for i, (resident, overall) in enumerate(
        zip([sw.single, sw.son, sw.grandpa], ["5", "4", "2"], strict=True)
    ):
        sw.sign(resident)
        s.survey_response_submit(
            actor=sw.resident_user(resident, f"u{i}"),
            questionnaire=sw.qn,
            answers={**GOOD, "overall": overall},
        )
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    team = compute("satisfaction", Unit("team", team_id=sw.team.pk), start, today)
    assert (team.numerator, team.denominator, str(team.value)) == (2, 3, "66.7")
    inst = compute("satisfaction", Unit("institution", institution_id=sw.inst.pk), start, today)
    assert inst.denominator == 3
    region = compute("satisfaction", Unit("region", region_prefix=sw.county.prefix), start, today)
    assert region.denominator == 3
    other = compute("satisfaction", Unit("institution", institution_id=sw.inst2.pk), start, today)
    assert other.denominator == 0 and other.value is None
