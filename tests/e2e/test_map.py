"""The map page in a real Chromium against the live service: phone and desktop, Japanese and English.

Nothing leaves the machine: requests to any host but the live server (the base map tiles) get an
empty 204, so the base map is blank here and nothing waits on the network.
"""

import json
import re
import urllib.parse
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    DEVICES,
    SCREENSHOTS,
    keep_local,
    map_config,
    new_map_page,
    open_panel,
    screenshot,
    wait_until_ready,
)

pytestmark = pytest.mark.e2e

HAZARD = "hazard-zones"


@pytest.fixture(scope="module")
def catalogue(live_app):
    with urllib.request.urlopen(f"{live_app}/api/layers/", timeout=10) as response:
        return {layer["slug"]: layer for layer in json.load(response)["layers"]}


@pytest.fixture(params=sorted(DEVICES))
def device(request):
    return request.param


@pytest.fixture
def open_map(browser, live_app, device):
    """Opens the map in a fresh browser context; the page records console errors and outside requests."""
    contexts = []

    def open_map(wait=True):
        page = new_map_page(browser, live_app, device, wait=wait)
        contexts.append(page.context)
        return page

    yield open_map
    for context in contexts:
        context.close()


def counts(page):
    return page.evaluate("() => window.osakaMap.counts()")


def on_map(page):
    return set(page.evaluate("() => window.osakaMap.onMap()"))


def layer_checkbox(page, slug):
    """The layer's checkbox, with the layers panel opened first (it starts closed on phones)."""
    open_panel(page, "layers")
    return page.locator(f'input[name="layer"][value="{slug}"]')


def test_map_loads_without_console_errors_and_draws_the_43_municipalities(open_map, device, catalogue):
    page = open_map()
    basemap = map_config(page)["basemap"]

    assert counts(page)["municipalities"] == 43
    expect(page.locator("h1")).to_have_text("大阪府 広域デジタルマップ")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    basemap_attribution = re.sub(r"<[^>]+>", "", basemap["attribution"])
    expect(page.locator("#map .leaflet-control-attribution")).to_contain_text(basemap_attribution)
    # The disaster-prevention layers start on the map, with their legend from the catalogue's labels.
    assert on_map(page) == {slug for slug, layer in catalogue.items() if layer["category"] == "disaster"}
    legend = open_panel(page, "legend").locator("#legend")
    expect(legend).to_be_visible()
    expect(legend).to_contain_text(catalogue["shelters"]["name"]["ja"])
    zone_class = next(f for f in catalogue[HAZARD]["fields"] if f["name"] == "zone_class")
    for code in zone_class["codes"]:
        expect(legend).to_contain_text(code["label"]["ja"])
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"map-{device}-ja.png")
    assert page.errors == []
    # No CDN: the only outside requests are the base map's tiles.
    assert {urlsplit(url).netloc for url in page.outside_requests} <= {urlsplit(basemap["url"]).netloc}


def test_no_layer_is_downloaded_whole_points_cluster_then_show_as_places(open_map, device, catalogue):
    page = open_map()
    for slug in catalogue:
        layer_checkbox(page, slug).check()
    page.wait_for_function("n => window.osakaMap.onMap().length === n", arg=len(catalogue))
    page.wait_for_function("() => window.osakaMap.idle()")
    screenshot(page, f"map-{device}-all-layers-ja.png")

    # At prefecture zoom: areas from the versioned tiles, points as the server's clusters; no GeoJSON at all.
    paths = [urlsplit(url) for url in page.requests]
    features = [p for p in paths if p.path.startswith("/api/layers/") and "/features/" in p.path]
    assert not [p for p in features if "filter=" not in p.query]
    zoom = page.evaluate("() => window.osakaMap.map.getZoom()")
    for slug, layer in catalogue.items():
        kind = "clusters/" if "Point" in layer["geometry_types"] else ""
        asked = [p for p in paths if p.path.startswith(f"/tiles/{slug}/{kind}")]
        if not kind and layer["min_zoom"] > zoom:  # areas of buildings (from 15): none at prefecture zoom
            assert not asked, slug
            continue
        assert asked and all(f"v={layer['version']}" in p.query for p in asked), slug
    assert all(n == 0 for n in counts(page)["layers"].values())

    # Zoomed in on a district: the places in view, as GeoJSON for the view's box only.
    page.evaluate("() => window.osakaMap.map.setView([34.7025, 135.4959], 15, {animate: false})")
    page.wait_for_function("() => window.osakaMap.counts().layers.shelters > 0")
    drawn = counts(page)["layers"]
    assert 0 < drawn["shelters"] < catalogue["shelters"]["feature_count"] / 10
    asked = [urlsplit(url) for url in page.requests if "/api/layers/shelters/features/" in url]
    assert asked and all("bbox=" in p.query for p in asked if "filter=" not in p.query)
    screenshot(page, f"map-{device}-places-ja.png")
    assert page.errors == []


