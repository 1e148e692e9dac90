"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium, never Playwright's download.

Nothing leaves the machine: requests to any host but the live server (the base map tiles) get an
empty 204.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an event loop in this thread; the ORM calls in these tests are plain
# synchronous code that Django would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# The sizes: a small phone (360×640) and a laptop (1280×800).
DEVICES = {
    "phone": {
        "viewport": {"width": 360, "height": 640},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def keep_local(context, live_app):
    """Answers every request to another host than the live server with an empty 204; returns their URLs."""
    host = urlsplit(live_app).netloc
    outside = []

    def route(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.fulfill(status=204)

    context.route("**/*", route)
    return outside


def new_map_page(browser, live_app, device, *, locale="ja-JP", wait=True, **options):
    """The map in a fresh browser context (close it with page.context.close()).

    The page records console errors in `page.errors` and outside requests in `page.outside_requests`.
    """
    context = browser.new_context(**DEVICES[device], locale=locale, timezone_id="Asia/Tokyo", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.errors = []
    page.outside_requests = keep_local(context, live_app)
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(f"{live_app}/")
    if wait:
        wait_until_ready(page)
    return page


def wait_until_ready(page):
    try:
        page.wait_for_function("() => window.osakaMap !== undefined")
    except PlaywrightTimeoutError:
        pytest.fail(f"the map did not start; browser errors: {page.errors}")
    page.evaluate("() => window.osakaMap.ready.then(() => true)")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # Leaflet fades popups in over 0.2 s
    page.screenshot(path=SCREENSHOTS / name)


def open_panel(page, name):
    """Opens one of the toolbar's panels (layers, filters, legend, list, here) unless it is open."""
    button = page.locator(f"#open-{name}")
    if button.get_attribute("aria-expanded") != "true":
        button.click()
    return page.locator(f"#panel-{name}")


def map_config(page):
    return json.loads(page.locator("#map-config").text_content())
