"""A data editor imports a real CP932 shelter CSV on a phone, as a new user would: log in as the demo
Suita editor, upload (upload progress), watch the worker check the rows (import progress), read the
report and the preview map, confirm the removals, publish, see the map's data change, roll back.
Then the same through the API with a token. The live server and a real worker (scripts/worker.sh)
run as separate processes on the session's test database."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from layers.management.commands.create_demo_user import DEMO_ACCOUNTS, DEMO_PASSWORD
from tests.conftest import _test_database_url
from tests.e2e.conftest import DEVICES, SCREENSHOTS, keep_local

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CP932_CSV = ROOT / "fixtures" / "shelters" / "gsi_csv" / "27205_shitei-kinkyu-hinanbasho_cp932.csv"
SUITA = "27205"


class Worker:
    """scripts/worker.sh in its own process group, started when the test says so."""

    def __init__(self):
        self.process = None

    def start(self):
        env = dict(os.environ, DATABASE_URL=_test_database_url(), PYTHON=sys.executable, DEBUG="true")
        self.process = subprocess.Popen(
            ["bash", "scripts/worker.sh"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def worker(live_app):
    worker = Worker()
    yield worker
    worker.stop()


@pytest.fixture
def demo_editor(django_db_blocker, live_app):
    """The demo logins of `make demo` (create_demo_user), removed afterwards unless they were there."""
    names = [account[0] for account in DEMO_ACCOUNTS]
    with django_db_blocker.unblock():
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        with override_settings(DEBUG=True):
            call_command("create_demo_user", stdout=open(os.devnull, "w"))
        editor = User.objects.get(username="suita-editor")
        editor.suita_pk = editor.map_roles.get().municipality_id
    yield editor
    with django_db_blocker.unblock():
        Token.objects.filter(user__username__in=names).delete()
        User.objects.filter(username__in=set(names) - existing).delete()


def suita_shelter_ids(request, live_app):
    response = request.get(f"{live_app}/api/layers/shelters/features/?municipality={SUITA}&limit=10000")
    assert response.ok, response.text()
    return sorted(f["properties"]["source_id"] for f in response.json()["features"])


def suita_emergency_site_ids(request, live_app):
    """The 共通ID of Suita's emergency sites: one facility may hold an emergency site and a shelter."""
    response = request.get(f"{live_app}/api/layers/shelters/features/?municipality={SUITA}&limit=10000")
    return sorted(
        p["emergency_site_id"] for f in response.json()["features"] if (p := f["properties"]).get("emergency_site_id")
    )


