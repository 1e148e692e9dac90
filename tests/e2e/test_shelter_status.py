"""A disaster staff member opens a shelter on a phone; a resident's map shows it within seconds."""

import time

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from layers.models import Feature, Municipality, Role, ShelterStatus
from layers.status.service import status_for, update_status
from tests.e2e.conftest import SCREENSHOTS, keep_local, open_panel

pytestmark = pytest.mark.e2e

SUITA = "27205"
PASSWORD = "e2e-staff-password-27205"
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def suita_staff(django_db_blocker, live_app):
    """A committed staff account (the server is another process) and a shelter; both cleaned up after."""
    with django_db_blocker.unblock():
        user = User.objects.create_user("e2e-suita-bousai", password=PASSWORD)
        Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
        shelters = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).select_related(
            "municipality"
        )
        shelter = shelters.order_by("source_id")[3]
    yield user, shelter
    with django_db_blocker.unblock():
        ShelterStatus.objects.filter(municipality__code=SUITA, source_id=shelter.source_id).delete()
        user.delete()


def new_page(browser, live_app, **options):
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", **options)
    context.set_default_timeout(15_000)
    keep_local(context, live_app)
    return context, context.new_page()


def live_status(page, shelter):
    return page.evaluate(
        "([m, id]) => window.osakaMap.liveStatus(m, id)", [shelter.municipality.code, shelter.source_id]
    )


def test_staff_opens_a_shelter_and_the_public_map_shows_it(browser, live_app, suita_staff):
    user, shelter = suita_staff
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The resident's map is already open before anything changes.
    resident_context, resident = new_page(browser, live_app, viewport={"width": 1280, "height": 800})
    resident.goto(f"{live_app}/")
    resident.wait_for_function("() => window.osakaMap !== undefined")
    resident.evaluate("() => window.osakaMap.ready.then(() => true)")
    assert live_status(resident, shelter) is None

    staff_context, staff = new_page(browser, live_app, **PHONE)
    staff.goto(f"{live_app}/staff/shelters/")
    staff.get_by_label("ユーザー名").fill(user.username)
    staff.get_by_label("パスワード").fill(PASSWORD)
    staff.get_by_role("button", name="ログイン").click()
    staff.get_by_role("searchbox").fill(shelter.name)
    staff.get_by_role("button", name="絞り込む").click()
    staff.get_by_role("link", name=shelter.name).first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(shelter.name)

    # Capacity first (the GSI data has none), then open, then the count: 65 of 100 is 混雑 (crowded).
    staff.get_by_label("収容人数（空欄のときは避難所データの値）").fill("100")
    staff.get_by_role("button", name="保存", exact=True).click()
    staff.get_by_role("button", name="開設", exact=True).click()
    expect(staff.get_by_role("status")).to_be_visible()
    staff.get_by_role("spinbutton", name="避難者数（人）").fill("65")
    saved_at = time.monotonic()
    staff.get_by_role("button", name="人数を保存").click()
    expect(staff.get_by_role("status")).to_contain_text("保存しました")
    assert staff.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"
    staff.screenshot(path=SCREENSHOTS / "staff-shelter-phone-ja.png", full_page=True)

    # The resident's map, untouched since it loaded, shows the change from the status feed.
    resident.wait_for_function(
        "([m, id]) => { const s = window.osakaMap.liveStatus(m, id); "
        "return s && s.status === 'open' && s.count === 65; }",
        arg=[shelter.municipality.code, shelter.source_id],
        timeout=10_000,
    )
    assert time.monotonic() - saved_at < 10
    status = live_status(resident, shelter)
    assert (status["congestion"], status["capacity"]) == ("crowded", 100)

    # And a resident reads it in words in the popup.
    resident.evaluate(
        "([lat, lon]) => window.osakaMap.map.setView([lat, lon], 17, {animate: false})",
        [shelter.geom.y, shelter.geom.x],
    )
    resident.get_by_role("button", name=shelter.name).first.click()
    popup = resident.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("開設")
    expect(popup).to_contain_text("混雑")
    resident.screenshot(path=SCREENSHOTS / "map-live-status-ja.png")
    staff_context.close()
    resident_context.close()


