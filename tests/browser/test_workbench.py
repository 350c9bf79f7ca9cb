"""A family doctor opens the workbench, records a follow-up from an overdue row in two clicks
(“记录联系”, then “保存随访”), and the row leaves the overdue list — at desktop and phone width."""

import pytest
from django.urls import NoReverseMatch, reverse

from jiayi.care.models import ContactPlan, ServiceRecord
from tests.care.conftest import CareWorld
from tests.core.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    try:
        reverse("care:workbench")
    except NoReverseMatch:  # pragma: no cover
        pytest.skip("the care screens are not there yet")
    w = CareWorld()
    w.sign(w.single, days_ago=120)  # overdue
    w.sign(w.grandpa, days_ago=100)  # overdue too
    return w


def log_in(page, base):
    page.goto(base + reverse("care:workbench"))
    page.fill("#id_username", "doc")
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(f"**{reverse('care:workbench')}")


def _record_from_overdue_row(page, world):
    overdue = page.locator("#list-overdue")
    row = overdue.locator(f"li[data-resident='{world.single.pk}']")
    assert row.is_visible()
    assert page.locator("[data-count=overdue]").inner_text() == "2"
    row.get_by_role("button", name="记录联系").click()  # click 1
    row.get_by_role("button", name="保存随访").click()  # click 2 (phone is preselected)
    page.locator("#worklists .alert", has_text="已记录").wait_for(timeout=5000)
    assert page.locator("[data-count=overdue]").inner_text() == "1"
    assert page.locator(f"#list-overdue li[data-resident='{world.single.pk}']").count() == 0
    assert page.locator(f"#list-overdue li[data-resident='{world.grandpa.pk}']").count() == 1
    rec = ServiceRecord.objects.get(resident=world.single)
    assert rec.channel == "phone" and rec.item.code == "FOLLOW_UP"
    assert ContactPlan.objects.get(resident=world.single).last_contact_on == world.today


def test_two_click_follow_up_moves_row_out_of_overdue(browser_page, live_server, world):
    page, base = browser_page, live_server.url
    log_in(page, base)
    _record_from_overdue_row(page, world)


def test_phone_width(browser_page, live_server, world):
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base)
    _record_from_overdue_row(page, world)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(base + reverse("care:resident_care", args=[world.single.pk]))
    page.locator("#bp-chart canvas").wait_for(timeout=5000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