def no_sideways_scrolling(page):
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_editor_uploads_checks_publishes_and_rolls_back_on_a_phone(browser, live_app, worker, demo_editor):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**DEVICES["phone"], locale="ja-JP", timezone_id="Asia/Tokyo")
    context.set_default_timeout(30_000)
    keep_local(context, live_app)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    before = suita_shelter_ids(context.request, live_app)

    page.goto(f"{live_app}/staff/imports/")
    page.get_by_label("ユーザー名").fill("suita-editor")
    page.get_by_label("パスワード").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ファイルをアップロード")
    expect(page.locator("#freshness")).to_contain_text("吹田市")
    assert no_sideways_scrolling(page)

    page.select_option("#id_layer", label="指定緊急避難場所・指定避難所 (shelters)")
    page.select_option("#id_municipality", value=str(demo_editor.suita_pk))
    page.set_input_files("#id_file", str(CP932_CSV))
    expect(page.locator("#chosen-file")).to_contain_text(CP932_CSV.name)
    # A slow mobile uplink, so the upload bar is seen moving.
    cdp = context.new_cdp_session(page)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 50, "downloadThroughput": -1, "uploadThroughput": 4_000},
    )
    page.get_by_role("button", name="ファイルを確認").click()
    expect(page.locator("#upload-progress")).to_be_visible()
    page.wait_for_function("() => document.getElementById('upload-bar')?.value > 0")
    page.screenshot(path=SCREENSHOTS / "imports-upload-phone-ja.png", full_page=True)
    page.wait_for_url("**/staff/imports/*/")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # The run waits for the worker; its progress bar is there before any row is read.
    expect(page.locator("#rows-bar")).to_be_visible()
    expect(page.locator("#run-state")).to_have_text("ワーカーを待っています…")
    page.screenshot(path=SCREENSHOTS / "imports-queued-phone-ja.png", full_page=True)
    worker.start()
    expect(page.get_by_role("heading", name="概要")).to_be_visible(timeout=60_000)  # reloaded: the report
    expect(page.locator("#run-status")).to_contain_text("確認済み（未公開）")
    counts = page.locator(".counts").inner_text()
    assert "行数: 100" in counts, counts
    page.wait_for_function("() => Number(document.getElementById('preview-map')?.dataset.features) > 0")
    assert no_sideways_scrolling(page)
    page.screenshot(path=SCREENSHOTS / "imports-report-phone-ja.png", full_page=True)

    # The file is Suita's list of emergency sites: it replaces that list; Suita's shelters stay (one
    # facility, one record). The page says what changes; above the removal share it asks for the number.
    page.get_by_role("link", name="確認して公開").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("公開で変わること")
    assert no_sideways_scrolling(page)
    page.screenshot(path=SCREENSHOTS / "imports-confirm-phone-ja.png", full_page=True)
    if page.locator("#confirm-removals").count():
        removals = int(page.locator("#confirm-removals").get_attribute("data-removals"))
        page.locator("#confirm-removals").fill("1")
        page.get_by_role("button", name="公開する", exact=True).click()
        expect(page.locator(".confirm-removals .error")).to_be_visible()  # the wrong number: refused
        page.locator("#confirm-removals").fill(str(removals))
    page.get_by_role("button", name="公開する", exact=True).click()
    expect(page.locator("#run-status")).to_contain_text("公開済み", timeout=60_000)

    published = suita_shelter_ids(context.request, live_app)
    emergency_sites = suita_emergency_site_ids(context.request, live_app)
    assert published != before and len(emergency_sites) == 100, "the map now has exactly the file's 100 sites"

    page.goto(f"{live_app}/staff/imports/")
    row = page.locator("table.freshness tr", has_text="指定緊急避難場所・指定避難所")
    expect(row).to_contain_text(str(len(published)))
    row.get_by_role("button", name="直前の公開を取り消す").click()
    expect(page.locator(".messages")).to_contain_text("直前の公開の前に戻しました")
    assert suita_shelter_ids(context.request, live_app) == before
    page.screenshot(path=SCREENSHOTS / "imports-workspace-phone-ja.png", full_page=True)
    assert no_sideways_scrolling(page)
    assert not errors, errors
    context.close()


def test_the_same_through_the_api_with_a_token(browser, live_app, worker, demo_editor, django_db_blocker):
    with django_db_blocker.unblock():
        token = Token.objects.get_or_create(user=demo_editor)[0].key
    context = browser.new_context(
        base_url=live_app, extra_http_headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    api = context.request
    worker.start()
    before = suita_shelter_ids(api, live_app)

    def poll(url):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = api.get(url).json()
            if run["status"] not in ("queued", "running"):
                return run
            time.sleep(0.3)
        pytest.fail(f"{url} did not finish")

    upload = api.post(
        "/api/imports/",
        multipart={
            "file": {"name": CP932_CSV.name, "mimeType": "text/csv", "buffer": CP932_CSV.read_bytes()},
            "layer": "shelters",
            "mode": "replace",
        },
    )
    assert upload.status == 202, upload.text()
    run = poll(upload.json()["url"])
    assert run["status"] == "reported" and run["encoding"] == "cp932" and run["progress"]["rows"] == 100
    preview = api.get(run["preview_url"]).json()
    assert {f["properties"]["change"] for f in preview["features"]} >= {"removed"}

    if run["confirm_removals"]:  # the removal guard, above its share of the municipality's features
        refused = api.post(run["publish_url"], data=json.dumps({}), headers={"Content-Type": "application/json"})
        assert refused.status == 409 and refused.json()["error"]["code"] == "confirmation_required"
    confirmation = {"confirm_removals": run["confirm_removals"]} if run["confirm_removals"] else {}
    confirmed = api.post(
        run["publish_url"],
        data=json.dumps(confirmation),
        headers={"Content-Type": "application/json"},
    )
    assert confirmed.status == 202, confirmed.text()
    assert poll(confirmed.json()["url"])["status"] == "published"
    assert len(suita_shelter_ids(api, live_app)) == len(before) - run["counts"]["removed"] + run["counts"]["new"]
    assert len(suita_emergency_site_ids(api, live_app)) == 100

    other = api.post(
        "/api/layers/shelters/rollback/",
        data=json.dumps({"municipality": "27203"}),
        headers={"Content-Type": "application/json"},
    )
    assert other.status == 403 and other.json()["error"]["code"] == "forbidden"
    rolled = api.post(
        "/api/layers/shelters/rollback/",
        data=json.dumps({"municipality": SUITA}),
        headers={"Content-Type": "application/json"},
    )
    assert rolled.status == 200, rolled.text()
    assert suita_shelter_ids(api, live_app) == before
    context.close()
