"""Offline tolerance: a resident who loaded the map once still sees it, with the age of the status, when
the network fails (the service worker's app shell, last catalogue and last status feed)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_map_page, screenshot, wait_until_ready

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("device", ["phone"])
def test_the_map_opens_offline_with_the_last_status_and_its_age(browser, live_app, device):
    page = new_map_page(browser, live_app, device)
    try:
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        # Once more under the worker's control, so it has seen the feed and the catalogue.
        page.reload()
        wait_until_ready(page)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_timeout(1000)

        page.context.set_offline(True)
        page.reload()
        wait_until_ready(page)
        assert page.evaluate("() => window.osakaMap.counts().municipalities") == 43
        expect(page.locator("#offline")).to_be_visible(timeout=10_000)
        expect(page.locator("#offline")).to_contain_text("オフライン")
        screenshot(page, f"map-{device}-offline-ja.png")
    finally:
        page.context.close()


def test_the_service_worker_is_served_at_the_root_and_never_cached_long(client, db):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    # The map's script: the bundle when it is current, else the modules.
    assert ("/static/build/map" in body or "/static/frontend/js/main.js" in body) and "/api/shelters/status/" in body
