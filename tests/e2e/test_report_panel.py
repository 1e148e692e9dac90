"""The hazard report in the map's "Here" panel: hazards, numbered shelters on the map, their popups, the way
back from /here, and axe-core on the panel, in a real Chromium against the live service."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import new_map_page, open_panel, screenshot, wait_until_ready
from tests.e2e.test_accessibility import serious_violations

pytestmark = pytest.mark.e2e

UMEDA = (34.7025, 135.4959)  # 大阪市北区: inside the demo's (fictional) flood zone
NAMES = {
    "ja": {
        "centre": "この地点の危険",
        "shelters": "避難先の候補",
        "back": "地図に戻る（この地点）",
        "straight": "直線",
    },
    "en": {
        "centre": "Risks at the map centre",
        "shelters": "Shelters to go to",
        "back": "Back to the map at this point",
        "straight": "in a straight line",
    },
}


@pytest.fixture
def open_map(browser, live_app):
    """The map on a device in a language (the language cookie, as the switch sets it); closed after."""
    pages = []

    def open_map(device, lang="ja"):
        page = new_map_page(browser, live_app, device, wait=False, bypass_csp=True)  # axe-core is injected
        pages.append(page)
        if lang == "en":
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_app}])
            page.reload()
        wait_until_ready(page)
        return page

    yield open_map
    for page in pages:
        page.context.close()


def marker_points(page):
    """The report's markers on the map: the point's and the numbered shelters', as screen positions."""
    return page.evaluate(
        """() => {
            const box = (el) => {
                const r = el.getBoundingClientRect();
                return [r.x + r.width / 2, r.y + r.height / 2];
            };
            const shelters = [...document.querySelectorAll('.report-shelter-icon')];
            const map = document.getElementById('map').getBoundingClientRect();
            return {
                point: [...document.querySelectorAll('.report-point-icon')].map(box),
                shelters: shelters.map((el) => [el.textContent.trim()[0], ...box(el)]),
                map: [map.left, map.top, map.right, map.bottom],
            };
        }"""
    )


def show_centre_report(page, lang):
    page.evaluate(f"() => window.osakaMap.map.setView([{UMEDA[0]}, {UMEDA[1]}], 15, {{ animate: false }})")
    panel = open_panel(page, "here")
    page.get_by_role("button", name=NAMES[lang]["centre"]).click()
    expect(panel.locator(".here-shelter").first).to_be_visible()
    return panel


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_risks_at_the_map_centre_show_the_report_in_the_panel_and_on_the_map(open_map, device, lang):
    page = open_map(device, lang)
    panel = show_centre_report(page, lang)
    # Focus on the report's heading: a screen reader reads it out, the keyboard goes on from there.
    expect(panel.locator(".here-report-heading")).to_be_focused()
    # Hazards first, then the shelters, numbered, each saying its status, its straight-line distance and
    # whether it suits the hazards here; names from the data are marked Japanese.
    report = panel.locator("#here-report")
    texts = report.locator(":scope > *").all_text_contents()
    hazard_at = next(i for i, t in enumerate(texts) if "洪水" in t or "River flood" in t)
    shelters_at = texts.index(NAMES[lang]["shelters"])
    assert hazard_at < shelters_at
    buttons = panel.locator(".here-shelter")
    assert buttons.count() == 5
    for n in range(5):
        button = buttons.nth(n)
        expect(button.locator(".here-rank")).to_have_text(str(n + 1))
        expect(button.locator(".here-shelter-meta")).to_contain_text(NAMES[lang]["straight"])
        expect(button.locator(".here-shelter-name [lang=ja]")).not_to_be_empty()
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    # On the map: the point and five numbered shelters, in view and not under the panel.
    drawn = marker_points(page)
    assert len(drawn["point"]) == 1 and sorted(s[0] for s in drawn["shelters"]) == ["1", "2", "3", "4", "5"]
    left, top, right, bottom = drawn["map"]
    panel_box = panel.bounding_box()
    for x, y in [*drawn["point"], *[s[1:] for s in drawn["shelters"]]]:
        assert left <= x <= right and top <= y <= bottom
        inside_panel = panel_box["x"] <= x <= panel_box["x"] + panel_box["width"] and panel_box["y"] <= y
        assert not inside_panel
    point_label = page.locator(".report-point").get_attribute("aria-label")
    assert point_label
    screenshot(page, f"report-panel-{device}-{lang}.png")
    # The address keeps the report's point, so a shared link opens the same report.
    page.wait_for_function("() => new URLSearchParams(window.location.search).has('report')")
    # Closing the panel takes the report's markers off the map; opening it again brings them back.
    page.locator("#open-here").click()
    assert marker_points(page)["shelters"] == []
    page.locator("#open-here").click()
    assert len(marker_points(page)["shelters"]) == 5
    assert page.errors == []


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_report_shelter_button_opens_its_popup_and_focus_comes_back(open_map, device):
    page = open_map(device)
    panel = show_centre_report(page, "ja")
    first = panel.locator(".here-shelter").first
    name = first.locator(".here-shelter-name [lang=ja]").text_content()
    first.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".popup-title")).to_have_text(name)
    expect(popup.locator(".popup-title")).to_be_focused()
    # The numbered markers stay while the shelter is shown, even where the sheet closed for the popup.
    assert len(marker_points(page)["shelters"]) == 5
    screenshot(page, f"report-panel-popup-{device}-ja.png")
    page.keyboard.press("Escape")
    expect(panel).to_be_visible()
    expect(first).to_be_focused()
    assert page.errors == []


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_here_links_back_to_the_map_at_its_point_with_the_report(browser, live_app, lang):
    page = new_map_page(browser, live_app, "phone", wait=False)
    try:
        if lang == "en":
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_app}])
        page.goto(f"{live_app}/here?lat={UMEDA[0]}&lon={UMEDA[1]}")
        link = page.get_by_role("link", name=NAMES[lang]["back"])
        assert link.bounding_box()["height"] >= 44
        link.click()
        wait_until_ready(page)
        panel = page.locator("#panel-here")
        expect(panel.locator(".here-shelter").first).to_be_visible()
        # The map opens at the point: its marker is there, in view above the sheet.
        at = page.evaluate(
            """() => { const m = window.osakaMap.map; const icon = document.querySelector('.report-point-icon');
                       const r = icon.getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();
                       const ll = m.containerPointToLatLng([r.x + r.width / 2 - c.left, r.bottom - c.top]);
                       return { lat: ll.lat, lng: ll.lng, bottom: r.bottom }; }"""
        )
        assert at["lat"] == pytest.approx(UMEDA[0], abs=2e-4) and at["lng"] == pytest.approx(UMEDA[1], abs=2e-4)
        assert at["bottom"] <= panel.bounding_box()["y"]
        screenshot(page, f"report-panel-from-here-phone-{lang}.png")
        assert page.errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_report_panel_has_no_serious_violations(open_map, device, lang):
    page = open_map(device, lang)
    show_centre_report(page, lang)
    assert serious_violations(page, "#panel-here") == []
    assert serious_violations(page, ".leaflet-marker-pane") == []
