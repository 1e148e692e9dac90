"""The read API the map uses: catalogue, features with filters, municipal boundaries."""

import pytest

from layers.models import Layer


def test_catalogue_lists_layers_with_schema_and_counts(client, db):
    body = client.get("/api/layers/").json()
    by_slug = {layer["slug"]: layer for layer in body["layers"]}
    assert list(by_slug) == ["shelters", "hazard-zones", "building-hazards", "childcare", "parks", "clinics"]
    shelters = by_slug["shelters"]
    assert shelters["feature_count"] == 5455 + 2975 - 1865  # one record per facility
    assert shelters["version"] == Layer.objects.get(slug="shelters").version
    minx, miny, maxx, maxy = shelters["bbox"]
    assert 134.9 < minx < maxx < 135.8 and 34.2 < miny < maxy < 35.1
    disasters = next(f for f in shelters["fields"] if f["name"] == "disasters")
    assert disasters["filterable"] and {"value": "flood", "label": {"ja": "洪水", "en": "Flood"}} in disasters["codes"]
    assert "sample, not real" in by_slug["hazard-zones"]["attribution"]


def test_features_are_geojson_with_common_and_kind_properties(client, db):
    response = client.get("/api/layers/shelters/features/", {"municipality": "27205", "limit": 5})
    assert response["Content-Type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 5
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    props = feature["properties"]
    assert props["municipality"] == "27205"
    assert props["source_id"].startswith("E27205")
    assert props["designation"] in ("emergency_site", "shelter")


def test_bbox_and_paging(client, db):
    bbox = "135.48,34.69,135.51,34.71"  # around Osaka Station
    first = client.get("/api/layers/shelters/features/", {"bbox": bbox, "limit": 10}).json()["features"]
    second = client.get("/api/layers/shelters/features/", {"bbox": bbox, "limit": 10, "offset": 10}).json()["features"]
    assert len(first) == 10 and second
    assert not {f["id"] for f in first} & {f["id"] for f in second}
    for feature in first + second:
        lon, lat = feature["geometry"]["coordinates"]
        assert 135.48 <= lon <= 135.51 and 34.69 <= lat <= 34.71


@pytest.mark.parametrize(
    "query",
    [
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "135,35,134,34"},
        {"bbox": "0,0,0,nan"},
        {"bbox": "0,-91,1,1"},
        {"limit": "0"},
        {"limit": "1000000"},
        {"limit": "ten"},
        {"offset": "-1"},
        {"municipality": "osaka"},
        {"municipality": "2720"},
    ],
)
def test_bad_parameters_are_400_with_a_json_error(client, db, query):
    response = client.get("/api/layers/shelters/features/", query)
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == next(iter(query))


def test_unknown_layer_is_404(client, db):
    response = client.get("/api/layers/no-such-layer/features/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_municipality_boundaries(client, db):
    body = client.get("/api/municipalities/").json()
    assert len(body["features"]) == 43
    assert {f["properties"]["code"] for f in body["features"]} >= {"27100", "27140", "27383"}
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in body["features"])


def test_map_page_carries_the_catalogue_and_urls(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["map_config"]["urls"]["layers"] == "/api/layers/"
    assert len(response.context["map_config"]["layers"]) == Layer.objects.count() == 6


def test_map_page_names_the_wards(client, db):
    wards = client.get("/").context["map_config"]["wards"]
    assert len(wards) == 31
    assert wards["27127"] == {"ja": "北区", "en": "Kita Ward"}


def test_every_layer_and_the_boundaries_carry_their_credit(client, db):
    """The terms of 国土数値情報, GSI and PLATEAU: source, 加工 statement, licence and 時点 wherever data is shown."""
    body = client.get("/api/layers/").json()
    for entry in body["layers"]:
        credit = entry["credit"]
        assert credit["source"] and credit["attribution"] and credit["licence"], entry["slug"]
        assert credit["processing"], f"{entry['slug']} says nothing of how the data was edited (加工)"
    by_slug = {entry["slug"]: entry["credit"] for entry in body["layers"]}
    assert by_slug["building-hazards"]["data_as_of"] == "2022年度"
    assert "PLATEAU" in by_slug["building-hazards"]["attribution"]
    assert body["boundaries"]["attribution"].startswith("「国土数値情報（行政区域データ）」")
    assert body["boundaries"]["data_as_of"] == "2024-01-01"
    geojson = client.get("/api/layers/parks/features/", {"limit": 1}).json()
    assert geojson["credit"] == by_slug["parks"]
    csv = client.get("/api/layers/parks/features/", {"format": "csv", "limit": 1})
    from urllib.parse import unquote

    assert "国土数値情報（都市公園データ）" in unquote(csv["Data-Credit"].removeprefix("UTF-8''"))
    assert csv["Link"] == '<https://nlftp.mlit.go.jp/ksj/other/agreement.html>; rel="license"'
