"""The import API with a token: upload, poll, preview, publish, roll back; a municipal token stays home."""

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from importers.models import ImportRun, PublishedVersion
from layers.models import Feature, Layer, Municipality, Role
from tests.factories import SUITA_POINT, point_feature, write_geojson
from tests.importers.conftest import run_queued_imports

ROOT = Path(__file__).resolve().parents[2]
CP932_CSV = ROOT / "fixtures" / "shelters" / "gsi_csv" / "27205_shitei-kinkyu-hinanbasho_cp932.csv"
SUITA, TOYONAKA = "27205", "27203"


def token_client(username, role=Role.Name.DATA_EDITOR, code=SUITA):
    user = User.objects.create_user(username)
    Role.objects.create(user=user, name=role, municipality=Municipality.objects.get(code=code))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def suita_api(db, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return token_client("suita-api")


def post_file(client, path, **fields):
    with open(path, "rb") as fh:
        data = {"file": SimpleUploadedFile(path.name, fh.read()), "layer": "shelters"} | fields
        return client.post("/api/imports/", data, format="multipart")


def suita_shelters():
    return Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA)


def suita_parks():
    # The removal guard is shown on parks: a shelter file replaces only its own list's part of each
    # facility (importers/facilities.py), so it removes fewer features than it has rows elsewhere.
    return Feature.objects.filter(layer__slug="parks", municipality__code=SUITA)


def one_park(tmp_path):
    return write_geojson(
        tmp_path / "one-park.geojson", [point_feature(*SUITA_POINT, ID="P-NEW", 名称="吹田の新しい公園")]
    )


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code


def test_upload_poll_preview_publish_and_roll_back_with_a_token(suita_api):
    before = sorted(suita_shelters().values_list("source_id", flat=True))
    version_before = Layer.objects.get(slug="shelters").version

    response = post_file(suita_api, CP932_CSV, mode="upsert")
    assert response.status_code == 202
    run = response.json()
    assert run["status"] == "queued" and run["dry_run"] and run["municipality"] == SUITA
    assert response["Location"] == run["url"]

    assert run_queued_imports() == 1
    polled = suita_api.get(run["url"]).json()
    assert polled["status"] == "reported", polled
    assert polled["encoding"] == "cp932" and polled["counts"]["rows"] == 100
    assert polled["progress"]["rows"] == 100 and polled["progress"]["total"] == 100
    assert polled["counts"]["errors"] == 0 and polled["confirm_removals"] is None

    preview = suita_api.get(polled["preview_url"])
    assert preview.status_code == 200 and preview["Content-Type"].startswith("application/geo+json")
    collection = preview.json()
    assert collection["type"] == "FeatureCollection"
    changed = polled["counts"]["new"] + polled["counts"]["changed"]
    assert len(collection["features"]) == changed
    for feature in collection["features"]:
        assert feature["properties"]["change"] in ("new", "changed") and feature["geometry"]["type"] == "Point"
    assert sorted(suita_shelters().values_list("source_id", flat=True)) == before, "a dry run publishes nothing"

    published = suita_api.post(polled["publish_url"], {}, format="json")
    assert published.status_code == 202
    run_queued_imports()
    publish_run = suita_api.get(published.json()["url"]).json()
    assert publish_run["status"] == "published" and publish_run["source_run"] == run["id"]
    layer = Layer.objects.get(slug="shelters")
    assert layer.version > version_before
    record = PublishedVersion.objects.get(layer=layer, version=publish_run["published_version"])
    assert record.user.username == "suita-api" and record.import_run_id == publish_run["id"]
    assert suita_api.post(polled["publish_url"], {}, format="json").status_code == 409, "published once only"

    rolled = suita_api.post("/api/layers/shelters/rollback/", {"municipality": SUITA}, format="json")
    assert rolled.status_code == 200, rolled.content
    assert rolled.json()["rolled_back_to"] == publish_run["published_version"] - 1
    assert sorted(suita_shelters().values_list("source_id", flat=True)) == before
    undo = PublishedVersion.objects.get(layer=layer, version=rolled.json()["version"])
    assert undo.user.username == "suita-api" and undo.municipality.code == SUITA


