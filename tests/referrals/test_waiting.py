"""The workbench's "referrals waiting" list for a team (SCENARIOS 2)."""

import pytest

from jiayi.referrals import queries as q
from jiayi.referrals import services as s

from .test_services import up

pytestmark = pytest.mark.django_db


def test_waiting_follows_the_referral_through_its_steps(world):
    def waiting():
        return list(q.waiting_for_team(world.doc, team_id=world.team.pk))

    assert waiting() == []
    ref = up(world)
    assert waiting() == [ref]
    ref = s.referral_accept(actor=world.desk, referral=ref)
    assert waiting() == [ref]  # the hospital's answer is what the team looks at
    ref = s.referral_complete(actor=world.desk, referral=ref)
    assert waiting() == []
    down = s.referral_refer_down(actor=world.desk, referral=ref, reason="康复期回社区随访")
    assert waiting() == [down]
    s.referral_return(actor=world.doc, referral=down)
    assert waiting() == []
    # another team sees none of it
    assert list(q.waiting_for_team(world.doc2, team_id=world.team.pk)) == []
