"""OGC API - Features Part 2: CRS84, EPSG:4326, JGD2011 and its plane-rectangular zones, transformed by PostGIS."""

import pytest
from django.db import connection

from layers.models import Feature

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ZONE_VI = EPSG.format(6674)


def _postgis(feature_ids, srid):
    """{id: (x, y)} as PostGIS's own ST_Transform gives them (x = longitude or easting)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_X(ST_Transform(geom, %s)), ST_Y(ST_Transform(geom, %s)) FROM layers_feature "
            "WHERE id = ANY(%s)",
            [srid, srid, list(feature_ids)],
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_collections_list_the_offered_crs_and_the_storage_crs(client, db):
    for collection in client.get("/ogc/collections").json()["collections"]:
        assert collection["crs"] == [CRS84, EPSG.format(4326), EPSG.format(6668)] + [
            EPSG.format(code) for code in range(6669, 6688)
        ]
        assert collection["storageCrs"] == EPSG.format(4326)


def test_items_in_plane_zone_vi_match_postgis_within_a_centimetre(client, db):
    response = client.get("/ogc/collections/shelters/items", {"crs": ZONE_VI, "limit": 200})
    assert response.status_code == 200
    assert response["Content-Crs"] == f"<{ZONE_VI}>"
    features = response.json()["features"]
    assert len(features) == 200
    expected = _postgis([f["id"] for f in features], 6674)
    for feature in features:
        # EPSG:6674's first axis is X, the northing; GeoJSON gets the EPSG order.
        northing, easting = feature["geometry"]["coordinates"]
        x, y = expected[feature["id"]]
        assert abs(easting - x) < 0.01 and abs(northing - y) < 0.01
        assert -200_000 < northing < 0 and -100_000 < easting < 100_000  # metres from zone VI's origin (36°N 136°E)


def test_a_polygon_layer_in_zone_vi_has_rings_in_metres(client, db):
    body = client.get("/ogc/collections/hazard-zones/items", {"crs": ZONE_VI, "limit": 3}).json()
    ring = body["features"][0]["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring  # Polygon or MultiPolygon
    assert all(-200_000 < n < 0 and -100_000 < e < 100_000 for n, e in ring)


@pytest.mark.parametrize("code", [4326, 6668])
def test_geographic_epsg_crs_are_latitude_first(client, db, code):
    response = client.get("/ogc/collections/shelters/items", {"crs": EPSG.format(code), "limit": 20})
    assert response["Content-Crs"] == f"<{EPSG.format(code)}>"
    features = response.json()["features"]
    expected = _postgis([f["id"] for f in features], code)
    for feature in features:
        lat, lon = feature["geometry"]["coordinates"]
        assert 34 < lat < 35.2 and 135 < lon < 136
        assert abs(lon - expected[feature["id"]][0]) < 1e-6 and abs(lat - expected[feature["id"]][1]) < 1e-6


def test_crs84_is_the_default_and_says_so(client, db):
    response = client.get("/ogc/collections/shelters/items", {"limit": 1})
    assert response["Content-Crs"] == f"<{CRS84}>"
    lon, lat = response.json()["features"][0]["geometry"]["coordinates"]
    assert 135 < lon < 136 and 34 < lat < 35.2


def test_one_item_in_a_requested_crs(client, db):
    feature = Feature.objects.filter(layer__slug="shelters").first()
    response = client.get(f"/ogc/collections/shelters/items/{feature.pk}", {"crs": ZONE_VI})
    assert response["Content-Crs"] == f"<{ZONE_VI}>"
    northing, easting = response.json()["geometry"]["coordinates"]
    x, y = _postgis([feature.pk], 6674)[feature.pk]
    assert abs(easting - x) < 0.01 and abs(northing - y) < 0.01
    assert "crs" not in response.json()["geometry"]  # RFC 7946 has no crs member; the header says it


def test_bbox_crs_in_zone_vi_and_in_latitude_first_4326(client, db):
    crs84 = client.get("/ogc/collections/shelters/items", {"bbox": "135.48,34.69,135.51,34.71", "limit": 1000}).json()
    lat_first = client.get(
        "/ogc/collections/shelters/items",
        {"bbox": "34.69,135.48,34.71,135.51", "bbox-crs": EPSG.format(4326), "limit": 1000},
    ).json()
    assert crs84["numberMatched"] > 0
    assert {f["id"] for f in lat_first["features"]} == {f["id"] for f in crs84["features"]}

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) "
            "FROM ST_Transform(ST_MakeEnvelope(135.48, 34.69, 135.51, 34.71, 4326), 6674) b"
        )
        minx, miny, maxx, maxy = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id WHERE l.slug = 'shelters' "
            "AND ST_Intersects(ST_Transform(f.geom, 6674), ST_MakeEnvelope(%s, %s, %s, %s, 6674))",
            [minx, miny, maxx, maxy],
        )
        expected = cursor.fetchone()[0]
    metres = client.get(
        "/ogc/collections/shelters/items",
        {"bbox": f"{miny},{minx},{maxy},{maxx}", "bbox-crs": ZONE_VI, "crs": ZONE_VI, "limit": 1000},
    )
    assert metres.status_code == 200
    assert metres.json()["numberMatched"] == expected >= crs84["numberMatched"]


@pytest.mark.parametrize("parameter", ["crs", "bbox-crs", "filter-crs"])
@pytest.mark.parametrize("value", [EPSG.format(3857), "EPSG:2451", "urn:ogc:def:crs:EPSG::6674x", "WGS84"])
def test_an_unsupported_crs_is_400_naming_the_parameter(client, db, parameter, value):
    query = {parameter: value, "bbox": "135.4,34.6,135.6,34.8"}
    if parameter == "filter-crs":
        query["filter"] = "S_INTERSECTS(geometry, POINT(135.5 34.7))"
    response = client.get("/ogc/collections/shelters/items", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["parameter"] == parameter
    assert "not offered" in error["message"] and "6669–6687" in error["message"]
    if parameter == "crs":
        feature = Feature.objects.filter(layer__slug="shelters").first()
        assert client.get(f"/ogc/collections/shelters/items/{feature.pk}", {"crs": value}).status_code == 400


def test_short_crs_names_are_understood(client, db):
    for value in ("EPSG:6674", "[EPSG:6674]"):
        response = client.get("/ogc/collections/parks/items", {"crs": value, "limit": 1})
        assert response["Content-Crs"] == f"<{ZONE_VI}>"


def test_the_openapi_definition_offers_the_crs_and_filter_parameters(client, db):
    api = client.get("/ogc/api").json()
    parameters = api["paths"]["/collections/shelters/items"]["get"]["parameters"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in parameters if "$ref" in p}
    assert {"crs", "bbox-crs", "filter", "filter-lang", "filter-crs"} <= names
    parameters = api["components"]["parameters"]
    assert ZONE_VI in parameters["crs"]["schema"]["enum"]
    assert parameters["filter-lang"]["schema"]["enum"] == ["cql2-text", "cql2-json", "cql-text"]
    assert "/collections/shelters/queryables" in api["paths"]
