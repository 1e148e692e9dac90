"""Search: Japanese folding, prefix/substring/fuzzy matching and ranking against the Osaka demo data."""

import pytest
from django.db import connection

from layers.answers.textnorm import function_sql, search_key, search_key_map
from layers.models import Feature
from tests.factories import OSAKA_KITA_POINT, SUITA

SEARCH = "/api/search/"


def search(client, q, **extra):
    response = client.get(SEARCH, {"q": q, **extra})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    return response.json()["features"]


def names(features):
    return [f["properties"]["name"] for f in features]


# ---------------------------------------------------------------- folding


@pytest.mark.parametrize(
    "variants",
    [
        ("すいた", "スイタ", "ｽｲﾀ", "スイター"),
        ("霞ヶ関", "霞ケ関", "霞が関", "霞 ケ 関"),
        ("おおさか", "オーサカ", "ｵｰｻｶ", "オオサカ"),
        ("とうきょう", "トーキョー", "ﾄｳｷｮｳ"),
        ("がっこう", "ガッコウ", "ｶﾞｯｺｳ"),
        ("１２３ＡＢＣ", "123abc", "123 ABC"),
        ("ヴァイオリン", "ゔぁいおりん"),
    ],
)
def test_spelling_variants_fold_to_one_key(variants):
    assert len({search_key(v) for v in variants}) == 1, {v: search_key(v) for v in variants}


def test_key_maps_back_to_the_original_characters():
    key, spans = search_key_map("ｶﾞｯｺｳ 前")
    assert key == "ガツコ前"
    assert spans == [(0, 2), (2, 3), (3, 4), (6, 7)]  # ｶﾞ is two characters; the space and ｳ are dropped


def test_python_and_database_foldings_agree(db):
    samples = ["すいた", "ｽｲﾀﾞ", "霞が関", "オオオウ", "Ｋｉｔａ－ｋｕ", "㈱大阪", "a\tb\nc", "一ヵ月", "ゔぁ"]
    samples += list(Feature.objects.order_by("id").values_list("name", flat=True)[:3000])
    samples += list(Feature.objects.exclude(name_kana="").values_list("name_kana", flat=True)[:300])
    samples += list(Feature.objects.exclude(address="").values_list("address", flat=True)[:1000])
    with connection.cursor() as cursor:
        sql = "SELECT layers_search_key(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n"
        cursor.execute(sql, [samples])
        folded = [row[0] for row in cursor.fetchall()]
    different = [(s, f, search_key(s)) for s, f in zip(samples, folded, strict=True) if f != search_key(s)]
    assert not different


