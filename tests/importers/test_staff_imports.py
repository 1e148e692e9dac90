"""The import workspace: queued uploads, live progress, the report's filters, CSV and columns, the
confirmation, freshness and the undo of a publish; stalled runs end failed."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from importers import runs
from importers.models import ColumnChoice, ImportRun, PublishedVersion
from layers.models import Feature, Layer, Municipality, Role
from tests.factories import SUITA_POINT, point_feature, write_csv, write_geojson
from tests.importers.conftest import run_queued_imports

ROOT = Path(__file__).resolve().parents[2]
CP932_CSV = ROOT / "fixtures" / "shelters" / "gsi_csv" / "27205_shitei-kinkyu-hinanbasho_cp932.csv"


@pytest.fixture
def editor(db, client, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    user = User.objects.create_user("suita-ws", password="pw")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code="27205"))
    client.force_login(user)
    return user


def upload(client, path, mode="replace", layer="shelters", **extra):
    with open(path, "rb") as fh:
        data = {
            "layer": Layer.objects.get(slug=layer).pk,
            "municipality": Municipality.objects.get(code="27205").pk,
            "mode": mode,
            "file": SimpleUploadedFile(path.name, fh.read()),
        }
        return client.post("/staff/imports/", data, **extra)


def latest_run():
    return ImportRun.objects.order_by("-pk").first()


def test_upload_by_script_gets_the_run_page_as_json(client, editor):
    response = upload(client, CP932_CSV, mode="upsert", HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    run = latest_run()
    assert response.json() == {"id": run.pk, "url": f"/staff/imports/{run.pk}/"}
    page = client.get(response.json()["url"], HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["active"] and b"Rows read and checked" in page.content and b'id="rows-bar"' in page.content


def test_an_invalid_upload_by_script_gets_the_one_error_shape(client, editor):
    response = client.post("/staff/imports/", {"mode": "replace"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["parameter"] and "file" in error["fields"]


def test_report_filters_findings_and_downloads_them_as_csv(client, editor, tmp_path):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": "", "洪水": "1"}),
            point_feature(135.0, 20.0, 共通ID="E2720500001202", **{"施設・場所名": "遠い", "洪水": "1"}),
        ],
    )
    upload(client, path)
    run_queued_imports()
    run = latest_run()
    page = client.get(f"/staff/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["run"].status == "refused"
    every = page.context["findings"]
    field = every[0]["field"] or page.context["fields"][0]
    only = client.get(f"/staff/imports/{run.pk}/", {"severity": "error", "field": field}).context["findings"]
    assert only and all(f["severity"] == "error" and f["field"] == field for f in only)
    assert len(only) < len(every) or len(page.context["fields"]) == 1

    download = client.get(f"/staff/imports/{run.pk}/findings.csv", {"severity": "error"})
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows and {r["severity"] for r in rows} == {"error"} and rows[0]["message_ja"]


def test_confirmation_lists_the_changes_and_needs_the_number(client, editor, tmp_path):
    # Parks: a shelter file replaces only its own list's part of each facility (importers/facilities.py).
    before = Feature.objects.filter(layer__slug="parks", municipality__code="27205").count()
    path = write_geojson(tmp_path / "one.geojson", [point_feature(*SUITA_POINT, ID="P-NEW", 名称="新しい公園")])
    upload(client, path, layer="parks")
    run_queued_imports()
    run = latest_run()
    report = client.get(f"/staff/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert run.status == "reported", run.report
    assert report.context["removals_to_confirm"] == before and report.context["has_preview"]

    page = client.get(f"/staff/imports/{run.pk}/publish", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert f"This removes {before} of the {before} features" in html
    groups = {value: (count, features) for value, _label, count, features in page.context["groups"]}
    assert groups["new"][0] == 1 and groups["new"][1][0].name == "新しい公園"
    assert groups["removed"][0] == before and len(groups["removed"][1]) == min(before, 500)

    wrong = client.post(f"/staff/imports/{run.pk}/publish", {"confirm_removals": "1"})
    assert wrong.status_code == 200 and wrong.context["error"]
    assert Feature.objects.filter(layer__slug="parks", municipality__code="27205").count() == before
    ok = client.post(f"/staff/imports/{run.pk}/publish", {"confirm_removals": str(before)})
    assert ok.status_code == 302
    run_queued_imports()
    suita = Feature.objects.filter(layer__slug="parks", municipality__code="27205")
    assert list(suita.values_list("name", flat=True)) == ["新しい公園"]


def test_a_small_replace_needs_no_confirmation(client, editor, settings):
    settings.IMPORT_CONFIRM_REMOVAL_PERCENT = 100
    upload(client, CP932_CSV)
    run_queued_imports()
    run = latest_run()
    assert run.counts["removed"] > 0 and runs.removals_to_confirm(run) is None
    assert client.post(f"/staff/imports/{run.pk}/publish").status_code == 302


def test_chosen_columns_are_used_and_remembered_for_the_municipality(client, editor, tmp_path):
    header = ["ID", "避難所の名前", "所在地", "lat", "lon"]
    path = write_csv(tmp_path / "odd.csv", header, [["A1", "吹田第一", "吹田市", SUITA_POINT[1], SUITA_POINT[0]]])
    upload(client, path, mode="upsert")
    run_queued_imports()
    run = latest_run()
    page = client.get(f"/staff/imports/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["column_trouble"] and page.context["columns_form"] is not None
    assert "避難所の名前" in run.columns["found"]

    chosen = {**page.context["columns_form"].initial_columns, "name": "避難所の名前"}
    response = client.post(f"/staff/imports/{run.pk}/columns", chosen)
    assert response.status_code == 302
    remembered = ColumnChoice.objects.get(layer__slug="shelters", municipality__code="27205")
    assert remembered.columns == {"name": "避難所の名前"}, "only what the editor changed"
    run_queued_imports()
    again = latest_run()
    assert again.columns["mapped"]["name"] == "避難所の名前"
    assert not [f for f in again.report if f["code"] == "name_column_missing"]

    upload(client, path, mode="upsert")  # the next file of the municipality uses the same choice
    run_queued_imports()
    assert latest_run().columns["mapped"]["name"] == "避難所の名前"


def test_workspace_lists_layers_with_freshness_and_history(client, editor, settings):
    settings.IMPORT_STALE_AFTER_DAYS = 1
    layer = Layer.objects.get(slug="shelters")
    PublishedVersion.objects.filter(layer=layer).update(created_at=timezone.now() - timedelta(days=3))
    page = client.get("/staff/imports/", HTTP_ACCEPT_LANGUAGE="en")
    rows = {row.layer.slug: row for row in page.context["layers"]}
    shelters = rows["shelters"]
    assert shelters.features == Feature.objects.filter(layer=layer, municipality__code="27205").count() > 0
    assert shelters.last_publish is not None and shelters.stale and shelters.can_roll_back
    assert b"Not published in the last 1 day" in page.content
    assert page.context["history"]


def test_undo_the_last_publish_from_the_workspace(client, editor):
    layer = Layer.objects.get(slug="shelters")
    before = sorted(Feature.objects.filter(layer=layer, municipality__code="27205").values_list("source_id", flat=True))
    osaka_before = Feature.objects.filter(layer=layer, municipality__code="27100").count()
    upload(client, CP932_CSV)
    run_queued_imports()
    run = latest_run()
    client.post(f"/staff/imports/{run.pk}/publish", {"confirm_removals": str(run.counts["removed"])})
    run_queued_imports()
    suita = Feature.objects.filter(layer=layer, municipality__code="27205")
    assert sorted(suita.values_list("source_id", flat=True)) != before

    response = client.post("/staff/imports/layers/shelters/rollback", {"municipality": "27205"})
    assert response.status_code == 302
    assert sorted(suita.values_list("source_id", flat=True)) == before
    assert Feature.objects.filter(layer=layer, municipality__code="27100").count() == osaka_before
    latest = PublishedVersion.objects.filter(layer=layer).order_by("-version").first()
    assert latest.user == editor and latest.municipality.code == "27205" and latest.rolled_back_to


def test_staff_pages_refuse_another_municipality(client, editor):
    layer = Layer.objects.get(slug="shelters")
    version = Layer.objects.get(slug="shelters").version
    assert client.post("/staff/imports/layers/shelters/rollback", {"municipality": "27203"}).status_code == 403
    assert client.post("/staff/imports/layers/shelters/rollback", {}).status_code == 403
    other = ImportRun.objects.filter(municipality__code="27100").first()
    for url in (f"/staff/imports/{other.pk}/publish", f"/staff/imports/{other.pk}/findings.csv"):
        assert client.get(url).status_code == 404
    assert client.post(f"/staff/imports/{other.pk}/columns", {}).status_code == 404
    assert Layer.objects.get(pk=layer.pk).version == version


def test_a_run_whose_worker_stopped_beating_ends_failed(db, settings):
    run = ImportRun.objects.filter(municipality__code="27205").first()
    lost = timezone.now() - timedelta(seconds=settings.IMPORT_WORKER_LOST_SECONDS + 5)
    ImportRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=lost, progressed_at=lost)
    fresh = ImportRun.objects.exclude(pk=run.pk).filter(municipality__code="27205").first()
    ImportRun.objects.filter(pk=fresh.pk).update(
        status="running", heartbeat_at=timezone.now(), progressed_at=timezone.now()
    )
    assert [r.pk for r in runs.end_stalled_runs()] == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "worker" in run.failure and run.finished_at


def test_a_run_that_stopped_progressing_ends_failed(db, settings):
    run = ImportRun.objects.filter(municipality__code="27205").first()
    stuck = timezone.now() - timedelta(seconds=settings.IMPORT_STUCK_SECONDS + 5)
    ImportRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now(), progressed_at=stuck)
    assert [r.pk for r in runs.end_stalled_runs()] == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "progress" in run.failure
