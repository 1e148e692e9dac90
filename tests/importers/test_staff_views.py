"""The staff upload flow: upload, read the row-level report, publish; only for one's own municipality."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from importers.models import ImportRun
from layers.models import Feature, Layer, Municipality, Role
from tests.factories import SUITA_POINT, point_feature, write_geojson
from tests.importers.conftest import run_queued_imports


@pytest.fixture
def suita_editor(db, client):
    user = User.objects.create_user("suita-ed", password="pw")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code="27205"))
    client.force_login(user)
    return user


def upload(client, path, municipality, mode="replace"):
    layer = Layer.objects.get(slug="shelters")
    with open(path, "rb") as fh:
        return client.post(
            "/staff/imports/",
            {
                "layer": layer.pk,
                "municipality": municipality.pk,
                "mode": mode,
                "file": SimpleUploadedFile(path.name, fh.read()),
            },
        )


def test_upload_shows_a_report_then_publishes(client, suita_editor, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    suita = Municipality.objects.get(code="27205")
    path = write_geojson(
        tmp_path / "suita.geojson",
        [point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": "吹田市役所", "洪水": "1"})],
    )
    response = upload(client, path, suita)
    assert response.status_code == 302
    run = ImportRun.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert run.status == "queued", "the worker imports, not the request"
    assert run_queued_imports() == 1
    run.refresh_from_db()
    assert run.status == "reported" and run.user == suita_editor
    assert Feature.objects.filter(layer__slug="shelters", municipality=suita).count() > 1, "not published yet"

    report = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en")
    assert report.status_code == 200 and b"Publish" in report.content
    assert report.context["run"].counts["removed"] > 0

    # Replacing Suita's many shelters by one is a mass removal: the number must be typed to confirm.
    removed = run.counts["removed"]
    refused = client.post(f"/staff/imports/{run.pk}/publish")
    assert refused.status_code == 200 and refused.context["error"]
    assert not ImportRun.objects.filter(source_run=run).exists()
    published = client.post(f"/staff/imports/{run.pk}/publish", {"confirm_removals": str(removed)})
    assert published.status_code == 302
    run_queued_imports()
    # The file was Suita's list of emergency sites: it replaced that list, Suita's shelters stay.
    emergency_sites = Feature.objects.filter(
        layer__slug="shelters", municipality=suita, properties__has_key="emergency_site_id"
    )
    assert list(emergency_sites.values_list("name", flat=True)) == ["吹田市役所"]
    assert ImportRun.objects.filter(status="published", user=suita_editor).exists()


def test_report_lists_row_errors_and_offers_no_publish(client, suita_editor, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    path = write_geojson(
        tmp_path / "bad.geojson",
        [point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": "", "洪水": "1"})],
    )
    response = upload(client, path, Municipality.objects.get(code="27205"))
    run_queued_imports()
    report = client.get(response.url, HTTP_ACCEPT_LANGUAGE="ja")
    html = report.content.decode()
    assert "名称がありません" in html
    assert not report.context["can_publish"]
    run = report.context["run"]
    assert client.post(f"/staff/imports/{run.pk}/publish").status_code == 404


def test_editor_cannot_import_for_another_municipality(client, suita_editor, tmp_path, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    toyonaka = Municipality.objects.get(code="27203")
    path = write_geojson(tmp_path / "t.geojson", [point_feature(135.47, 34.78, **{"施設・場所名": "x"})])
    before = Feature.objects.filter(municipality=toyonaka).count()
    response = upload(client, path, toyonaka)
    # Toyonaka is not among the choices this editor gets: the form refuses it.
    assert response.status_code == 200 and "municipality" in response.context["form"].errors
    assert Feature.objects.filter(municipality=toyonaka).count() == before


def test_anonymous_users_are_sent_to_log_in(client, db):
    response = client.get("/staff/imports/")
    assert response.status_code == 302 and "login" in response.url


def test_reports_of_other_municipalities_are_hidden(client, suita_editor, db):
    other = ImportRun.objects.filter(municipality__code="27100").first()
    assert client.get(f"/staff/imports/{other.pk}/").status_code == 404
