"""The same signing behaves differently under two district presets (R-POL, R-CON-3, R-CON-6)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayi.contracts import services as s
from jiayi.contracts.errors import TermNotAllowed
from jiayi.contracts.models import Contract
from jiayi.registry.models import Region

from .conftest import World, sign_kwargs

pytestmark = pytest.mark.django_db


def _world_in(county_code: str) -> World:
    """The test world moved under a real district whose preset is loaded."""
    call_command("load_policy_presets", verbosity=0)
    w = World()
    county = Region.objects.get(code=county_code + "000000")
    for r in (w.township, w.village):
        r.parent = county if r == w.township else w.township
        r.code = county_code + r.code[6:]
        r.save()
    w.inst.save()
    for person in (w.single, w.grandpa, w.son, w.boy):
        person.save()
    return w


def _two_years_with(world):
    """Give the resident two unbroken years with the doctor, ending yesterday."""
    first = s.contract_sign(**sign_kwargs(world)).contracts[0]
    today = world.today
    Contract.objects.filter(pk=first.pk).update(
        start=today - dt.timedelta(days=730), end=today - dt.timedelta(days=1), status="expired", term_years=2
    )


@pytest.mark.parametrize(("county", "allowed"), [("500114", True), ("370306", False)])
def test_multi_year_term_allowed_in_qianjiang_refused_in_zhoucun(county, allowed):
    world = _world_in(county)
    _two_years_with(world)
    if allowed:
        assert s.contract_sign(**sign_kwargs(world, term_years=3)).contracts[0].term_years == 3
    else:
        with pytest.raises(TermNotAllowed) as exc:
            s.contract_sign(**sign_kwargs(world, term_years=3))
        assert exc.value.details["allowed"] == [1]


@pytest.mark.parametrize(("county", "has_window"), [("500114", True), ("310115", False)])
def test_signing_window_warns_in_qianjiang_second_half_only(county, has_window):
    second_half = timezone.localdate().month > 6
    world = _world_in(county)
    warnings = s.contract_sign(**sign_kwargs(world)).warnings
    assert bool(warnings) == (has_window and second_half)
