"""The commission user opens the monitoring dashboard, finds the lagging institution by gap and
drills down region › institution › team; the charts render without JavaScript errors."""

import pytest
from django.utils import timezone

from jiayi.evaluation import rollups
from jiayi.registry.models import PopulationBaseline
from tests.core.helpers import PASSWORD
from tests.evaluation.conftest import EvalWorld
from tests.factories import InstitutionFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(transactional_db):
    w = EvalWorld()
    year = timezone.localdate().year
    w.policy(signing_window_start="01-01", signing_window_end="12-31",
             targets=[{"year": year, "month": 12, "overall": 40, "key_population": 80}])  # fmt: skip
    w.sign(w.grandpa)
    w.sign(w.son)
    w.sign(w.single, team=w.other_team)
    PopulationBaseline.objects.create(institution=w.inst, year=year, population="all", count=10)
    lagging = InstitutionFactory(region=w.township, name="落后卫生院")
    TeamFactory(institution=lagging, name="落后一队")
    PopulationBaseline.objects.create(institution=lagging, year=year, population="all", count=1000)
    rollups.refresh_dirty()
    return w


def log_in(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(base + "/")


def test_commission_drills_down(browser_page, live_server, data):
    page, base = browser_page, live_server.url
    log_in(page, base, "wjw")
    page.click("nav >> text=监测考核")  # the menu section opens as a dropdown
    page.click("nav .dropdown-menu >> text=监测")
    page.wait_for_selector("#coverage-table")
    page.wait_for_selector("#chart-units canvas")
    page.click("#sort-gap")
    page.wait_for_load_state("load")
    first = page.locator("#coverage-table tbody tr").first
    assert "落后卫生院" in first.inner_text()
    # region › institution
    page.click(f"#coverage-table >> text={data.inst.name}")
    page.wait_for_selector("#trajectory-table")
    assert data.inst.name in page.locator("#drill").inner_text()
    assert "王医生团队" in page.locator("#coverage-table").inner_text()
    # institution › team
    page.click("#coverage-table >> text=王医生团队")
    page.wait_for_load_state("load")
    crumbs = page.locator("#drill").inner_text()
    assert data.inst.name in crumbs and "王医生团队" in crumbs
    row = page.locator("#coverage-table tbody tr").first.inner_text()
    assert "2" in row  # grandpa and son
    # back up to the region by the breadcrumb
    page.click("#drill >> text=辖区")
    page.wait_for_selector("#chart-trend canvas")


def test_dashboard_at_phone_width(browser_page, live_server, data):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, "wjw")
    page.goto(base + "/evaluation/")
    page.wait_for_selector("#chart-units canvas")
    # the page does not scroll sideways: wide tables scroll inside .table-responsive
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
