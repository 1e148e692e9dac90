"""The search box and the "here" reports on the map page, in a real Chromium against the live service."""

import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import map_config, new_map_page, open_panel, screenshot

pytestmark = pytest.mark.e2e

SUITA = "27205"
UMEDA = {"latitude": 34.7025, "longitude": 135.4959}


def api(live_app, path, **query):
    url = f"{live_app}{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def open_map(browser, live_app):
    """Opens the map on a device, in a language, with any other context options; closes them after."""
    pages = []

    def open_map(device, locale="ja-JP", **options):
        page = new_map_page(browser, live_app, device, locale=locale, **options)
        pages.append(page)
        return page

    yield open_map
    for page in pages:
        page.context.close()


def search_for(page, text):
    """Types into the search box as a person would, and waits for the answer to be announced."""
    box = page.get_by_role("combobox")
    box.click()
    box.fill("")
    box.press_sequentially(text, delay=30)
    expect(page.locator("#search-live")).not_to_be_empty()
    return box


def options(page):
    return page.locator("#search-results [role=option]")


def map_centre(page):
    return page.evaluate("() => { const c = window.osakaMap.map.getCenter(); return [c.lng, c.lat]; }")


def unique_name(live_app, layer):
    """A feature of `layer` whose name the search finds exactly once, first: (name, feature id)."""
    features = api(live_app, f"/api/layers/{layer}/features/", limit=200)["features"]
    for feature in features:
        name = feature["properties"].get("name")
        if not name:
            continue
        found = api(live_app, "/api/search/", q=name, limit=8)["features"]
        exact = [f for f in found if f["properties"]["name"] == name]
        if len(exact) == 1 and exact[0]["properties"]["feature_id"] == feature["id"]:
            return name, feature["id"]
    pytest.fail(f"no {layer} feature with a name found exactly once")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_hiragana_offers_suita_and_choosing_it_fits_the_map_to_suita(open_map, live_app, device):
    page = open_map(device)
    suita = next(f for f in api(live_app, "/api/search/", q="吹田市")["features"] if f["id"] == f"municipality:{SUITA}")
    west, south, east, north = suita["bbox"]

    box = search_for(page, "すいた")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", "search-results")
    first = options(page).first
    expect(first.locator(".search-name")).to_have_text("吹田市")
    expect(first.locator(".search-meta")).to_contain_text("市区町村")
    # The reading matched: shown with the typed part marked.
    expect(first.locator(".search-matched mark")).to_have_text("すいた")
    count = options(page).count()
    expect(page.locator("#search-live")).to_have_text(f"{count} 件")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    if device == "phone":
        screenshot(page, "search-phone-ja.png")

    if device == "phone":
        first.tap()
    else:
        box.press("ArrowDown")
        box.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("吹田市")
    lon, lat = map_centre(page)
    assert west <= lon <= east and south <= lat <= north, (lon, lat, suita["bbox"])
    assert page.evaluate("() => window.osakaMap.map.getZoom()") >= 12
    assert page.errors == []


def test_keyboard_only_a_shelter_name_then_down_and_enter_opens_its_popup(open_map, live_app):
    page = open_map("desktop")
    name, _ = unique_name(live_app, "shelters")

    # Reached by the keyboard from the top of the page: skip link, language, then the search box.
    box = page.get_by_role("combobox")
    for _ in range(5):
        page.keyboard.press("Tab")
        if box.evaluate("(el) => el === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.type(name, delay=20)
    expect(page.locator("#search-live")).not_to_be_empty()
    expect(box).to_have_attribute("aria-expanded", "true")
    index = [o.locator(".search-name").text_content() for o in options(page).all()].index(name)
    expect(page.locator("#search-live")).to_have_text(f"{options(page).count()} 件")

    # Down moves the active option; focus stays in the box, aria-activedescendant follows.
    page.keyboard.press("ArrowDown")
    expect(box).to_be_focused()
    active = options(page).nth(0)
    expect(active).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", active.get_attribute("id"))
    # Escape closes the list and keeps the text and the focus; Down opens it again.
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#search-results")).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", "search-results-0")
    expect(box).to_be_focused()
    expect(box).to_have_value(name)
    for _ in range(index + 1):
        page.keyboard.press("ArrowDown")
    expect(options(page).nth(index)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")

    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".popup-title")).to_have_text(name)
    expect(popup.locator(".popup-title")).to_be_focused()
    page.wait_for_function("() => window.osakaMap.map.getZoom() >= 16")
    # Escape closes the popup and puts focus back in the search box.
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    expect(box).to_be_focused()
    assert page.errors == []


