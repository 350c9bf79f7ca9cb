"""A family doctor signs a resident (scenario 1, individual): finds them on "新签约", signs with a
signature drawn on the canvas, lands on the contract page, opens the A4 print page and downloads
the PDF. The flow from the search to the signed contract is two page loads and two clicks plus
the signature stroke."""

import io
import time

import pytest
from django.urls import reverse
from PIL import Image

from jiayi.contracts.models import Contract, ContractStatus
from jiayi.core.models import AccessEvent
from tests.contracts.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's default


@pytest.fixture
def world(transactional_db):
    return World()


def log_in(page, base, username):
    page.goto(base + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")
    page.wait_for_url(base + "/")


def draw_signature(page):
    canvas = page.locator("canvas.signature-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + i * 12, y + (18 if i % 2 else -18), steps=2)
    page.mouse.up()


def test_doctor_signs_prints_and_downloads(browser_page, live_server, world, tmp_path):
    page = browser_page
    base = live_server.url
    log_in(page, base, world.user.username)

    started = time.monotonic()
    loads = 0
    page.goto(base + reverse("contracts:new"))
    loads += 1
    page.fill("#q", "张三")  # htmx replaces the results while typing: no page load
    link = page.locator("[data-sign-link]").first
    link.wait_for()
    link.click()  # click 1
    page.wait_for_url(base + reverse("contracts:sign", args=[world.single.pk]))
    loads += 1
    # the basic package is ticked and its price shown in the total already
    assert page.locator(f"input[name=packages][value='{world.basic.pk}']").is_checked()
    draw_signature(page)
    assert page.locator("#id_signature").input_value().startswith("data:image/png;base64,")
    page.click("main button[type=submit]")  # click 2
    page.wait_for_selector("text=签约成功")
    loads += 1
    elapsed = time.monotonic() - started
    print(f"\nsigning flow: {loads} page loads, 2 clicks + 1 signature stroke, {elapsed:.1f} s")

    contract = Contract.objects.get(resident=world.single)
    assert contract.status == ContractStatus.ACTIVE
    assert page.url == base + reverse("contracts:contract_detail", args=[contract.pk])
    png = bytes(contract.agreement.signature_png)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.getbbox() is not None  # something was drawn

    with page.context.expect_page() as new_page:
        page.click("[data-print-link]")
    printed = new_page.value
    printed.wait_for_load_state()
    assert "家庭医生签约服务协议" in printed.content()
    assert world.single.national_id in printed.content()  # the whole ID on paper, and logged
    assert printed.locator("img.doc-signature").count() == 1
    assert AccessEvent.objects.filter(object_id=str(world.single.pk), field="national_id").exists()
    printed.close()

    with page.expect_download() as dl:
        page.click("[data-pdf-link]")
    download = dl.value
    assert "家庭医生签约服务协议" in download.suggested_filename
    target = tmp_path / "agreement.pdf"
    download.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")


def test_family_signing_at_phone_width(browser_page, live_server, world):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    base = live_server.url
    log_in(page, base, world.user.username)
    page.goto(base + reverse("registry:household_detail", args=[world.household.pk]))
    page.click("[data-sign-family-link]")  # loaded into the household page by htmx
    page.wait_for_url(base + reverse("contracts:sign_family", args=[world.household.pk]))
    # the elderly package for the grandfather (suggested), basic for everyone (ticked)
    page.check(f"input[name=packages_{world.grandpa.pk}][value='{world.elderly.pk}']")
    assert page.locator("[data-total-resident]").inner_text() == "60.00"
    page.check("#id_resident_paid")
    draw_signature(page)
    page.click("main button[type=submit]")
    page.wait_for_selector("text=签约成功")
    assert Contract.objects.filter(agreement__kind="family").count() == 3
    assert Contract.objects.get(resident=world.grandpa).status == ContractStatus.ACTIVE