def test_a_tap_on_a_cluster_zooms_in_to_its_places_and_elsewhere_names_the_municipality(open_map, device):
    page = open_map()
    page.wait_for_function("() => window.osakaMap.idle() && window.osakaMap.clusters('shelters').length > 0")
    clusters = page.evaluate("() => window.osakaMap.clusters('shelters')")
    size = page.evaluate("() => { const s = window.osakaMap.map.getSize(); return [s.x, s.y]; }")
    # Counts are painted in the discs; together they hold every shelter in view.
    assert sum(c["count"] for c in clusters) > 1000
    inside = [c for c in clusters if 60 < c["x"] < size[0] - 60 and 140 < c["y"] < size[1] - 100]
    target = max(inside, key=lambda c: c["count"])
    zoom = page.evaluate("() => window.osakaMap.map.getZoom()")
    box = page.locator("#map").bounding_box()
    # A finger lands a few pixels off the disc's centre.
    x, y = box["x"] + target["x"] + 5, box["y"] + target["y"] - 4
    if device == "phone":
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)
    page.wait_for_function("z => window.osakaMap.map.getZoom() > z", arg=zoom)
    centre = page.evaluate("() => window.osakaMap.map.getCenter()")
    assert abs(centre["lat"] - target["lat"]) < 0.01 and abs(centre["lng"] - target["lng"]) < 0.01

    # Away from any cluster or area: the municipality's name in a tooltip.
    page.evaluate("() => window.osakaMap.map.setView([34.7300, 135.5700], 12, {animate: false})")  # 大東市
    page.wait_for_function("() => window.osakaMap.idle()")
    for layer in ("shelters", "hazard-zones"):
        layer_checkbox(page, layer).uncheck()
    page.locator("#open-layers").click()  # the panel closed again, the map uncovered
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".municipality-tip")).to_contain_text("市")
    assert page.errors == []


def test_paging_collects_every_feature_of_a_layer(browser, live_app, catalogue):
    layer = catalogue["clinics"]
    context = browser.new_context()
    keep_local(context, live_app)
    page = context.new_page()
    try:
        # The module alone, on a page of the same origin without the map: pages of 50 from the real API.
        page.goto(f"{live_app}/healthz")
        ids = page.evaluate(
            """async (url) => {
                const { fetchAllFeatures } = await import("/static/frontend/js/layers.js");
                return (await fetchAllFeatures(url, 50)).map((feature) => feature.id);
            }""",
            layer["features_url"],
        )
    finally:
        context.close()
    assert len(ids) == len(set(ids)) == layer["feature_count"]


def test_unchecking_a_layer_removes_it_with_its_legend_notice_and_attribution(open_map, device, catalogue):
    page = open_map()
    hazard = catalogue[HAZARD]
    attribution = page.locator("#map .leaflet-control-attribution")
    expect(attribution).to_contain_text(hazard["attribution"])
    expect(page.locator(f'.notice[data-layer="{HAZARD}"]')).to_be_visible()

    layer_checkbox(page, HAZARD).uncheck()
    page.wait_for_function("slug => !window.osakaMap.onMap().includes(slug)", arg=HAZARD)
    expect(page.locator(f'.notice[data-layer="{HAZARD}"]')).to_have_count(0)
    expect(page.locator("#legend")).not_to_contain_text(hazard["name"]["ja"])
    expect(attribution).not_to_contain_text(hazard["attribution"])

    for slug in page.evaluate("() => window.osakaMap.onMap()"):
        layer_checkbox(page, slug).uncheck()
    page.wait_for_function("() => window.osakaMap.onMap().length === 0")
    expect(page.locator("#feature-list-items li")).to_have_count(0)

    layer_checkbox(page, HAZARD).check()
    page.wait_for_function("slug => window.osakaMap.onMap().includes(slug)", arg=HAZARD)
    expect(page.locator(f'.notice[data-layer="{HAZARD}"]')).to_be_visible()
    assert page.errors == []