def test_a_feature_of_a_layer_that_is_off_turns_the_layer_on_and_opens_its_popup(open_map, live_app):
    page = open_map("phone")
    name, _ = unique_name(live_app, "parks")
    assert "parks" not in page.evaluate("() => window.osakaMap.onMap()")

    search_for(page, name)
    option = options(page).filter(has=page.locator(".search-name", has_text=name)).first
    expect(option.locator(".search-meta")).to_contain_text("都市公園")
    option.tap()

    expect(page.locator(".leaflet-popup .popup-title")).to_have_text(name)
    assert "parks" in page.evaluate("() => window.osakaMap.onMap()")
    expect(page.locator('input[name="layer"][value="parks"]')).to_be_checked()
    assert page.errors == []


@pytest.mark.parametrize("device", ["phone"])
def test_a_query_too_long_shows_a_message_and_no_console_error(open_map, live_app, device):
    page = open_map(device)
    longest = map_config(page)["search_max_length"]
    # The page's limit is the API's: the longest query is answered, one more character is refused.
    assert api(live_app, "/api/search/", q="あ" * longest, limit=1)["type"] == "FeatureCollection"
    with pytest.raises(urllib.error.HTTPError) as refused:
        api(live_app, "/api/search/", q="あ" * (longest + 1), limit=1)
    assert refused.value.code == 400

    box = page.get_by_role("combobox")
    box.click()
    box.fill("あ" * 150)
    message = page.locator("#search-message")
    expect(message).to_be_visible()
    expect(message).to_contain_text(str(longest))
    expect(page.locator("#search-live")).to_contain_text(str(longest))
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(options(page)).to_have_count(0)
    # Emptying the box clears the message.
    box.fill("")
    expect(message).to_be_hidden()
    assert page.errors == []


def test_a_refused_query_shows_a_message_not_an_exception(open_map):
    page = open_map("phone")
    refusal = {"error": {"code": "invalid_parameter", "message": "q holds nothing to search for", "parameter": "q"}}
    page.route(
        "**/api/search/**",
        lambda route: route.fulfill(status=400, content_type="application/json", body=json.dumps(refusal)),
    )
    exceptions = []
    page.on("pageerror", lambda error: exceptions.append(str(error)))

    box = page.get_by_role("combobox")
    box.click()
    box.fill("・・")
    expect(page.locator("#search-message")).to_have_text("別の言葉で検索してください。")
    expect(box).to_have_attribute("aria-expanded", "false")
    assert exceptions == []


def test_a_stale_search_is_aborted_and_its_late_answer_ignored(open_map):
    page = open_map("desktop")
    held, failed = [], []

    def hold_first(route):
        if search_text(route.request.url) == "すい" and not held:
            held.append(route)  # answered only after the newer search has been shown
        else:
            route.continue_()

    page.route("**/api/search/**", hold_first)
    page.on("requestfailed", lambda request: failed.append(search_text(request.url)))
    box = page.get_by_role("combobox")
    box.click()
    box.fill("すい")
    page.wait_for_timeout(400)
    assert held, "the first search was sent"
    box.fill("すいた")
    expect(options(page).first.locator(".search-name")).to_have_text("吹田市")
    shown = [o.text_content() for o in options(page).all()]
    with contextlib.suppress(PlaywrightError):  # the page has aborted it: nothing to answer
        held[0].continue_()
    page.wait_for_timeout(400)
    assert "すい" in failed, "the stale request was aborted"
    assert [o.text_content() for o in options(page).all()] == shown
    assert page.errors == []


