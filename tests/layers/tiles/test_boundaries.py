"""The municipal outlines as vector tiles: every municipality in the prefecture's tiles, small, versioned."""

import mapbox_vector_tile
import pytest
from django.contrib.gis.db.models import Extent
from django.core.cache import cache

from frontend.views import boundary_url_template, municipality_index
from layers.models import Municipality
from layers.tiles import boundaries
from tests.layers.tiles.test_tiles import tile_of


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def prefecture_tiles(z):
    minx, miny, maxx, maxy = Municipality.objects.aggregate(e=Extent("geom"))["e"]
    _, x0, y0 = tile_of(minx, maxy, z)
    _, x1, y1 = tile_of(maxx, miny, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_the_prefecture_tiles_hold_all_43_outlines_with_names_in_a_few_kilobytes(client, db):
    url = boundary_url_template()
    codes = set()
    for z, x, y in prefecture_tiles(10):
        response = client.get(url.format(z=z, x=x, y=y))
        if response.status_code == 204:
            continue
        assert response.status_code == 200, response.content[:300]
        assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
        assert "immutable" in response["Cache-Control"]
        assert len(response.content) < 12_000  # the whole GeoJSON was 177 KB
        features = mapbox_vector_tile.decode(response.content)["municipalities"]["features"]
        for feature in features:
            assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
            assert feature["properties"]["name_ja"] and feature["properties"]["name_en"]
            codes.add(feature["properties"]["code"])
    assert codes == set(Municipality.objects.values_list("code", flat=True))
    assert len(codes) == 43


def test_a_tile_off_the_prefecture_is_empty_and_a_bad_one_refused(client, db):
    assert client.get("/tiles/boundaries/municipalities/10/0/0.pbf").status_code == 204
    response = client.get("/tiles/boundaries/municipalities/10/5000/0.pbf")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_the_version_follows_the_boundaries_and_only_the_current_one_is_immutable(client, db):
    before = boundaries.version()
    z, x, y = prefecture_tiles(10)[0]
    stale = client.get(f"/tiles/boundaries/municipalities/{z}/{x}/{y}.pbf?v=old")
    assert "immutable" not in stale["Cache-Control"]

    osaka = Municipality.objects.get(code="27100")
    osaka.geom = osaka.geom.buffer(0.001)
    osaka.save()
    cache.clear()
    assert boundaries.version() != before


def test_the_map_config_names_every_municipality_with_its_box(db):
    index = municipality_index()
    assert len(index) == 43
    osaka = index["27100"]
    assert osaka["ja"] == "大阪市" and osaka["en"]
    west, south, east, north = osaka["bbox"]
    assert 135.3 < west < east < 135.7 and 34.5 < south < north < 34.8