def test_findings_filter_by_severity_and_field(suita_api, tmp_path):
    path = write_geojson(
        tmp_path / "bad.geojson",
        [
            point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": "", "洪水": "1"}),
            point_feature(*SUITA_POINT, 共通ID="E2720500001202", **{"施設・場所名": "吹田", "洪水": "1"}),
        ],
    )
    run = post_file(suita_api, path).json()
    run_queued_imports()
    everything = suita_api.get(run["url"]).json()
    assert everything["status"] == "refused"
    errors = suita_api.get(run["url"], {"severity": "error"}).json()["findings"]
    assert errors and all(f["severity"] == "error" for f in errors)
    named = suita_api.get(run["url"], {"field": errors[0]["field"]}).json()["findings"]
    assert named and all(f["field"] == errors[0]["field"] for f in named)
    assert_error(suita_api.get(run["url"], {"severity": "bad"}), 400, "invalid_parameter")
    assert_error(suita_api.post(run["publish_url"], {}, format="json"), 409, "not_publishable")


def test_a_replace_removing_most_features_needs_the_number(suita_api, tmp_path):
    count = suita_parks().count()
    run = post_file(suita_api, one_park(tmp_path), mode="replace", layer="parks").json()
    run_queued_imports()
    polled = suita_api.get(run["url"]).json()
    removed = polled["counts"]["removed"]
    assert removed >= count - 1 and polled["confirm_removals"] == removed

    refused = suita_api.post(run["publish_url"], {}, format="json")
    assert_error(refused, 409, "confirmation_required")
    assert refused.json()["error"]["removed"] == removed
    assert_error(suita_api.post(run["publish_url"], {"confirm_removals": removed - 1}, format="json"), 409)
    assert suita_parks().count() == count and not ImportRun.objects.filter(source_run_id=run["id"]).exists()

    confirmed = suita_api.post(run["publish_url"], {"confirm_removals": removed}, format="json")
    assert confirmed.status_code == 202
    run_queued_imports()
    assert suita_parks().count() == 1


def test_publishing_straight_away_still_honours_the_guard(suita_api, tmp_path):
    count = suita_parks().count()
    path = one_park(tmp_path)
    run = post_file(suita_api, path, mode="replace", dry_run="false", layer="parks").json()
    run_queued_imports()
    assert suita_api.get(run["url"]).json()["publish_runs"] == []
    assert suita_parks().count() == count

    run = post_file(suita_api, path, mode="replace", dry_run="false", confirm_removals=str(count), layer="parks").json()
    run_queued_imports()
    assert len(suita_api.get(run["url"]).json()["publish_runs"]) == 1
    assert suita_parks().count() == 1


def test_municipal_token_is_refused_everywhere_outside_its_municipality(suita_api, tmp_path):
    toyonaka_api = token_client("toyonaka-api", code=TOYONAKA)
    path = write_geojson(tmp_path / "t.geojson", [point_feature(135.47, 34.78, **{"施設・場所名": "x"})])
    toyonaka_before = Feature.objects.filter(municipality__code=TOYONAKA).count()
    runs_before = ImportRun.objects.count()
    assert_error(post_file(suita_api, path, municipality=TOYONAKA), 403, "forbidden")
    assert ImportRun.objects.count() == runs_before

    theirs = post_file(toyonaka_api, path).json()
    assert theirs["municipality"] == TOYONAKA
    run_queued_imports()
    for url in (theirs["url"], theirs["preview_url"]):
        assert_error(suita_api.get(url), 403, "forbidden")
    assert_error(suita_api.post(theirs["publish_url"], {}, format="json"), 403, "forbidden")
    assert not ImportRun.objects.filter(source_run_id=theirs["id"]).exists()

    versions = Layer.objects.get(slug="shelters").version
    assert_error(suita_api.post("/api/layers/shelters/rollback/", {"municipality": TOYONAKA}, format="json"), 403)
    assert_error(suita_api.post("/api/layers/shelters/rollback/", {}, format="json"), 403)
    assert Layer.objects.get(slug="shelters").version == versions
    assert Feature.objects.filter(municipality__code=TOYONAKA).count() == toyonaka_before

    disaster_staff = token_client("suita-bousai-api", role=Role.Name.DISASTER_STAFF)
    assert_error(post_file(disaster_staff, path, municipality=SUITA), 403)


def test_without_a_token_the_api_asks_for_one(db):
    response = APIClient().get("/api/imports/1/")
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Token")
    assert_error(APIClient().post("/api/layers/shelters/rollback/", {}), 401)


def test_unknown_run_and_layer_are_404(suita_api):
    assert_error(suita_api.get("/api/imports/999999999/"), 404, "not_found")
    assert_error(suita_api.post("/api/layers/no-such-layer/rollback/", {}, format="json"), 404)


def test_the_import_endpoints_are_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/imports/",
        "/api/imports/{id}/",
        "/api/imports/{id}/publish/",
        "/api/layers/{slug}/rollback/",
    ):
        assert path in schema["paths"], path
    assert any(p.startswith("/api/imports/{id}/preview") for p in schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]
