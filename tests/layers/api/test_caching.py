"""HTTP caching: strong ETags from layer versions, 304s, immutable versioned tile URLs, the tile cache,
and a publish changing every ETag and tile URL of its layer."""

import gzip
import json
import math

import pytest
from django.core.cache import cache

from importers.pipeline import run_import
from layers.api import caching
from layers.models import Layer, Municipality
from tests.factories import SUITA, SUITA_POINT, point_feature, write_geojson


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def suita_tile(z=14):
    lon, lat = SUITA_POINT
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def publish_suita_shelter(tmp_path, name="新しい避難所"):
    shelters = Layer.objects.get(slug="shelters")
    row = point_feature(*SUITA_POINT, 共通ID="E2720500001201", **{"施設・場所名": name, "洪水": "1"})
    path = write_geojson(tmp_path / "s.geojson", [row])
    assert run_import(path, layer=shelters, municipality=Municipality.objects.get(code=SUITA), mode="upsert").published


@pytest.mark.parametrize(
    "url",
    [
        "/api/layers/",
        "/api/layers/shelters/",
        "/api/layers/shelters/features/?municipality=27205&limit=5",
        "/api/municipalities/",
        "/tiles/shelters.json",
        "/ogc/collections",
        "/ogc/collections/shelters/items?limit=3",
    ],
)
def test_read_responses_carry_a_strong_etag_and_honour_if_none_match(client, db, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize(
    "url", ["/api/layers/", "/api/layers/shelters/features/?limit=300", "/ogc/collections/shelters/items?limit=50"]
)
def test_gzip_for_clients_that_accept_it_with_its_own_strong_etag(client, db, url):
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert packed["ETag"] == plain["ETag"][:-1] + '-gzip"'  # strong, and not the identity body's
    for held in (packed["ETag"], plain["ETag"], f"W/{packed['ETag']}"):
        again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=held)
        assert again.status_code == 304 and again["ETag"] == held.removeprefix("W/")
    assert client.get(url, HTTP_IF_NONE_MATCH=packed["ETag"]).status_code == 304


def test_the_etag_depends_on_the_query(client, db):
    a = client.get("/api/layers/shelters/features/", {"limit": 5})["ETag"]
    b = client.get("/api/layers/shelters/features/", {"limit": 6})["ETag"]
    assert a != b


def test_versioned_tile_urls_are_immutable_and_answer_from_the_cache(client, db):
    layer = Layer.objects.get(slug="shelters")
    z, x, y = suita_tile()
    url = f"/tiles/shelters/{z}/{x}/{y}.pbf?v={layer.version}"
    first = client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=31536000, immutable"
    assert cache.get(caching.tile_cache_key("shelters", layer.version, z, x, y)) == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    unversioned = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf")
    assert unversioned.content == first.content and "immutable" not in unversioned["Cache-Control"]


def test_a_publish_changes_tile_urls_etags_and_tiles(client, db, tmp_path):
    z, x, y = suita_tile(16)
    entry = next(e for e in client.get("/api/layers/").json()["layers"] if e["slug"] == "shelters")
    old_version = entry["version"]
    assert entry["tile_url"].endswith(f"/tiles/shelters/{{z}}/{{x}}/{{y}}.pbf?v={old_version}")
    old_tile = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf?v={old_version}")
    old_features = client.get("/api/layers/shelters/features/", {"municipality": SUITA, "limit": 5})
    old_catalogue = client.get("/api/layers/")

    publish_suita_shelter(tmp_path)

    entry = next(e for e in client.get("/api/layers/").json()["layers"] if e["slug"] == "shelters")
    assert entry["version"] > old_version
    assert entry["tile_url"].endswith(f"?v={entry['version']}")
    new_tile = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf?v={entry['version']}")
    assert new_tile["ETag"] != old_tile["ETag"]
    assert new_tile.content != old_tile.content  # the tile under the new URL shows the publish
    features = client.get(
        "/api/layers/shelters/features/", {"municipality": SUITA, "limit": 5}, HTTP_IF_NONE_MATCH=old_features["ETag"]
    )
    assert features.status_code == 200 and features["ETag"] != old_features["ETag"]
    assert client.get("/api/layers/", HTTP_IF_NONE_MATCH=old_catalogue["ETag"]).status_code == 200
    # An old version's URL is sent to the current one rather than served changed bytes.
    cache.clear()
    stale = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf?v={old_version}")
    assert stale.status_code == 302 and stale["Location"].endswith(f"?v={entry['version']}")


def test_the_unversioned_tile_never_serves_a_tile_from_before_a_publish(client, db, tmp_path):
    z, x, y = suita_tile(16)
    before = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf")
    publish_suita_shelter(tmp_path, name="改名した避難所")
    after = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after.content != before.content


def test_cors_headers_on_public_reads_only(client, db):
    origin = {"HTTP_ORIGIN": "https://example.org"}
    for url in ("/api/layers/", "/ogc/", "/tiles/parks.json"):
        assert client.get(url, **origin)["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", **origin)
    preflight = client.options("/api/layers/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST", **origin)
    assert "POST" not in preflight.get("Access-Control-Allow-Methods", "")