def test_the_installed_function_is_the_one_textnorm_describes(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'layers_search_key'")
        (source,) = cursor.fetchone()
    assert source.strip() in function_sql()


# ---------------------------------------------------------------- what residents type


def test_searching_suita_finds_the_municipality_first(client, db):
    features = search(client, "吹田")
    first = features[0]
    assert first["id"] == f"municipality:{SUITA}"
    assert first["properties"]["result_type"] == "municipality"
    assert first["geometry"]["type"] == "Point" and len(first["bbox"]) == 4
    assert first["properties"]["highlight"] == {"field": "name", "text": "吹田市", "ranges": [[0, 2]]}
    assert any(f["properties"]["result_type"] == "feature" and f["properties"]["layer"] for f in features)


@pytest.mark.parametrize("q", ["Suita", "suita", "ＳＵＩＴＡ", "Suita City"])
def test_an_english_name_finds_the_municipality(client, db, q):
    first = search(client, q)[0]
    assert first["id"] == f"municipality:{SUITA}"
    assert first["properties"]["highlight"]["field"] == "name_en"
    assert first["properties"]["match"] in ("prefix", "exact")


def test_a_ward_name_finds_both_wards_nearest_first(client, db):
    lon, lat = OSAKA_KITA_POINT
    features = search(client, "北区", lat=lat, lon=lon)
    wards = [f for f in features if f["properties"]["result_type"] == "ward"]
    assert [f["properties"]["name"] for f in wards[:2]] == ["大阪市北区", "堺市北区"]
    assert wards[0]["properties"]["distance_m"] == 0  # the point is inside Kita Ward
    assert features[0] is wards[0]  # an exact place name comes before the facilities named after it
    kana = search(client, "きたく", lat=lat, lon=lon)
    assert kana[0]["properties"]["name"] == "大阪市北区" and kana[0]["properties"]["highlight"]["field"] == "name_kana"
    assert search(client, "大阪市北")[0]["properties"]["name"] == "大阪市北区"


@pytest.mark.parametrize("q", ["よどがわきりすと", "ヨドガワキリスト", "ﾖﾄﾞｶﾞﾜｷﾘｽﾄ", "よどがわ きりすと"])
def test_hiragana_katakana_and_half_width_kana_find_the_reading(client, db, q):
    features = search(client, q, layer="clinics")
    assert features[0]["properties"]["name"] == "淀川キリスト教病院"
    highlight = features[0]["properties"]["highlight"]
    assert highlight["field"] == "name_kana" and highlight["ranges"][0][0] == 0


def test_full_width_and_ascii_digits_match_each_other(client, db):
    stored_full_width = search(client, "平野東住宅1号館", layer="shelters")
    assert "市営平野東住宅１号館" in names(stored_full_width)
    stored_ascii = search(client, "若竹町１丁目", layer="parks")
    assert "若竹町1丁目公園" in names(stored_ascii)
    highlight = stored_ascii[names(stored_ascii).index("若竹町1丁目公園")]["properties"]["highlight"]
    assert highlight["ranges"] == [[0, 6]]


def test_a_typo_still_finds_the_name(client, db):
    features = search(client, "淀川キリスト教病因")
    assert features[0]["properties"]["name"] == "淀川キリスト教病院"
    assert features[0]["properties"]["match"] == "fuzzy"
    assert features[0]["properties"]["highlight"]["ranges"] == [[0, 8]]


def test_part_of_a_name_and_of_an_address(client, db):
    features = search(client, "キリスト教")
    assert "淀川キリスト教病院" in names(features)
    assert features[0]["properties"]["match"] == "substring"
    by_address = search(client, "柴島１丁目", layer="clinics")
    assert by_address and all(f["properties"]["match"] == "address" for f in by_address)
    assert by_address[0]["properties"]["highlight"]["field"] == "address"


def test_results_of_one_quality_come_nearest_first(client, db):
    lon, lat = OSAKA_KITA_POINT
    features = search(client, "小学校", lat=lat, lon=lon, limit=20, places="false")
    tiers = [(f["properties"]["match"], f["properties"]["distance_m"]) for f in features]
    substring = [d for match, d in tiers if match == "substring"]
    assert substring == sorted(substring) and len(substring) > 2


def test_layer_and_municipality_narrow_the_search(client, db):
    features = search(client, "小学校", municipality=SUITA, limit=30)
    assert features and all(f["properties"]["municipality"] == SUITA for f in features)
    clinics = search(client, "病院", layer="clinics", places="false")
    assert clinics and {f["properties"]["layer"] for f in clinics} == {"clinics"}


def test_two_characters_find_a_word_inside_a_name(client, db):
    features = search(client, "病院", layer="clinics", places="false", limit=50)
    assert len(features) == 50 and all("病院" in name for name in names(features))
    assert "substring" in {f["properties"]["match"] for f in features}  # 牧病院, 白山病院, …


def test_a_common_key_fills_the_page_with_name_matches_first(client, db):
    features = search(client, "大阪市", limit=5)
    assert features[0]["id"] == "municipality:27100"
    assert [f["properties"]["match"] for f in features] == ["exact", "prefix", "prefix", "prefix", "prefix"]


def test_polygons_come_as_a_point_with_a_bbox(client, db):
    zone = search(client, "淀川 洪水浸水想定区域", layer="hazard-zones")[0]
    assert zone["geometry"]["type"] == "Point"
    minx, miny, maxx, maxy = zone["bbox"]
    lon, lat = zone["geometry"]["coordinates"]
    assert minx <= lon <= maxx and miny <= lat <= maxy


# ---------------------------------------------------------------- odd input


@pytest.mark.parametrize(
    "query",
    [{}, {"q": ""}, {"q": "   "}, {"q": "あ" * 500}, {"q": "x" * 101}, {"q": "ー・ー"}, {"q": "吹田", "limit": "0"}],
)
def test_empty_long_or_empty_after_folding_queries_are_400(client, db, query):
    response = client.get(SEARCH, query)
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] in ("q", "limit")