@pytest.mark.parametrize("device", ["phone"])
def test_hazard_layer_shows_its_fictional_sample_notice_from_the_catalogue(open_map, catalogue):
    page = open_map()
    hazard = catalogue[HAZARD]

    notice = page.locator(f'.notice[data-layer="{HAZARD}"]')
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(hazard["description"]["ja"])
    # One line over the map, opening to the whole text and the source.
    assert notice.bounding_box()["height"] <= 50
    assert notice.bounding_box()["y"] < page.viewport_size["height"] / 4, "the notice shows without scrolling"
    notice.locator("summary").click()
    expect(notice.locator(".notice-source")).to_be_visible()
    expect(notice).to_contain_text(hazard["attribution"])


def test_list_shows_places_in_view_and_a_click_opens_the_popup(open_map, device):
    page = open_map()

    open_panel(page, "list")
    # At prefecture zoom the list holds the areas; the clustered places are counted, to be listed zoomed in.
    expect(page.locator("#feature-list-more")).to_contain_text("ほか")
    page.evaluate("() => window.osakaMap.map.setView([34.7025, 135.4959], 15, {animate: false})")
    items = page.locator("#feature-list-items .feature-button")
    expect(items.first).to_be_visible()
    # The list follows the tiles as they come in: read it once they are all in.
    page.wait_for_function("() => window.osakaMap.idle()")
    page.wait_for_timeout(300)
    assert 0 < items.count() <= 100

    first = items.first
    name = first.locator(".feature-name").text_content()
    first.click()
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".popup-title")).to_have_text(name)
    expect(popup.locator(".popup-title")).to_be_focused()
    expect(popup.locator(".popup-fields")).to_contain_text("市区町村")
    assert popup.bounding_box()["y"] >= 0, "the popup is scrolled into view"
    # Brought into view (zoomed in on a place, fitted to an area), it is in the list of the new view.
    open_panel(page, "list")
    expect(page.locator("#feature-list-items .feature-name").filter(has_text=name)).not_to_have_count(0)
    screenshot(page, f"map-{device}-popup-ja.png")
    assert page.errors == []


def test_switching_to_english_changes_title_layer_names_and_notice(open_map, device, catalogue):
    page = open_map(wait=False)

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    wait_until_ready(page)

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Osaka Prefecture Wide-Area Map")
    for slug, layer in catalogue.items():
        expect(page.locator(f'label[for="layer-{slug}"] .layer-name')).to_have_text(layer["name"]["en"])
    expect(page.locator(f'.notice[data-layer="{HAZARD}"]')).to_contain_text(catalogue[HAZARD]["description"]["en"])
    expect(page.locator("#feature-list-heading")).to_have_text("Places in this map view")
    screenshot(page, f"map-{device}-en.png")
    open_panel(page, "list")
    page.locator("#feature-list-items .feature-button").first.click()
    expect(page.locator(".leaflet-popup .popup-fields")).to_contain_text("Municipality")
    screenshot(page, f"map-{device}-popup-en.png")
    assert page.errors == []

    # And back: the switch is a plain form, so it works the same way in both directions.
    with page.expect_navigation():
        page.get_by_role("button", name="日本語").click()
    expect(page.locator("h1")).to_have_text("大阪府 広域デジタルマップ")


def test_language_switch_works_without_javascript(browser, live_app):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    context.set_default_timeout(15_000)
    keep_local(context, live_app)
    page = context.new_page()
    try:
        page.goto(f"{live_app}/")
        expect(page.locator("h1")).to_have_text("大阪府 広域デジタルマップ")
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        expect(page.locator("h1")).to_have_text("Osaka Prefecture Wide-Area Map")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        context.close()


@pytest.mark.parametrize("device", ["desktop"])
def test_skip_link_takes_keyboard_users_to_the_list(open_map, device):
    page = open_map()
    page.wait_for_function("() => window.osakaMap.idle()")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    screenshot(page, f"map-{device}-skip-link-ja.png")
    page.keyboard.press("Enter")
    expect(page.locator("#panel-list")).to_be_focused()
    page.keyboard.press("Tab")
    first = page.locator("#feature-list-items .feature-button").first
    expect(first).to_be_focused()
    name = first.locator(".feature-name").text_content()
    page.keyboard.press("Enter")
    # An area's details are fetched when asked for (its tile has no address or municipality).
    expect(page.locator(".leaflet-popup .popup-title")).to_be_focused(timeout=15_000)
    # Escape closes the popup and puts focus back on the place's button in the list.
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    expect(page.locator("#feature-list-items .feature-button:focus .feature-name")).to_have_text(name)


def test_a_popup_in_osaka_city_names_the_ward(open_map, device):
    page = open_map()
    # Osaka Station, in 大阪市北区; the places nearby lie in Osaka City's wards.
    page.evaluate("() => window.osakaMap.map.setView([34.7025, 135.4959], 16, {animate: false})")
    in_a_ward = re.compile(r"大阪市\S+区")
    open_panel(page, "list")
    button = page.locator("#feature-list-items .feature-button").filter(has_text=in_a_ward).first
    ward = in_a_ward.search(button.locator(".feature-meta").text_content()).group(0)
    button.click()
    expect(page.locator(".leaflet-popup .popup-fields")).to_contain_text(ward)


