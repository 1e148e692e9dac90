"""Stored XSS: script and markup in every field of an imported file are shown as text on every page that
shows them (staff pages, the import report, the admin, /here) and leave exports as data, with
spreadsheet formulas defused (OWASP CSV injection). The map's popups and list: tests/e2e/test_xss.py."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from importers.models import ImportRun
from layers.models import Feature, Layer, Municipality, Role
from layers.status.service import update_status
from tests.factories import SUITA
from tests.importers.conftest import run_queued_imports
from tests.security.xss import (
    FORMULA,
    FORMULA_ID,
    PAYLOADS,
    csv_rows,
    flood_zone_and_spots,
    import_hostile_shelters,
    write_file,
)
from tests.test_security import inline_scripts


def assert_shown_as_text(response, payloads=PAYLOADS):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    for payload in payloads:
        assert payload not in html
        assert escape(payload) in html, f"{payload!r} is not on the page at all"
    assert inline_scripts(html) == []  # no <script> without src, no on…= handler made it into the markup
    assert "<svg onload" not in html and "<img src=x" not in html


@pytest.fixture
def hostile(db, tmp_path):
    features = import_hostile_shelters(tmp_path)
    root = User.objects.create_superuser("xss-root")
    for feature, payload in zip(features, PAYLOADS, strict=True):
        update_status(feature, {"opening_status": "open", "evacuee_count": 1, "note": payload}, 0, root)
    return features


@pytest.fixture
def suita_staff(client, db):
    user = User.objects.create_user("xss-bousai")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    client.force_login(user)
    return client


def test_the_staff_shelter_list_and_bulk_pages_show_it_as_text(suita_staff, hostile):
    assert_shown_as_text(suita_staff.get("/staff/shelters/", {"q": "避難所"}))
    assert_shown_as_text(suita_staff.get("/staff/shelters/bulk/", {"action": "close", "q": "避難所"}))
    review = {"action": "close", "review": "1", "shelter": [str(f.pk) for f in hostile]}
    assert_shown_as_text(suita_staff.post("/staff/shelters/bulk/", review))


@pytest.mark.parametrize("n", range(len(PAYLOADS)))
def test_a_shelter_page_shows_name_address_and_note_as_text(suita_staff, hostile, n):
    response = suita_staff.get(f"/staff/shelters/{hostile[n].pk}/")
    assert_shown_as_text(response, [PAYLOADS[n]])
    assert response.content.decode().count(escape(PAYLOADS[n])) >= 3  # name, address, note


def test_the_admin_change_list_and_form_show_it_as_text(client, hostile):
    client.force_login(User.objects.get(username="xss-root"))
    assert_shown_as_text(client.get("/admin/layers/feature/", {"q": "避難所"}))
    for feature, payload in zip(hostile, PAYLOADS, strict=True):
        assert_shown_as_text(client.get(f"/admin/layers/feature/{feature.pk}/change/"), [payload])


def test_the_here_page_lists_the_nearest_shelters_as_text(client, db, tmp_path):
    inside, code, spots = flood_zone_and_spots()
    import_hostile_shelters(tmp_path, code, spots)
    assert_shown_as_text(client.get("/here", {"lat": inside.y, "lon": inside.x}))


def test_the_import_report_and_the_confirmation_show_it_as_text(client, db, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    editor = User.objects.create_user("xss-editor")
    Role.objects.create(user=editor, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code=SUITA))
    client.force_login(editor)
    path = write_file(tmp_path)
    upload = {
        "layer": Layer.objects.get(slug="shelters").pk,
        "municipality": Municipality.objects.get(code=SUITA).pk,
        "mode": "upsert",
        "file": SimpleUploadedFile(path.name, path.read_bytes()),
    }
    assert client.post("/staff/imports/", upload).status_code == 302
    run_queued_imports()
    run = ImportRun.objects.order_by("-pk").first()
    assert run.status == ImportRun.Status.REPORTED, run.report
    assert client.get(f"/staff/imports/{run.pk}/").status_code == 200
    assert_shown_as_text(client.get(f"/staff/imports/{run.pk}/publish"))  # the new features, by name


def test_the_csv_export_holds_the_text_as_data_and_defuses_formulas(client, hostile):
    response = client.get("/api/layers/shelters/features/", {"format": "csv", "municipality": SUITA})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = csv_rows(b"".join(response.streaming_content).decode("utf-8"))
    header, body = rows[0], rows[1:]
    by_id = {row[header.index("共通ID")]: row for row in body if "共通ID" in header}
    for feature, payload in zip(hostile, PAYLOADS, strict=True):
        assert by_id[feature.source_id][header.index("住所")] == f"吹田市{payload}", "data, unchanged"
    formula_row = by_id[FORMULA_ID]
    for cell in formula_row:
        assert not cell.startswith(("=", "+", "-", "@")), f"a spreadsheet would run {cell!r}"
    assert f"'{FORMULA}" in formula_row


def test_the_status_export_defuses_formulas_in_names_and_notes(client, hostile):
    formula_shelter = Feature.objects.get(layer__slug="shelters", source_id=FORMULA_ID)
    root = User.objects.get(username="xss-root")
    update_status(formula_shelter, {"opening_status": "open", "note": FORMULA}, 0, root)
    response = client.get("/api/shelters/status/export", {"format": "csv", "municipality": SUITA})
    rows = csv_rows(response.content.decode("utf-8"))
    assert response["Content-Type"].startswith("text/csv")
    mine = [row for row in rows if row[0] == FORMULA_ID]
    assert mine and all(not cell.startswith(("=", "+", "-", "@")) for cell in mine[0])
    assert mine[0].count(f"'{FORMULA}") == 2  # name and note


def test_json_answers_are_never_taken_for_html(client, hostile):
    for url in (
        f"/api/layers/shelters/features/?municipality={SUITA}",
        f"/api/layers/shelters/features/{hostile[0].pk}/",
        "/api/search/?q=避難所0",
        f"/api/shelters/status/?municipality={SUITA}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "json" in response["Content-Type"] and response["X-Content-Type-Options"] == "nosniff", url


@pytest.mark.parametrize("path", ["/", "/embed/"])
def test_the_map_pages_carry_no_data_in_their_markup(client, hostile, path):
    """The map and its embeddable copy get features as JSON and insert them as text (tests/e2e/test_xss.py)."""
    html = client.get(path).content.decode()
    assert all(payload not in html for payload in PAYLOADS)
    assert inline_scripts(html) == []
