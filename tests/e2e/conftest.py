"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium, never Playwright's download.

Nothing leaves the machine: requests to any host but the live server (the base map tiles) get an
empty 204.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an event loop in this thread; the ORM calls in these tests are plain
# synchronous code that Django would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
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
