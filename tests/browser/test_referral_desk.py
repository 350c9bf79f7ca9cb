"""SCENARIOS 3: the district hospital's desk accepts a referral, books a reserved expert slot,
completes it and refers the patient back down; the family doctor sees each step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayi.policy.models import PolicySetting
from jiayi.referrals import services as s
from jiayi.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"


@pytest.fixture
def world(transactional_db):
    from tests.referrals.conftest import World

    w = World()
    PolicySetting.objects.update_or_create(
        region=w.county,
        year=timezone.localdate().year,
        defaults={
            "allowed_terms": [1],
            "slot_reserve_percent": Decimal("33.33"),
            "slot_release_lead_days": 7,
        },
    )
    w.referral = s.referral_request(
        actor=w.doc,
        resident=w.signed,
        to_institution=w.hospital,
        department="心血管内科",
        reason="反复胸闷，需心内科评估",
    )
    w.pool = s.slotpool_publish(
        actor=w.desk,
        hospital=w.hospital,
        department="心血管内科",
        kind="expert",
        date=timezone.localdate() + dt.timedelta(days=12),
        start_time=dt.time(8, 0),
        capacity=6,
        provider="陈主任",
    )
    return w


def log_in(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(base + "/")


def click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def test_desk_accepts_books_completes_and_refers_down(browser_page, live_server, world):
    page, base = browser_page, live_server.url
    log_in(page, base, world.desk.username)
    page.goto(base + reverse("referrals:referral_list"))
    assert "李大爷" in page.locator("main").inner_text()
    click_and_wait(page, page.locator("main a", has_text="李大爷").first)
    click_and_wait(page, page.get_by_role("button", name="接收转诊"))
    assert "已接收" in page.locator("#referral-status").inner_text()
    options = page.locator("select[name=slot] option").all_inner_texts()
    assert len(options) == 6 and "家庭医生预留" in options[0]
    page.select_option("select[name=slot]", index=0)
    click_and_wait(page, page.locator("form:has(input[name=action][value=schedule]) button[type=submit]"))
    assert "已预约" in page.locator("#referral-status").inner_text()
    assert "08:00" in page.locator("#booked-slot").inner_text()
    click_and_wait(page, page.get_by_role("button", name="完成诊治"))
    assert "已完成" in page.locator("#referral-status").inner_text()
    page.fill("textarea[name=clinical_summary]", "PCI术后，规律服药，回基层康复随访")
    click_and_wait(page, page.locator("form:has(input[name=action][value=refer_down]) button[type=submit]"))
    down = Referral.objects.get(direction="down")
    assert page.url.endswith(reverse("referrals:referral_detail", args=[down.pk]))
    assert "城西卫生院" in page.locator("main").inner_text()

    # The family doctor sees the steps, on a phone.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base, world.doc.username)
    page.goto(base + reverse("referrals:referral_list") + "?box=all")
    listing = page.locator("main").inner_text()
    assert "已完成" in listing and "待接收" in listing  # the up-referral and its way back down
    page.goto(base + reverse("referrals:referral_detail", args=[world.referral.pk]))
    timeline = page.locator("#timeline").inner_text()
    for step in ("发起转诊", "接收", "预约号源", "完成诊治", "下转"):
        assert step in timeline
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(base + reverse("referrals:referral_detail", args=[down.pk]))
    click_and_wait(page, page.get_by_role("button", name="确认接回基层"))
    assert "已回基层" in page.locator("#referral-status").inner_text()