def set_status(django_db_blocker, shelter, user, **changes):
    """A staff update through the one writer of shelter status, committed for the server to see."""
    with django_db_blocker.unblock():
        current = status_for(shelter)
        update_status(shelter, changes, current.version, user)


def test_a_popup_follows_status_changes_while_open_and_after_reopening(
    browser, live_app, suita_staff, django_db_blocker
):
    user, shelter = suita_staff
    resident_context, resident = new_page(browser, live_app, viewport={"width": 360, "height": 640}, is_mobile=True)
    try:
        resident.goto(f"{live_app}/")
        resident.wait_for_function("() => window.osakaMap !== undefined")
        resident.evaluate("() => window.osakaMap.ready.then(() => true)")
        resident.evaluate(
            "([lat, lon]) => window.osakaMap.map.setView([lat, lon], 17, {animate: false})",
            [shelter.geom.y, shelter.geom.x],
        )
        resident.locator("#open-list").click()
        resident.get_by_role("button", name=shelter.name).first.click()
        popup = resident.locator(".leaflet-popup-content")
        # No record yet: the map says so rather than guessing "not open".
        expect(popup).to_contain_text("開設情報なし")

        set_status(django_db_blocker, shelter, user, opening_status="open", evacuee_count=23)
        expect(popup).to_contain_text("開設", timeout=10_000)
        expect(popup).to_contain_text("23")
        # The open shelter is drawn with its own symbol, over the dots.
        expect(resident.locator(".open-shelter-icon")).to_have_count(1)

        # Closed while the popup is closed: reopened, it shows the new state, not the one it had.
        resident.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)
        set_status(django_db_blocker, shelter, user, opening_status="not_open", evacuee_count=0)
        resident.wait_for_function(
            "([m, id]) => window.osakaMap.liveStatus(m, id)?.status === 'not_open'",
            arg=[shelter.municipality.code, shelter.source_id],
            timeout=10_000,
        )
        open_panel(resident, "list")
        resident.get_by_role("button", name=shelter.name).first.click()
        expect(popup).to_contain_text("未開設")
        # The status line, not the whole popup: its update time may read 23:05.
        expect(popup.locator(".popup-live-status")).not_to_contain_text("23")
        expect(resident.locator(".open-shelter-icon")).to_have_count(0)
        resident.screenshot(path=SCREENSHOTS / "map-phone-popup-after-status-change-ja.png")
    finally:
        resident_context.close()


def test_open_only_shows_just_the_open_shelters(browser, live_app, suita_staff, django_db_blocker):
    user, shelter = suita_staff
    set_status(django_db_blocker, shelter, user, opening_status="open", evacuee_count=5)
    context, page = new_page(browser, live_app, viewport={"width": 1280, "height": 800})
    try:
        page.goto(f"{live_app}/")
        page.wait_for_function("() => window.osakaMap !== undefined")
        page.evaluate("() => window.osakaMap.ready.then(() => true)")
        page.wait_for_function("() => document.querySelectorAll('.open-shelter-icon').length === 1")
        others = open_panel(page, "layers").locator('input[name="layer"]:checked:not([value="shelters"])')
        for slug in [box.get_attribute("value") for box in others.all()]:
            page.locator(f'input[name="layer"][value="{slug}"]').uncheck()
        open_panel(page, "filters").get_by_label("開設中のみ").check()
        page.locator("#open-list").click()
        items = page.locator("#feature-list-items .feature-button")
        expect(items).to_have_count(1)
        expect(items.first).to_contain_text(shelter.name)
        expect(page.locator(".open-shelter-icon")).to_have_count(1)
        page.screenshot(path=SCREENSHOTS / "map-desktop-open-only-ja.png")
    finally:
        context.close()