def test_the_map_fills_the_screen_and_panels_open_over_it(open_map, device):
    page = open_map()
    viewport = page.viewport_size
    box = page.locator("#map").bounding_box()
    assert box["width"] * box["height"] >= 0.7 * viewport["width"] * viewport["height"]
    assert page.evaluate("() => document.documentElement.scrollHeight") <= viewport["height"], "no page scrolling"

    for name in ("layers", "filters", "legend", "list", "here"):
        panel = open_panel(page, name)
        expect(panel).to_be_visible()
        expect(page.locator(".panel:visible")).to_have_count(1)
        expect(page.locator(f"#open-{name}")).to_have_attribute("aria-expanded", "true")
        if device == "phone":  # a bottom sheet: the lower part of the screen, the map's top still in view
            sheet = panel.bounding_box()
            assert sheet["y"] > viewport["height"] * 0.3 and sheet["width"] == viewport["width"]
    page.keyboard.press("Escape")
    expect(page.locator(".panel:visible")).to_have_count(0)
    expect(page.locator("#open-here")).to_be_focused()
    assert page.errors == []


@pytest.mark.parametrize("device", ["phone"])
def test_phone_credits_fold_behind_an_info_button(open_map):
    page = open_map()
    attribution = page.locator("#map .leaflet-control-attribution")
    expect(attribution).to_be_hidden()
    page.locator(".credits-button").click()
    expect(attribution).to_be_visible()
    expect(page.locator(".credits-button")).to_have_attribute("aria-expanded", "true")


