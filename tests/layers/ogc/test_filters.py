"""OGC API - Features Part 3: queryables from the layer kinds, CQL2 filters (text and JSON) and their 400s."""

import json

import pytest
from django.contrib.gis.geos import Polygon
from django.db import connection

from layers.kinds import KINDS
from layers.models import Feature, Layer

ITEMS = "/ogc/collections/{}/items"


def _items(client, slug, **query):
    query.setdefault("limit", 10000)
    response = client.get(ITEMS.format(slug), query)
    assert response.status_code == 200, response.content
    return response.json()


def _shelters():
    return Feature.objects.filter(layer__slug="shelters")


def _ids(body):
    return {f["id"] for f in body["features"]}


def test_queryables_are_generated_from_the_kind(client, db):
    response = client.get("/ogc/collections/shelters/queryables")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/schema+json")
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "http://testserver/ogc/collections/shelters/queryables"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["designation"] == {
        "title": "指定区分",
        "description": "Designation",
        "type": "string",
        "enum": ["emergency_site", "shelter"],
    }
    assert props["disasters"]["type"] == "array" and "flood" in props["disasters"]["items"]["enum"]
    assert props["capacity"] == {"title": "想定収容人数", "description": "Capacity", "type": "integer", "minimum": 0}
    assert props["also_other_designation"]["type"] == "boolean"
    assert props["municipality"]["pattern"] == "^[0-9]{5}$"
    assert props["geometry"] == {
        "title": "位置・形状",
        "description": "Geometry",
        "format": "geometry-point-or-multipoint",
        "x-ogc-role": "primary-geometry",
    }


