"""/metrics: request time by route, tile cache hits and misses, status updates and import runs, in
Prometheus' text format, for operators only."""

import pytest
from django.contrib.auth.models import User
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from importers.pipeline import run_import
from layers.models import Feature, Layer, Municipality, Role
from layers.status import service
from mapapp.wsgi import application
from tests.conftest import ROOT
from tests.factories import SUITA, SUITA_POINT, point_feature, write_geojson
from tests.layers.tiles.test_tile_fastpath import OSAKA_STATION_Z14, call

TOKEN = "a-long-metrics-token-for-the-scraper-0123456789"


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def scrape(client, **headers):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def test_anonymous_requests_are_refused(db, client, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Token {TOKEN}"}).status_code == 403
    assert b"mapapp_" not in client.get("/metrics").content


def test_an_allowed_address_reads_directly_but_never_through_a_proxy(db, client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "127.0.0.1"]
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 403
    # nginx on the same machine: the request comes from 127.0.0.1, on behalf of anyone.
    assert client.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 403
    assert client.get("/metrics", headers={"X-Real-IP": "127.0.0.1"}).status_code == 403


def test_requests_are_counted_and_timed_by_route_name(db, client, token):
    labels = {"route": "layer-features", "method": "GET"}
    before = value("mapapp_http_responses_total", status="200", **labels)
    timed = value("mapapp_http_request_duration_seconds_count", **labels)
    for bbox in ("135.50,34.70,135.51,34.71", "135.40,34.60,135.41,34.61"):
        assert client.get(f"/api/layers/shelters/features/?bbox={bbox}").status_code == 200
    assert client.get("/api/layers/shelters/features/?limit=nonsense").status_code == 400
    assert value("mapapp_http_responses_total", status="200", **labels) == before + 2
    assert value("mapapp_http_responses_total", status="400", **labels) >= 1
    assert value("mapapp_http_request_duration_seconds_count", **labels) == timed + 3
    samples = scrape(client)
    assert samples[("mapapp_http_responses_total", (("method", "GET"), ("route", "layer-features"), ("status", "200")))]
    # Raw paths never become labels: two boxes, one series.
    assert not any("bbox" in str(key) or "/api/" in str(key) for key in samples)


def test_unknown_urls_share_one_label(db, client, token):
    before = value("mapapp_http_responses_total", route="unmatched", method="GET", status="404")
    for n in range(3):
        client.get(f"/api/no-such-thing-{n}/")
    assert value("mapapp_http_responses_total", route="unmatched", method="GET", status="404") == before + 3


def test_tiles_from_the_short_path_are_counted_with_the_cache(db, token, keep_the_test_transaction):
    version = Layer.objects.get(slug="shelters").version
    hits, misses = value("mapapp_tile_cache_total", result="hit"), value("mapapp_tile_cache_total", result="miss")
    served = value("mapapp_http_responses_total", route="tile", method="GET", status="200")
    assert call_tile(version)["status"].startswith("200")
    assert value("mapapp_tile_cache_total", result="miss") == misses + 1
    assert call_tile(version)["status"].startswith("200")
    assert value("mapapp_tile_cache_total", result="hit") == hits + 1
    assert value("mapapp_tile_cache_total", result="miss") == misses + 1
    assert value("mapapp_http_responses_total", route="tile", method="GET", status="200") == served + 2


def call_tile(version):
    return call(application, OSAKA_STATION_Z14, f"v={version}")


def test_status_updates_are_counted_by_result(db, client, token):
    user = User.objects.create_user("metrics-staff")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=Municipality.objects.get(code=SUITA))
    shelter = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).order_by("source_id").first()
    accepted = value("mapapp_shelter_status_updates_total", result="accepted")
    stale = value("mapapp_shelter_status_updates_total", result="stale")
    service.update_status(shelter, {"opening_status": "open"}, 0, user)
    with pytest.raises(service.StaleVersion):
        service.update_status(shelter, {"evacuee_count": 3}, 0, user)
    assert value("mapapp_shelter_status_updates_total", result="accepted") == accepted + 1
    assert value("mapapp_shelter_status_updates_total", result="stale") == stale + 1
    samples = scrape(client)
    assert samples[("mapapp_shelter_status_updates_total", (("result", "accepted"),))] >= 1


def test_import_runs_are_counted_by_status(db, client, token, tmp_path):
    layer = Layer.objects.get(slug="shelters")
    suita = Municipality.objects.get(code=SUITA)
    before = scrape(client)
    reported = before[("mapapp_import_runs", (("status", "reported"),))]
    refused = before[("mapapp_import_runs", (("status", "refused"),))]
    good = ROOT / "fixtures/shelters/gsi_csv/27205_shitei-kinkyu-hinanbasho_cp932.csv"
    bad = write_geojson(tmp_path / "bad.geojson", [point_feature(*SUITA_POINT, 名称="no id")])
    assert run_import(good, layer=layer, municipality=suita, mode="dry_run").run.status == "reported"
    assert run_import(bad, layer=layer, municipality=suita, mode="dry_run").run.status == "refused"
    after = scrape(client)
    assert after[("mapapp_import_runs", (("status", "reported"),))] == reported + 1
    assert after[("mapapp_import_runs", (("status", "refused"),))] == refused + 1
    assert (
        after[("mapapp_import_runs", (("status", "queued"),))]
        == before[("mapapp_import_runs", (("status", "queued"),))]
    )


def test_the_production_server_adds_up_its_processes(ops_server):
    """scripts/serve.sh runs two granian processes here; /metrics counts the tiles both served."""
    for _ in range(12):
        assert ops_server.get(OSAKA_STATION_Z14).status == 200
    assert ops_server.get("/metrics").status == 403
    text = ops_server.get("/metrics", Authorization=f"Bearer {ops_server.token}").read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    tiles = samples[("mapapp_http_responses_total", (("method", "GET"), ("route", "tile"), ("status", "200")))]
    assert tiles == 12
    assert samples[("mapapp_http_request_duration_seconds_count", (("method", "GET"), ("route", "tile")))] == 12
    assert ("mapapp_import_runs", (("status", "queued"),)) in samples
