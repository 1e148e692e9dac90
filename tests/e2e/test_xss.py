"""Stored XSS in the browser: shelters whose every field holds script and markup, imported through the
real importer, are shown literally in the map's list, popups and search, on the map and the embeddable
map, and no script of theirs runs (no dialog opens, no element gains an on… handler)."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from importers.runs import rollback_last_publish
from layers.models import Layer, Municipality, ShelterStatus
from layers.status.service import update_status
from tests.e2e.conftest import keep_local, open_panel, screenshot, wait_until_ready
from tests.factories import SUITA
from tests.security.xss import PAYLOADS, POINT, import_hostile_shelters

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hostile_shelters(django_db_blocker, live_app, tmp_path_factory):
    """Committed (the server is another process); 吹田市's shelters are rolled back to before them after."""
    with django_db_blocker.unblock():
        features = import_hostile_shelters(tmp_path_factory.mktemp("xss"))
        root = User.objects.create_superuser("e2e-xss-root")
        for feature, payload in zip(features, PAYLOADS, strict=True):
            update_status(feature, {"opening_status": "open", "evacuee_count": 2, "note": payload}, 0, root)
    yield features
    with django_db_blocker.unblock():
        ShelterStatus.objects.filter(source_id__in=[f.source_id for f in features]).delete()
        rollback_last_publish(Layer.objects.get(slug="shelters"), Municipality.objects.get(code=SUITA), None)
        root.delete()


@pytest.fixture
def watched_page(browser, live_app):
    """A page that records every dialog (alert, confirm, prompt) instead of showing it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    keep_local(context, live_app)
    page = context.new_page()
    page.dialogs = []

    def record(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    yield page
    context.close()


@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_hostile_text_is_shown_literally_and_never_runs(watched_page, live_app, hostile_shelters, path):
    page = watched_page
    lon, lat = POINT
    page.goto(f"{live_app}{path}?layers=shelters&at={lat},{lon + 0.00005},18")
    wait_until_ready(page)

    for n, payload in enumerate(PAYLOADS):
        name = f"避難所{n}{payload}"
        page.keyboard.press("Escape")
        page.evaluate("([lat, lon]) => window.osakaMap.map.setView([lat, lon], 18, {animate: false})", [lat, lon])
        open_panel(page, "list")
        # Compared as plain strings: the name shown is exactly what the file held. Found and clicked in
        # one step, as the list redraws whenever the map moves.
        page.wait_for_function(
            """(name) => [...document.querySelectorAll("#feature-list-items .feature-name")]
                .some((node) => node.textContent === name)""",
            arg=name,
        )
        page.evaluate(
            """(name) => [...document.querySelectorAll("#feature-list-items .feature-button")]
                .find((button) => button.querySelector(".feature-name").textContent === name).click()""",
            name,
        )
        popup = page.locator(".leaflet-popup")
        expect(popup.locator(".popup-title")).to_have_text(name)
        expect(popup.locator(".popup-kana")).to_have_text(payload)
        expect(popup.locator(".popup-live-note")).to_have_text(payload)
        fields = popup.locator(".popup-fields")
        expect(fields).to_contain_text(f"吹田市{payload}")  # the address
        assert fields.locator("dd").all_text_contents().count(payload) >= 3  # who is accepted, phone, URL, remarks
        if n == 0:
            screenshot(page, f"xss-popup-{path.strip('/') or 'map'}.png")

    # The search lists them with the matched part marked, as text.
    page.locator("#search-input").fill("避難所1")
    result = page.locator("#search-results li").filter(has_text=PAYLOADS[1])
    expect(result.first).to_be_visible()
    assert PAYLOADS[1] in result.first.text_content()

    page.wait_for_timeout(500)  # an onerror or onload would have fired by now
    assert page.dialogs == []
    assert page.locator("[onerror], [onload], .leaflet-popup script, #feature-list-items script").count() == 0
