"""Vector tiles: decoded with mapbox-vector-tile and compared with PostGIS; status codes; TileJSON."""

import math

import mapbox_vector_tile
import pytest
from django.core.cache import cache
from django.db import connection

from layers.models import Layer


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def tile_of(lon, lat, z):
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


OSAKA_STATION = (135.4959, 34.7025)


def features_in_tile(slug, z, x, y):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id
               WHERE l.slug = %s AND ST_Intersects(f.geom, ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))""",
            [slug, z, x, y],
        )
        return cursor.fetchone()[0]


def test_a_tile_holds_one_layer_named_after_the_slug_with_the_kinds_properties(client, db):
    z, x, y = tile_of(*OSAKA_STATION, 14)
    response = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    assert list(decoded) == ["shelters"]
    features = decoded["shelters"]["features"]
    assert len(features) == features_in_tile("shelters", z, x, y) > 0
    props = features[0]["properties"]
    assert {"source_id", "name", "designation"} <= set(props)
    assert set(props) <= {"source_id", "name", "designation", "designations", "shelter_type", "disasters", "capacity"}
    assert all(isinstance(f["id"], int) for f in features)


def test_polygon_tiles_at_low_zoom_use_the_generalised_geometry(client, db):
    z, x, y = tile_of(135.52, 34.70, 9)
    low = client.get(f"/tiles/hazard-zones/{z}/{x}/{y}.pbf")
    assert low.status_code == 200
    decoded = mapbox_vector_tile.decode(low.content)["hazard-zones"]["features"]
    assert decoded and all("hazard_type" in f["properties"] for f in decoded)
    assert any("depth_rank" in f["properties"] for f in decoded)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(ST_NPoints(geom_3857_low)), sum(ST_NPoints(geom_3857)) FROM layers_feature f "
            "JOIN layers_layer l ON l.id = f.layer_id WHERE l.slug = 'hazard-zones'"
        )
        generalised, full = cursor.fetchone()
    assert generalised < full


def test_a_tile_over_the_byte_budget_is_redrawn_on_a_coarser_grid(client, db, settings):
    z, x, y = tile_of(135.52, 34.70, 9)
    full = client.get(f"/tiles/hazard-zones/{z}/{x}/{y}.pbf").content
    cache.clear()
    settings.TILE_MAX_BYTES = len(full) - 1
    coarse = client.get(f"/tiles/hazard-zones/{z}/{x}/{y}.pbf").content
    assert len(coarse) < len(full)
    assert mapbox_vector_tile.decode(coarse)["hazard-zones"]["extent"] == 1024


def test_an_empty_tile_is_204(client, db):
    z, x, y = tile_of(135.25, 34.55, 14)  # Osaka Bay
    response = client.get(f"/tiles/shelters/{z}/{x}/{y}.pbf")
    assert response.status_code == 204 and response.content == b""
    assert response["ETag"]


def test_unknown_layer_tile_is_404(client, db):
    assert client.get("/tiles/no-such-layer/8/224/101.pbf").status_code == 404
    assert client.get("/tiles/no-such-layer.json").status_code == 404


def test_tilejson_describes_the_layer_with_a_versioned_url(client, db):
    layer = Layer.objects.get(slug="parks")
    body = client.get("/tiles/parks.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"] == [f"http://testserver/tiles/parks/{{z}}/{{x}}/{{y}}.pbf?v={layer.version}"]
    assert body["vector_layers"][0]["id"] == "parks"
    assert body["minzoom"] == layer.kind_spec.min_zoom
    minx, miny, maxx, maxy = body["bounds"]
    assert 134.9 < minx < maxx < 135.8 and 34.2 < miny < maxy < 35.1


def test_a_layer_recreated_under_the_same_slug_is_noticed(client, db):
    from tests.factories import make_layer

    z, x, y = tile_of(*OSAKA_STATION, 14)
    make_layer("test-recreated", kind="shelter")
    assert client.get(f"/tiles/test-recreated/{z}/{x}/{y}.pbf").status_code == 204
    Layer.objects.filter(slug="test-recreated").delete()
    assert client.get(f"/tiles/test-recreated/{z}/{x}/{y}.pbf").status_code == 404
    make_layer("test-recreated", kind="park", category="parks")
    assert client.get(f"/tiles/test-recreated/{z}/{x}/{y}.pbf").status_code == 204
