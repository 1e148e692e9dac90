"""axe-core (from npm, injected by the test, never served) on the map, its panels, /here and /embed/,
in Japanese and English: no serious or critical violations."""

from pathlib import Path

import pytest

from tests.e2e.conftest import DEVICES, keep_local, new_map_page, open_panel, wait_until_ready

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page, context=None):
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make vendor` (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (context) => {
            const { violations } = await axe.run(context ?? document, { resultTypes: ["violations"] });
            return violations.filter((v) => ["serious", "critical"].includes(v.impact))
                .map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
        }""",
        context,
    )
    return result


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_map_and_its_panels_have_no_serious_violations(browser, live_app, device, locale):
    # The test injects axe-core, which the site's Content-Security-Policy (rightly) refuses: the test's
    # browser context bypasses it; the page is the same.
    page = new_map_page(browser, live_app, device, wait=False, bypass_csp=True)
    try:
        if locale == "en":
            page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_app}])
            page.reload()
        wait_until_ready(page)
        found = {"map": serious_violations(page)}
        page.evaluate("() => window.osakaMap.map.setView([34.7025, 135.4959], 15, {animate: false})")
        page.wait_for_function("() => window.osakaMap.idle()")
        for name in ("layers", "filters", "legend", "list", "here"):
            open_panel(page, name)
            found[name] = serious_violations(page, f"#panel-{name}")
        open_panel(page, "list")
        page.locator("#feature-list-items .feature-button").first.click()
        page.locator(".leaflet-popup").wait_for()
        # Leaflet fades a popup in: contrast measured mid-fade is the fade's, not the popup's.
        page.wait_for_function("() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'")
        found["popup"] = serious_violations(page, ".leaflet-popup")
        assert {k: v for k, v in found.items() if v} == {}
    finally:
        page.context.close()


@pytest.mark.parametrize("path", ["/embed/?layers=shelters&municipality=27205", "/here?lat=34.7025&lon=135.4959"])
@pytest.mark.parametrize("locale", ["ja", "en"])
def test_embed_and_here_have_no_serious_violations(browser, live_app, path, locale):
    context = browser.new_context(**DEVICES["phone"], locale="ja-JP", bypass_csp=True)  # axe-core is injected
    keep_local(context, live_app)
    if locale == "en":
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_app}])
    page = context.new_page()
    try:
        page.goto(f"{live_app}{path}")
        if path.startswith("/embed/"):
            wait_until_ready(page)
        assert serious_violations(page) == []
    finally:
        context.close()
