"""The features endpoint: filters from the kind registry, q, fields, paging links and the CSV export."""

import csv
import io

import pytest
from django.core.cache import cache

from importers.pipeline import run_import
from layers.models import Feature, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson

URL = "/api/layers/{}/features/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def features(client, slug, **query):
    response = client.get(URL.format(slug), query)
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_disaster_filter_takes_the_field_name_and_its_singular(client, db):
    plural = features(client, "shelters", disasters="flood", limit=10000)["features"]
    singular = features(client, "shelters", disaster="flood", limit=10000)["features"]
    assert [f["id"] for f in plural] == [f["id"] for f in singular]
    expected = Feature.objects.filter(layer__slug="shelters", properties__disasters__contains=["flood"]).count()
    assert len(plural) == expected > 100
    assert all("flood" in f["properties"]["disasters"] for f in plural)


def test_comma_separated_values_match_any_of_them(client, db):
    both = features(client, "shelters", disaster="flood,tsunami", limit=10000)["features"]
    ids = {f["id"] for f in both}
    flood = {f["id"] for f in features(client, "shelters", disaster="flood", limit=10000)["features"]}
    tsunami = {f["id"] for f in features(client, "shelters", disaster="tsunami", limit=10000)["features"]}
    assert ids == flood | tsunami


def test_code_filter_by_compound_field_alias(client, db):
    nurseries = features(client, "childcare", type="保育所", limit=10000)["features"]
    assert nurseries and all(f["properties"]["facility_type"] == "保育所" for f in nurseries)
    assert len(nurseries) == len(features(client, "childcare", facility_type="保育所", limit=10000)["features"])


def test_tag_filter_on_clinic_departments(client, db, tmp_path):
    layer = make_layer("test-clinics", kind="clinic", category="health")
    rows = [
        point_feature(*SUITA_POINT, ID="c1", 名称="小児科医院", 診療科目="小児科;内科"),
        point_feature(*SUITA_POINT, ID="c2", 名称="眼科医院", 診療科目="眼科"),
    ]
    path = write_geojson(tmp_path / "clinics.geojson", rows)
    assert run_import(path, layer=layer, municipality=Municipality.objects.get(code=SUITA)).published
    found = features(client, "test-clinics", department="小児科")["features"]
    assert [f["properties"]["name"] for f in found] == ["小児科医院"]


def test_numeric_range_and_boolean_filters(client, db):
    deep = features(client, "hazard-zones", depth_rank_min="2")["features"]
    assert deep and all(f["properties"]["depth_rank"] >= 2 for f in deep)
    shallow = features(client, "hazard-zones", depth_rank="1")["features"]
    assert shallow and all(f["properties"]["depth_rank"] == 1 for f in shallow)
    assert not {f["id"] for f in deep} & {f["id"] for f in shallow}
    caring = features(client, "childcare", temporary_care="true")["features"]
    assert all(f["properties"]["temporary_care"] is True for f in caring)


def test_q_matches_part_of_the_name(client, db):
    name = Feature.objects.filter(layer__slug="shelters").exclude(name="").values_list("name", flat=True).first()
    found = features(client, "shelters", q=name[1:4], limit=10000)["features"]
    assert found and all(name[1:4] in f["properties"]["name"] + f["properties"]["name_kana"] for f in found)


def test_fields_choose_the_properties(client, db):
    feature = features(client, "shelters", fields="name,capacity", limit=1)["features"][0]
    assert set(feature["properties"]) <= {"name", "capacity"} and "name" in feature["properties"]


def test_coordinates_are_rounded_to_six_decimals(client, db):
    lon, lat = features(client, "shelters", limit=1)["features"][0]["geometry"]["coordinates"]
    assert len(str(lon).split(".")[1]) <= 6 and len(str(lat).split(".")[1]) <= 6


def test_pages_link_to_the_next_and_the_last_has_none(client, db):
    response = client.get(URL.format("shelters"), {"municipality": SUITA, "limit": 50})
    body = response.json()
    assert body["numberReturned"] == 50
    next_href = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "offset=50" in next_href and response["Link"].endswith('rel="next"')
    total = Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).count()
    last = features(client, "shelters", municipality=SUITA, limit=50, offset=total - 3)
    assert last["numberReturned"] == 3 and all(link["rel"] != "next" for link in last["links"])


@pytest.mark.parametrize(
    "query",
    [
        {"disaster": "meteor"},
        {"capacity_min": "1000"},  # capacity is not a filterable field of shelters
        {"fields": "name,secret"},
        {"no_such_filter": "1"},
        {"format": "xlsx"},
        {"format": "csv", "encoding": "latin-1"},
        {"q": "x" * 101},
    ],
)
def test_bad_filters_are_400_naming_the_parameter(client, db, query):
    response = client.get(URL.format("shelters"), query)
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == next(reversed(query))