@pytest.mark.parametrize("slug", ["shelters", "hazard-zones", "childcare", "parks", "clinics"])
def test_every_collection_has_queryables_for_every_declared_field(client, db, slug):
    kind = Layer.objects.get(slug=slug).kind_spec
    props = client.get(f"/ogc/collections/{slug}/queryables").json()["properties"]
    assert {f.name for f in kind.fields} <= set(props)
    assert {"name", "municipality", "geometry"} <= set(props)
    collection = client.get(f"/ogc/collections/{slug}").json()
    link = next(link for link in collection["links"] if link["rel"].endswith("/queryables"))
    assert link["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    assert link["href"].endswith(f"/ogc/collections/{slug}/queryables")
    assert link["type"] == "application/schema+json"


def test_a_hazard_zone_depth_rank_is_an_integer_with_its_codes(client, db):
    props = client.get("/ogc/collections/hazard-zones/queryables").json()["properties"]
    assert props["depth_rank"]["type"] == "integer" and props["depth_rank"]["enum"] == [1, 2, 3, 4, 5, 6]
    assert props["geometry"]["format"] == "geometry-polygon-or-multipolygon"
    assert "hazard_zone" in KINDS


def test_the_catalogue_points_to_the_queryables(client, db):
    layers = client.get("/api/layers/").json()["layers"]
    for entry in layers:
        assert entry["queryables_url"] == f"/ogc/collections/{entry['slug']}/queryables"


def _parks():
    return Feature.objects.filter(layer__slug="parks")


def test_cql2_text_selects_only_matching_features(client, db):
    body = _items(client, "shelters", filter="designation = 'shelter' AND also_other_designation = true")
    expected = {
        f.pk
        for f in _shelters()
        if f.properties["designation"] == "shelter" and f.properties.get("also_other_designation") is True
    }
    assert expected and _ids(body) == expected
    assert body["numberMatched"] == len(expected)

    body = _items(client, "parks", filter="opened_year >= 2000 AND area_m2 < 1000")
    expected = {
        f.pk for f in _parks() if f.properties.get("opened_year", 0) >= 2000 and f.properties.get("area_m2", 1e9) < 1000
    }
    assert expected and _ids(body) == expected


def test_cql2_json_means_the_same_as_cql2_text(client, db):
    text = _items(client, "parks", filter="opened_year >= 2000 AND area_m2 < 1000")
    document = {
        "op": "and",
        "args": [
            {"op": ">=", "args": [{"property": "opened_year"}, 2000]},
            {"op": "<", "args": [{"property": "area_m2"}, 1000]},
        ],
    }
    as_json = _items(client, "parks", filter=json.dumps(document), **{"filter-lang": "cql2-json"})
    assert _ids(as_json) == _ids(text) != set()


def test_like_between_in_is_null_and_not(client, db):
    shelters = list(_shelters().select_related("municipality"))
    like = _items(client, "shelters", filter="name LIKE '%小学校'")
    assert _ids(like) == {f.pk for f in shelters if f.name.endswith("小学校")} != set()

    parks = list(_parks())
    between = _items(client, "parks", filter="opened_year BETWEEN 1980 AND 1990")
    assert _ids(between) == {f.pk for f in parks if 1980 <= f.properties.get("opened_year", 0) <= 1990} != set()

    municipalities = _items(client, "shelters", filter="municipality IN ('27205', '27100')")
    assert _ids(municipalities) == {f.pk for f in shelters if f.municipality.code in ("27205", "27100")} != set()

    tsunami = _items(client, "shelters", filter="disasters IN ('tsunami', 'storm_surge')")
    holds = {f.pk for f in shelters if {"tsunami", "storm_surge"} & set(f.properties.get("disasters", []))}
    assert _ids(tsunami) == holds != set()

    no_type = _items(client, "shelters", filter="shelter_type IS NULL AND NOT (designation = 'emergency_site')")
    assert _ids(no_type) == {
        f.pk for f in shelters if "shelter_type" not in f.properties and f.properties["designation"] != "emergency_site"
    }
    assert _items(client, "shelters", filter="designation IS NULL")["numberMatched"] == 0

    # A missing value is unknown, so NOT does not turn it into a match (CQL2's three-valued logic).
    old = _items(client, "parks", filter="NOT (opened_year > 1980)")
    assert _ids(old) == {f.pk for f in parks if "opened_year" in f.properties and f.properties["opened_year"] <= 1980}
    assert len(old["features"]) < sum(1 for f in parks if f.properties.get("opened_year", 0) <= 1980)


def test_array_functions_on_a_list_field(client, db):
    shelters = list(_shelters())
    both = _items(client, "shelters", filter="A_CONTAINS(disasters, ('flood', 'earthquake'))")
    assert _ids(both) == {f.pk for f in shelters if {"flood", "earthquake"} <= set(f.properties.get("disasters", []))}
    either = _items(client, "shelters", filter="A_OVERLAPS(disasters, ('volcano', 'tsunami'))")
    assert _ids(either) == {f.pk for f in shelters if {"volcano", "tsunami"} & set(f.properties.get("disasters", []))}


def test_spatial_functions_with_geometry_literals(client, db):
    bbox = "135.48,34.69,135.51,34.71"
    by_bbox = _items(client, "shelters", bbox=bbox)
    assert by_bbox["numberMatched"] > 0
    intersects = _items(client, "shelters", filter=f"S_INTERSECTS(geometry, BBOX({bbox}))")
    assert _ids(intersects) == _ids(by_bbox)
    polygon = "POLYGON((135.48 34.69, 135.51 34.69, 135.51 34.71, 135.48 34.71, 135.48 34.69))"
    within = _items(client, "shelters", filter=f"S_WITHIN(geometry, {polygon})")
    assert _ids(within) == _ids(by_bbox)

    area = Polygon.from_bbox((135.48, 34.69, 135.51, 34.71))
    parks = {f.pk for f in Feature.objects.filter(layer__slug="parks", geom__intersects=area)}
    assert _ids(_items(client, "parks", filter=f"S_INTERSECTS(geometry, {polygon})")) == parks
    # The literal may come first: S_CONTAINS(area, geometry) is S_WITHIN(geometry, area).
    assert _ids(_items(client, "shelters", filter=f"S_CONTAINS({polygon}, geometry)")) == _ids(by_bbox)


def test_a_geometry_literal_in_filter_crs_epsg_6674(client, db):
    """A BBOX in the plane-rectangular zone VI (northing, easting as EPSG orders them) selects what PostGIS does."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ST_Transform("
            "ST_MakeEnvelope(135.48, 34.69, 135.51, 34.71, 4326), 6674) b"
        )
        minx, miny, maxx, maxy = cursor.fetchone()
        cursor.execute(
            "SELECT f.id FROM layers_feature f JOIN layers_layer l ON l.id = f.layer_id WHERE l.slug = 'shelters' "
            "AND ST_Intersects(ST_Transform(f.geom, 6674), ST_MakeEnvelope(%s, %s, %s, %s, 6674))",
            [minx, miny, maxx, maxy],
        )
        expected = {row[0] for row in cursor.fetchall()}
    body = _items(
        client,
        "shelters",
        filter=f"S_INTERSECTS(geometry, BBOX({miny}, {minx}, {maxy}, {maxx}))",
        **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/6674"},
    )
    assert expected and _ids(body) == expected


def test_the_filter_combines_with_bbox_and_the_field_parameters(client, db):
    body = _items(
        client, "shelters", bbox="135.4,34.6,135.6,34.8", designations="shelter", filter="also_other_designation = true"
    )
    for feature in body["features"]:
        assert feature["properties"]["designation"] == "shelter" and feature["properties"]["also_other_designation"]
        lon, lat = feature["geometry"]["coordinates"]
        assert 135.4 <= lon <= 135.6 and 34.6 <= lat <= 34.8
    assert body["numberMatched"] > 0


def test_values_are_bound_never_spliced_into_sql(client, db):
    body = _items(client, "shelters", filter="name = 'x'' OR 1=1 --'")
    assert body["numberMatched"] == 0
    body = _items(client, "shelters", filter="name LIKE '%'' OR ''1''=''1'")
    assert body["numberMatched"] == 0


def _error(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize(
    "text",
    [
        "designation = 'shelter' AND",
        "designation == 'shelter'",
        "capacity > ",
        "S_INTERSECTS(geometry, POLYGON((0 0, 1 1)))",
        "(",
    ],
)
def test_a_malformed_filter_is_400(client, db, text):
    error = _error(client.get(ITEMS.format("shelters"), {"filter": text}))
    assert error["code"] == "invalid_parameter" and error["parameter"] == "filter"
    assert "not valid cql2-text" in error["message"]


def test_malformed_cql2_json_is_400(client, db):
    for text in ('{"op": "=", "args": [', '{"op": "=", "args": [{"property": "name"}]}', "[1, 2]"):
        error = _error(client.get(ITEMS.format("shelters"), {"filter": text, "filter-lang": "cql2-json"}))
        assert error["parameter"] == "filter", text


def test_an_unknown_property_is_400_naming_it_and_the_queryables(client, db):
    error = _error(client.get(ITEMS.format("shelters"), {"filter": "colour = 'red'"}))
    assert error["code"] == "unknown_property" and error["parameter"] == "filter"
    assert "'colour'" in error["message"] and "designation" in error["message"]
    # A field of another kind is not a queryable of this collection either.
    assert _error(client.get(ITEMS.format("shelters"), {"filter": "park_type = 'x'"}))["code"] == "unknown_property"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("capacity = 'many'", "is a number"),
        ("designation = 'castle'", "not one of"),
        ("name = 3", "is text"),
        ("capacity LIKE '1%'", "LIKE"),
        ("geometry = 'x'", "spatial function"),
        ("name = address", "two properties"),
        ("CASEI(name) = CASEI('x')", "first operand"),
        ("capacity > DATE('2020-01-01')", "temporal"),
        ("S_INTERSECTS(geometry, POINT(200 95))", "outside"),
        ("T_AFTER(name, TIMESTAMP('2020-01-01T00:00:00Z'))", "not supported"),
    ],
)
def test_a_filter_that_does_not_fit_the_queryables_is_400(client, db, text, words):
    error = _error(client.get(ITEMS.format("shelters"), {"filter": text}))
    assert words in error["message"], error["message"]


def test_an_unknown_filter_language_is_400(client, db):
    error = _error(client.get(ITEMS.format("shelters"), {"filter": "name = 'x'", "filter-lang": "ecql"}))
    assert error["parameter"] == "filter-lang"


def test_gdal_36s_cql_text_name_is_accepted(client, db):
    body = _items(client, "shelters", filter="(designation = 'shelter')", **{"filter-lang": "cql-text"})
    assert all(f["properties"]["designation"] == "shelter" for f in body["features"])