def test_every_control_is_a_44px_tap_target(open_map, device):
    page = open_map()
    open_panel(page, "layers")
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], summary, input[type=text], .layer-choice label')]
            .filter((e) => e.offsetParent !== null && !e.closest('.leaflet-control-attribution, .skip-link'))
            .map((e) => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 44 || r.height < 44)
            .map(([name, r]) => `${name} ${Math.round(r.width)}×${Math.round(r.height)}`)"""
    )
    assert small == []


def test_english_page_marks_japanese_data_as_japanese(browser, live_app, device):
    page = new_map_page(browser, live_app, device, locale="en-US")
    try:
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_app}])
        page.reload()
        wait_until_ready(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # Credits and sources are data in Japanese: they say so for screen readers and translation.
        unmarked = page.evaluate(
            """() => [...document.querySelectorAll('.notices, .leaflet-control-attribution, .toolbar, .panel-head')]
                .flatMap((root) => [...root.querySelectorAll('*')].concat(root))
                .flatMap((e) => [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => [e, n.textContent]))
                .filter(([e, text]) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(text) && !e.closest('[lang="ja"]'))
                .map(([, text]) => text)"""
        )
        assert unmarked == []
        screenshot(page, f"map-{device}-en-start.png")
    finally:
        page.context.close()


OSAKA_STATION_VIEW = "() => window.osakaMap.map.setView([34.7025, 135.4959], 15, {animate: false})"


def drawn_shelters(page):
    page.wait_for_function("() => window.osakaMap.idle()")
    return page.evaluate("() => window.osakaMap.counts().layers.shelters")


def test_a_filter_changes_what_is_drawn_the_list_and_the_address(open_map, device, catalogue):
    page = open_map()
    page.evaluate(OSAKA_STATION_VIEW)
    page.wait_for_function("() => window.osakaMap.counts().layers.shelters > 0")
    before = drawn_shelters(page)

    # One facility, one record: residents filter by all of its designations.
    designation = next(f for f in catalogue["shelters"]["fields"] if f["name"] == "designations")
    shelter = next(c for c in designation["codes"] if c["value"] == "shelter")
    filters = open_panel(page, "filters")
    filters.locator('.filter-layer[data-layer="shelters"] summary').click()
    filters.get_by_label(shelter["label"]["ja"], exact=True).check()
    page.wait_for_function("n => window.osakaMap.idle() && window.osakaMap.counts().layers.shelters < n", arg=before)
    after = drawn_shelters(page)
    assert 0 < after < before
    page.wait_for_function("() => window.location.search.includes('shelters.designations=shelter')")
    screenshot(page, f"map-{device}-filters-ja.png")

    open_panel(page, "list")
    metas = page.locator("#feature-list-items .feature-button .feature-meta").all_text_contents()
    emergency_site = next(c for c in designation["codes"] if c["value"] == "emergency_site")["label"]["ja"]
    assert [m for m in metas if shelter["label"]["ja"] in m]
    assert not [m for m in metas if emergency_site in m]
    assert page.errors == []


def test_a_permalink_restores_view_layers_filters_and_the_open_place(browser, live_app, device):
    page = new_map_page(browser, live_app, device)
    try:
        page.evaluate(OSAKA_STATION_VIEW)
        open_panel(page, "filters").locator('.filter-layer[data-layer="shelters"] summary').click()
        page.locator("#filter-shelters-designations-shelter").check()
        drawn_shelters(page)
        open_panel(page, "list")
        first = page.locator("#feature-list-items .feature-button").first
        name = first.locator(".feature-name").text_content()
        first.click()
        expect(page.locator(".leaflet-popup .popup-title")).to_have_text(name)
        page.wait_for_function("() => window.location.search.includes('place=')")
        link = page.url
    finally:
        page.context.close()

    restored = new_map_page(browser, live_app, device)
    try:
        restored.goto(link)
        wait_until_ready(restored)
        expect(restored.locator(".leaflet-popup .popup-title")).to_have_text(name)
        lat, lon, zoom = (float(v) for v in urllib.parse.parse_qs(urlsplit(link).query)["at"][0].split(","))
        assert restored.evaluate("() => window.osakaMap.map.getZoom()") == zoom
        # The popup may pan the map a little to fit; the linked centre stays in view.
        assert restored.evaluate("([lat, lon]) => window.osakaMap.map.getBounds().contains([lat, lon])", [lat, lon])
        assert restored.locator("#filter-shelters-designations-shelter").is_checked()
        assert on_map(restored) >= {"shelters"}
        screenshot(restored, f"map-{device}-permalink-ja.png")
        assert restored.errors == []
    finally:
        restored.context.close()


@pytest.mark.parametrize("device", ["desktop"])
def test_the_share_button_copies_the_link(browser, live_app, device):
    page = new_map_page(browser, live_app, device, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.evaluate(OSAKA_STATION_VIEW)
        page.wait_for_function("() => window.location.search.includes('at=')")
        if page.evaluate("() => 'share' in navigator"):
            pytest.skip("this Chromium has the Web Share API; the copy is its fallback")
        page.locator("#share").click()
        expect(page.locator(".map-status")).to_contain_text("コピー")
        assert "at=34.70250,135.49590,15" in page.evaluate("() => navigator.clipboard.readText()")
    finally:
        page.context.close()


def test_the_embeddable_view_shows_one_municipality_without_the_title_bar(browser, live_app, device):
    context = browser.new_context(**DEVICES[device], locale="ja-JP")
    keep_local(context, live_app)
    page = context.new_page()
    try:
        response = page.goto(f"{live_app}/embed/?layers=shelters&municipality=27205")
        assert response.status == 200
        wait_until_ready(page)
        expect(page.locator(".site-title")).to_be_hidden()
        assert on_map(page) == {"shelters"}
        page.wait_for_function(
            "() => { const c = window.osakaMap.counts(); return c.layers.shelters + c.clusters.shelters > 0; }"
        )
        centre = page.evaluate("() => window.osakaMap.map.getCenter()")
        # 吹田市 lies around 34.76 N, 135.52 E.
        assert centre["lat"] == pytest.approx(34.77, abs=0.05) and centre["lng"] == pytest.approx(135.52, abs=0.05)
        screenshot(page, f"embed-{device}-ja.png")
    finally:
        context.close()


def test_print_shows_the_map_and_the_whole_list(open_map, device):
    page = open_map()
    page.evaluate(OSAKA_STATION_VIEW)
    drawn_shelters(page)
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    expect(page.locator("#panel-list")).to_be_visible()
    expect(page.locator("#feature-list-items .feature-button").first).to_be_visible()
    expect(page.locator(".toolbar")).to_be_hidden()
    assert page.locator("#map").bounding_box()["height"] > 200
    if device == "desktop":
        page.pdf(path=str(SCREENSHOTS / f"print-{device}-ja.pdf"))


def test_the_first_views_centre_is_inside_osaka(open_map, device, live_app):
    page = open_map()
    open_panel(page, "here")
    href = page.locator("#here-centre").get_attribute("href")
    query = urllib.parse.parse_qs(urlsplit(href).query)
    with urllib.request.urlopen(f"{live_app}/api/hazards/at/?lat={query['lat'][0]}&lon={query['lon'][0]}") as answer:
        report = json.load(answer)
    assert report.get("municipality"), report.get("message")