@pytest.mark.parametrize(
    "query",
    [{"q": "吹田", "layer": "nope"}, {"q": "吹田", "lat": "34.7"}, {"q": "吹田", "lat": "x", "lon": "135"},
     {"q": "吹田", "municipality": "Suita"}, {"q": "吹田", "places": "maybe"}],
)  # fmt: skip
def test_bad_parameters_are_400(client, db, query):
    assert client.get(SEARCH, query).status_code == 400


def test_sql_fragments_are_searched_as_text(client, db):
    before = Feature.objects.count()
    for q in ["'; DROP TABLE layers_feature; --", "1' OR '1'='1", "\\", "吹田%' --", "吹田'); SELECT pg_sleep(5); --"]:
        search(client, q)
    assert Feature.objects.count() == before
    assert search(client, "%") == [] and search(client, "_") == []  # LIKE wildcards match themselves only


def test_html_in_a_query_is_returned_as_text(client, db):
    response = client.get(SEARCH, {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert response.json()["query"] == "<script>alert(1)</script>"


def test_search_answers_304_to_a_matching_etag(client, db):
    first = client.get(SEARCH, {"q": "吹田"})
    again = client.get(SEARCH, {"q": "吹田"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def _search(client, q, **extra):
    return client.get("/api/search/", {"q": q, "places": "false", **extra}).json()["features"]


@pytest.mark.parametrize("query", ["すいただいいち", "スイタダイイチ", "suita daiichi", "Suita Daiichi", "ｽｲﾀﾀﾞｲｲﾁ"])
def test_a_name_without_a_reading_in_the_file_is_found_by_kana_and_romaji(client, db, query):
    """GSI's shelter lists carry no readings: the importer derives them (SudachiPy)."""
    names = [f["properties"]["name"] for f in _search(client, query, layer="shelters", limit=50)]
    assert any(name.startswith("吹田第一小学校") or name == "吹田第一小学校" for name in names), names


def test_the_derived_reading_is_stored_apart_from_the_source_kana(db):
    from layers.models import Feature

    school = Feature.objects.filter(layer__slug="shelters", name="吹田第一小学校").first()
    assert school.name_kana == "" and school.properties["reading"] == "スイタダイイチショウガッコウ"


def test_romaji_still_finds_english_place_names(client, db):
    places = client.get("/api/search/", {"q": "Suita"}).json()["features"]
    assert places[0]["properties"]["result_type"] == "municipality" and places[0]["properties"]["name"] == "吹田市"
    kita = client.get("/api/search/", {"q": "kita"}).json()["features"]
    assert any(f["properties"]["result_type"] == "ward" for f in kita)


@pytest.mark.parametrize(
    "name,english",
    [
        ("吹田第一小学校", "Suita Daiichi Elementary School"),
        ("大阪市立中之島小学校", "Nakanoshima Elementary School"),
        ("北区民センター", "Kita Ward Community Center"),
        ("住之江公園", "Suminoe Park"),
        ("ＡＢＣ保育園", "ABC Nursery"),
        ("市民センター", "Civic Center"),
    ],
)
def test_an_english_name_is_derived_where_the_data_has_none(name, english):
    from layers.answers.readings import english_name

    assert english_name(name) == english


def test_english_names_reach_the_api(client, db):
    school = Feature.objects.filter(layer__slug="shelters", name="吹田第一小学校").first()
    assert school.properties["name_en"] == "Suita Daiichi Elementary School"
    found = client.get("/api/search/", {"q": "suita daiichi", "layer": "shelters"}).json()["features"]
    assert "Suita Daiichi Elementary School" in [f["properties"]["name_en"] for f in found]
