import os
import shutil

import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is the production hasher; tests do not need its cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chromium_path():
    path = os.environ.get("JIAYI_CHROMIUM", "/usr/bin/chromium")
    if not shutil.which(path):
        if os.environ.get("JIAYI_REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {path}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(chromium_path):
    """A Playwright page in Debian's Chromium, at a tablet-ish width, Chinese locale."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        browser.close()
        assert not errors, f"JavaScript errors on the page: {errors}"
