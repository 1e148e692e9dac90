"""Cluster tiles: a point layer at low zoom as one point per grid cell, counts adding up, filters applied."""

import mapbox_vector_tile
import pytest
from django.core.cache import cache

from layers.models import Feature, Layer
from tests.layers.tiles.test_tiles import tile_of


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def prefecture_tiles(layer):
    """The zoom-8 tiles over the layer's features (Osaka lies across two)."""
    from django.contrib.gis.db.models import Extent

    minx, miny, maxx, maxy = Feature.objects.filter(layer=layer).aggregate(e=Extent("geom"))["e"]
    _, x0, y0 = tile_of(minx, maxy, 8)
    _, x1, y1 = tile_of(maxx, miny, 8)
    return [(8, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def clusters(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response, mapbox_vector_tile.decode(response.content)["shelters"]["features"]


def test_the_prefecture_tile_counts_every_shelter_in_a_few_hundred_bytes(client, db):
    layer = Layer.objects.get(slug="shelters")
    # Zoom 8: Osaka in two tiles; the main one with every place and its name is ~600 KB.
    total = 0
    for z, x, y in prefecture_tiles(layer):
        response, features = clusters(client, f"/tiles/shelters/clusters/{z}/{x}/{y}.pbf?v={layer.version}")
        total += sum(f["properties"]["count"] for f in features)
        assert len(features) <= (256 // 32) ** 2
        assert len(response.content) < 2_000
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert total == Feature.objects.filter(layer=layer).count()


def test_filters_narrow_the_counts(client, db):
    layer = Layer.objects.get(slug="shelters")
    total = 0
    for z, x, y in prefecture_tiles(layer):
        url = f"/tiles/shelters/clusters/{z}/{x}/{y}.pbf?v={layer.version}&designations=shelter"
        response = client.get(url)
        if response.status_code == 200:
            total += sum(
                f["properties"]["count"] for f in mapbox_vector_tile.decode(response.content)["shelters"]["features"]
            )
    assert 0 < total == Feature.objects.filter(layer=layer, properties__designations__contains=["shelter"]).count()


def test_an_old_version_redirects_keeping_the_filters_and_a_bad_filter_is_a_400(client, db):
    layer = Layer.objects.get(slug="shelters")
    response = client.get(f"/tiles/shelters/clusters/8/227/101.pbf?v={layer.version - 1}&designations=shelter")
    assert response.status_code == 302
    assert f"v={layer.version}" in response["Location"] and "designations=shelter" in response["Location"]
    assert client.get("/tiles/shelters/clusters/8/227/101.pbf?colour=red").status_code == 400