def search_text(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("q", [""])[0]


def test_highlight_ranges_count_code_points_not_utf16_units(open_map):
    page = open_map("desktop")
    marks = page.evaluate(
        """async () => {
            const { highlightNodes } = await import("/static/frontend/js/search.js");
            const nodes = highlightNodes("𠮷野家の𠮷", [[1, 3], [4, 5]]);
            return nodes.map((n) => [n.nodeName, n.textContent]);
        }"""
    )
    assert marks == [["#text", "𠮷"], ["MARK", "野家"], ["#text", "の"], ["MARK", "𠮷"]]


def test_search_in_english_on_a_desktop(open_map):
    page = open_map("desktop", locale="en-GB")  # the browser asks for English
    expect(page.locator("html")).to_have_attribute("lang", "en")

    search_for(page, "suita")
    first = options(page).first
    expect(first.locator(".search-name")).to_have_text("吹田市")
    expect(first.locator(".search-matched mark")).to_have_text("Suita")
    expect(first.locator(".search-meta")).to_contain_text("Municipality")
    # The city first; romaji also reaches places whose reading starts スイタ (吹田第一小学校 …).
    expect(page.locator("#search-live")).to_have_text(re.compile(r"^\d+ results?$"))
    screenshot(page, "search-desktop-en.png")
    assert page.errors == []


def report_point(page):
    """Where the report's point marker stands (its pin's tip), as the map's lat/lng."""
    return page.evaluate(
        """() => { const m = window.osakaMap.map, c = m.getContainer().getBoundingClientRect();
                   const r = document.querySelector('.report-point-icon').getBoundingClientRect();
                   return m.containerPointToLatLng([r.x + r.width / 2 - c.left, r.bottom - c.top]); }"""
    )


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_here_with_a_granted_position_shows_the_report_for_that_point_in_the_panel(open_map, live_app, device):
    page = open_map(device, permissions=["geolocation"], geolocation=UMEDA)

    panel = open_panel(page, "here")
    button = page.get_by_role("button", name="現在地の危険と避難所")
    expect(button).to_be_visible()
    button.click()
    expect(panel.locator(".here-report-heading")).to_have_text("現在地")
    expect(panel.locator(".here-report-heading")).to_be_focused()
    expect(panel.locator(".here-shelter").first).to_be_visible()
    point = report_point(page)
    assert point["lat"] == pytest.approx(UMEDA["latitude"], abs=2e-4)
    assert point["lng"] == pytest.approx(UMEDA["longitude"], abs=2e-4)
    # The report as a page, for its sources and details.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(panel.locator(".here-page a").get_attribute("href")).query)
    assert float(query["lat"][0]) == pytest.approx(UMEDA["latitude"], abs=1e-6)
    assert float(query["lon"][0]) == pytest.approx(UMEDA["longitude"], abs=1e-6)
    assert page.errors == []


@pytest.mark.parametrize("device", ["phone"])
def test_here_with_permission_refused_offers_the_map_centre(open_map, live_app, device):
    page = open_map(device)  # no permission granted: headless Chromium refuses it

    panel = open_panel(page, "here")
    page.get_by_role("button", name="現在地の危険と避難所").click()
    status = page.locator(".here-status")
    expect(status).to_contain_text("許可")
    fallback = page.get_by_role("button", name="地図の中心を使う")
    expect(fallback).to_be_visible()
    screenshot(page, "here-refused-phone-ja.png")
    lon, lat = map_centre(page)
    fallback.click()
    expect(panel.locator(".here-report-heading")).to_have_text("地図の中心")
    point = report_point(page)
    assert point["lat"] == pytest.approx(lat, abs=2e-4) and point["lng"] == pytest.approx(lon, abs=2e-4)


def test_the_map_centre_report_follows_the_map_and_is_keyboard_reachable(open_map, live_app):
    page = open_map("desktop")
    page.evaluate("() => window.osakaMap.map.setView([34.8, 135.5], 14, { animate: false })")

    panel = open_panel(page, "here")
    # The link for pages without script still follows the centre; with script, a button shows the report.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.locator("#here-centre").get_attribute("href")).query)
    assert float(query["lat"][0]) == pytest.approx(34.8, abs=1e-5)
    assert float(query["lon"][0]) == pytest.approx(135.5, abs=1e-5)
    page.locator("#open-here").focus()
    button = page.get_by_role("button", name="この地点の危険")
    for _ in range(10):
        page.keyboard.press("Tab")
        if button.evaluate("(el) => el === document.activeElement"):
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel.locator(".here-report-heading")).to_be_focused()
    point = report_point(page)
    assert point["lat"] == pytest.approx(34.8, abs=2e-4) and point["lng"] == pytest.approx(135.5, abs=2e-4)