def _csv(response, encoding):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode(encoding))))


def test_csv_export_has_bom_and_the_kinds_standard_columns(client, db):
    response = client.get(URL.format("shelters"), {"format": "csv", "municipality": SUITA})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:8] == [
        "全国地方公共団体コード",
        "共通ID",
        "地方公共団体名",
        "施設・場所名",
        "名称_カナ",
        "住所",
        "緯度",
        "経度",
    ]
    assert "洪水" in header and "想定収容人数" in header
    assert len(rows) - 1 == Feature.objects.filter(layer__slug="shelters", municipality__code=SUITA).count()
    assert {row[0] for row in rows[1:]} == {"272051"}  # the 6-digit code with its check digit


def test_csv_in_cp932_for_excel(client, db):
    response = client.get(URL.format("shelters"), {"format": "csv", "encoding": "cp932", "limit": 5})
    assert response["Content-Type"] == "text/csv; charset=Windows-31J"
    rows = _csv(response, "cp932")
    assert rows[0][0] == "全国地方公共団体コード" and len(rows) == 6


def test_csv_cells_cannot_become_formulas(client, db, tmp_path):
    layer = make_layer("test-injection", kind="clinic", category="health")
    rows = [
        point_feature(*SUITA_POINT, ID="x1", 名称='=HYPERLINK("http://evil")', 電話番号="+81-6-1234", URL="@SUM(1)")
    ]
    assert run_import(
        write_geojson(tmp_path / "x.geojson", rows), layer=layer, municipality=Municipality.objects.get(code=SUITA)
    ).published
    header, row = _csv(client.get(URL.format("test-injection"), {"format": "csv"}), "utf-8-sig")
    cells = dict(zip(header, row, strict=True))
    assert cells["名称"].startswith("'=") and cells["電話番号"].startswith("'+") and cells["URL"].startswith("'@")


def test_one_feature_is_the_same_feature_as_in_the_collection(client, db):
    """The serializer (djangorestframework-gis) and the SQL-built page agree on every property."""
    page = client.get("/api/layers/shelters/features/", {"limit": 3, "municipality": "27205"}).json()
    for expected in page["features"]:
        response = client.get(f"/api/layers/shelters/features/{expected['id']}/")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/geo+json")
        one = response.json()
        assert one["id"] == expected["id"] and one["type"] == "Feature"
        assert one["properties"] == expected["properties"]
        assert one["geometry"]["type"] == expected["geometry"]["type"]
        assert one["geometry"]["coordinates"] == pytest.approx(expected["geometry"]["coordinates"], abs=1e-6)
        assert client.get(response.request["PATH_INFO"], HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("feature_id", ["999999999", "99999999999999999999999"])
def test_an_unknown_feature_is_404(client, db, feature_id):
    response = client.get(f"/api/layers/shelters/features/{feature_id}/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_cql2_filter_narrows_the_geojson_like_the_ogc_api(client, db):
    text = "park_type IS NOT NULL AND opened_year >= 2000 AND area_m2 < 1000"
    body = features(client, "parks", filter=text, limit=10000)
    ogc = client.get("/ogc/collections/parks/items", {"filter": text, "limit": 10000}).json()
    assert {f["id"] for f in body["features"]} == {f["id"] for f in ogc["features"]} != set()
    for feature in body["features"]:
        assert feature["properties"]["opened_year"] >= 2000 and feature["properties"]["area_m2"] < 1000
    as_json = features(
        client,
        "parks",
        limit=10000,
        filter='{"op": ">=", "args": [{"property": "opened_year"}, 2000]}',
        **{"filter-lang": "cql2-json"},
    )
    assert {f["id"] for f in body["features"]} <= {f["id"] for f in as_json["features"]}


def test_the_csv_export_takes_the_same_filter(client, db):
    text = "designation = 'shelter' AND municipality = '27205'"
    rows = _csv(client.get(URL.format("shelters"), {"format": "csv", "filter": text}), "utf-8-sig")
    expected = Feature.objects.filter(
        layer__slug="shelters", properties__designation="shelter", municipality__code="27205"
    )
    assert len(rows) - 1 == expected.count() > 0
    assert {row[1] for row in rows[1:]} == set(expected.values_list("source_id", flat=True))


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"filter": "designation ="}, "invalid_parameter"),
        ({"filter": "colour = 'red'"}, "unknown_property"),
        ({"filter": "name = 'x'", "filter-lang": "sql"}, "invalid_parameter"),
    ],
)
def test_a_bad_cql2_filter_is_400_on_geojson_and_csv(client, db, query, code):
    for extra in ({}, {"format": "csv"}):
        response = client.get(URL.format("shelters"), {**query, **extra})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == code and error["parameter"] == next(reversed(query))
