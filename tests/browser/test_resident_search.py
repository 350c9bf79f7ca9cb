"""A family doctor logs in, finds a resident by name and by whole ID, opens the record, sees the
masked ID, reveals the whole ID (which is logged) — at desktop width and at a phone's 390 px."""

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse

from jiayi.core.models import AccessEvent, Role
from tests.core.helpers import PASSWORD
from tests.factories import (
    InstitutionFactory,
    ResidentFactory,
    TeamFactory,
    UserFactory,
    county,
    make_national_id,
    township,
    village,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(transactional_db):
    try:
        reverse("registry:resident_list")
    except NoReverseMatch:
        pytest.skip("the registry screens are not there yet")
    t = township(county())
    v = village(t)
    inst = InstitutionFactory(region=t, name="城西卫生院")
    team = TeamFactory(institution=inst, name="城西一队")
    nid = make_national_id(dt.date(1952, 3, 4), "M")
    li = ResidentFactory(institution=inst, region=v, team=team, name="李大爷", national_id=nid)
    ResidentFactory(institution=inst, region=v, team=team, name="李强")
    ResidentFactory(institution=inst, region=v, team=team, name="王芳")
    doctor = UserFactory(username="dr_tan", role=Role.DOCTOR, team=team, display_name="谭医生")
    return {"resident": li, "nid": nid, "doctor": doctor}


def log_in(page, base):
    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "dr_tan")
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(base + "/")


def search(page, base, q):
    """The search box of the team's home page (GET registry:resident_list?q=…)."""
    page.goto(base + "/")
    box = page.locator("main input[name=q]").first
    box.fill(q)
    box.press("Enter")
    page.wait_for_load_state("load")
    assert reverse("registry:resident_list") in page.url


def open_and_reveal(page, data):
    li, nid = data["resident"], data["nid"]
    page.locator("main a", has_text="李大爷").first.click()
    page.wait_for_url(f"**{reverse('registry:resident_detail', args=[li.pk])}")
    body = page.locator("main").inner_text()
    assert li.id_masked in body
    assert nid not in body
    page.get_by_role("button", name="显示完整身份证号").click()
    page.locator("main", has_text=nid).wait_for(timeout=5000)
    assert AccessEvent.objects.filter(object_id=str(li.pk), actor=data["doctor"]).count() == 1


def test_search_by_name_and_id_then_reveal(browser_page, live_server, data):
    page, base = browser_page, live_server.url
    log_in(page, base)
    search(page, base, "李大")
    listing = page.locator("main").inner_text()
    assert "李大爷" in listing and "王芳" not in listing
    assert data["nid"] not in listing  # lists show the masked ID only
    search(page, base, data["nid"])
    listing = page.locator("main").inner_text()
    assert "李大爷" in listing and "李强" not in listing
    open_and_reveal(page, data)


def test_phone_width_nav_collapses_and_search_works(browser_page, live_server, data):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base)
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not page.locator("#mainnav").is_visible()
    toggler.click()
    page.locator("#mainnav").wait_for(state="visible")
    assert page.locator("#mainnav a", has_text="居民").first.is_visible()
    search(page, base, data["nid"])
    assert "李大爷" in page.locator("main").inner_text()
    # Nothing wider than the screen: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    open_and_reveal(page, data)
