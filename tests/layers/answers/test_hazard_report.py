"""The hazard report (/api/hazards/at/) and its page (/here): zones, levels, advice, shelters, places."""

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point, Polygon
from django.urls import reverse
from pyproj import Geod

from layers.models import Feature, HazardAdvice, Municipality, Role
from layers.status import service as shelter_status
from tests.factories import OSAKA_KITA_POINT, make_layer

REPORT = "/api/hazards/at/"
GEOD = Geod(ellps="WGS84")
KISHIWADA = "27202"  # no zones of the demo's sample hazard layer here


def report(client, lon, lat, **extra):
    response = client.get(REPORT, {"lat": lat, "lon": lon, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def square(lon, lat, half_metres):
    """A square zone centred on the point, `half_metres` from the centre to each side."""
    east = GEOD.fwd(lon, lat, 90, half_metres)[0] - lon
    north = GEOD.fwd(lon, lat, 0, half_metres)[1] - lat
    x0, x1, y0, y1 = lon - east, lon + east, lat - north, lat + north
    return Polygon(((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)), srid=4326)


def add_zone(layer, polygon, n, **properties):
    centre = polygon.centroid
    municipality = Municipality.objects.get(geom__intersects=centre)
    return Feature.objects.create(
        layer=layer, municipality=municipality, source_id=f"Z{n}", name=f"test zone {n}", geom=polygon,
        properties=properties,
    )  # fmt: skip


@pytest.fixture
def flood_site(db):
    """A flood-designated shelter in Kishiwada, outside every demo zone."""
    site = Feature.objects.filter(
        layer__slug="shelters", municipality__code=KISHIWADA, properties__disasters__contains=["flood"]
    ).order_by("source_id")[0]
    assert not Feature.objects.filter(layer__kind="hazard_zone", geom__intersects=site.geom).exists()
    return site


@pytest.fixture
def zones(db):
    return make_layer(slug="test-hazards", kind="hazard_zone", name_ja="テスト区域", name_en="Test zones",
                      source="テストの出典", attribution="テスト")  # fmt: skip


def hazard(body, hazard_type):
    return next(h for h in body["hazards"] if h["hazard_type"] == hazard_type)


def test_inside_a_flood_zone_gives_level_advice_source_and_suitable_shelters(client, flood_site, zones):
    lon, lat = GEOD.fwd(flood_site.geom.x, flood_site.geom.y, 45, 100)[:2]
    add_zone(zones, square(lon, lat, 400), 1, hazard_type="flood", depth_rank=3, river="テスト川")
    body = report(client, lon, lat)
    assert body["inside_prefecture"] is True
    assert body["municipality"]["code"] == KISHIWADA and body["ward"] is None
    flood = hazard(body, "flood")
    assert flood["inside"] is True and body["hazards"][0] is not None and body["hazards"][0]["hazard_type"] == "flood"
    assert flood["level"]["depth_rank"] == 3 and flood["level"]["label"] == "3m以上5m未満"
    assert flood["advice"] == HazardAdvice.objects.get(hazard_type="flood", level="3").action_ja
    assert flood["zones"][0]["river"] == "テスト川"
    assert [s["layer"] for s in flood["sources"]] == ["test-hazards"]
    assert flood["sources"][0]["source"] == "テストの出典" and flood["sources"][0]["updated_at"]
    # The designated site 100 m away is inside the zone, so it is not offered; the offered ones are outside.
    shelters = flood["shelters"]
    assert len(shelters) == 3 and flood_site.pk not in [s["id"] for s in shelters]
    assert [s["properties"]["distance_m"] for s in shelters] == sorted(s["properties"]["distance_m"] for s in shelters)
    for s in shelters:
        assert "flood" in s["properties"]["disasters"] and s["properties"]["status"]["status"] == "not_open"
        assert not Feature.objects.filter(layer=zones, geom__intersects=Point(s["geometry"]["coordinates"])).exists()
    landslide = hazard(body, "landslide")
    assert landslide["inside"] is False and landslide["level"] is None and landslide["shelters"] == []


def test_outside_and_on_the_edge_of_a_zone(client, flood_site, zones):
    polygon = square(flood_site.geom.x, flood_site.geom.y, 300)
    add_zone(zones, polygon, 1, hazard_type="flood", depth_rank=2)
    (x0, y0), (x1, _) = polygon.coords[0][0], polygon.coords[0][1]
    middle = (x0 + x1) / 2
    assert hazard(report(client, middle, y0), "flood")["inside"] is True  # on the boundary counts as in
    assert hazard(report(client, middle, y0 + 1e-6), "flood")["inside"] is True  # 0.1 m inside
    assert hazard(report(client, middle, y0 - 1e-6), "flood")["inside"] is False  # 0.1 m outside
    far = report(client, *GEOD.fwd(flood_site.geom.x, flood_site.geom.y, 180, 500)[:2])
    assert (
        hazard(far, "flood")["inside"] is False
        and far["message"] == "この場所は、データにある災害の想定区域のどれにも入っていません。"
    )


def test_overlapping_zones_report_the_most_severe(client, flood_site, zones):
    lon, lat = flood_site.geom.x, flood_site.geom.y
    add_zone(zones, square(lon, lat, 600), 1, hazard_type="flood", depth_rank=2)
    add_zone(zones, square(lon, lat, 200), 2, hazard_type="flood", depth_rank=4)
    add_zone(zones, square(lon, lat, 400), 3, hazard_type="flood", depth_rank=1)
    add_zone(zones, square(lon, lat, 300), 4, hazard_type="landslide", zone_class="special_warning")
    add_zone(zones, square(lon, lat, 500), 5, hazard_type="landslide", zone_class="warning")
    body = report(client, lon, lat, lang="en")
    flood = hazard(body, "flood")
    assert flood["zone_count"] == 3 and flood["level"]["depth_rank"] == 4 and flood["level"]["label"] == "5–10 m"
    assert [z["depth_rank"] for z in flood["zones"]] == [4, 2, 1]
    assert flood["advice"] == HazardAdvice.objects.get(hazard_type="flood", level="4").action_en
    landslide = hazard(body, "landslide")
    assert (
        landslide["level"]["zone_class"] == "special_warning" and landslide["level"]["label"] == "Special warning zone"
    )
    assert "before heavy rain" in landslide["advice"]
    assert body["message"] == "This place is inside: River flood, Landslide"
    # Two streets away only the wider zones remain.
    wider = hazard(report(client, *GEOD.fwd(lon, lat, 0, 350)[:2]), "flood")
    assert wider["level"]["depth_rank"] == 2 and wider["zone_count"] == 2


def test_staff_wording_is_what_residents_read_in_every_language(client, flood_site, zones):
    lon, lat = flood_site.geom.x, flood_site.geom.y
    add_zone(zones, square(lon, lat, 200), 1, hazard_type="flood", depth_rank=2)
    HazardAdvice.objects.filter(hazard_type="flood", level="2").update(
        action_ja="すぐ逃げて", action_en="Leave now", action_easy="すぐ にげて"
    )
    assert hazard(report(client, lon, lat, lang="ja"), "flood")["advice"] == "すぐ逃げて"
    assert hazard(report(client, lon, lat, lang="en"), "flood")["advice"] == "Leave now"
    easy = report(client, lon, lat, lang="easy")
    assert hazard(easy, "flood")["advice"] == "すぐ にげて" and hazard(easy, "flood")["name"].startswith("こう水")
    HazardAdvice.objects.filter(hazard_type="flood", level="2").delete()  # falls back to the hazard's own row
    assert (
        hazard(report(client, lon, lat), "flood")["advice"]
        == HazardAdvice.objects.get(hazard_type="flood", level="").action_ja
    )


def test_municipality_ward_and_the_sample_data_note(client, db):
    lon, lat = OSAKA_KITA_POINT
    body = report(client, lon, lat, lang="en")
    assert body["municipality"]["code"] == "27100" and body["ward"]["name"]["en"] == "Kita Ward"
    assert body["sample_data"] is True and "fictional sample data" in body["notes"][0]
    source = hazard(body, "flood")["sources"][0]
    assert source["sample"] is True and "sample, not real" in source["attribution"]


@pytest.mark.parametrize("point", [(139.7671, 35.6812), (135.8050, 34.6851), (0.0, 0.0)])  # Tokyo, Nara, the sea
def test_a_point_outside_the_prefecture_gets_a_clear_answer(client, db, point):
    body = report(client, *point)
    assert body["inside_prefecture"] is False and body["hazards"] == []
    assert body["message"] == "この地点は大阪府の区域外です。この地図は大阪府内の情報だけを扱っています。"
    assert report(client, *point, lang="en")["message"].startswith("This point is outside Osaka Prefecture")


@pytest.mark.parametrize(
    "query", [{"lat": "34.7"}, {"lat": "x", "lon": "135.5"}, {"lat": "34.7", "lon": "135.5", "lang": "fr"}]
)
def test_bad_parameters_are_400(client, db, query):
    response = client.get(REPORT, query)
    assert response.status_code == 400 and response.json()["error"]["parameter"] in ("lat", "lon", "lang")


def test_the_report_is_revalidated_with_an_etag(client, db):
    lon, lat = OSAKA_KITA_POINT
    first = client.get(REPORT, {"lat": lat, "lon": lon})
    assert first["Cache-Control"] == "public, max-age=5"
    assert client.get(REPORT, {"lat": lat, "lon": lon}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    advice = HazardAdvice.objects.get(hazard_type="flood", level="1")
    advice.action_ja = "変更"
    advice.save()  # as the admin does
    assert client.get(REPORT, {"lat": lat, "lon": lon}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_suggested_shelters_put_open_and_suitable_first_and_say_distances_are_straight(client, flood_site, zones):
    lon, lat = GEOD.fwd(flood_site.geom.x, flood_site.geom.y, 45, 100)[:2]
    add_zone(zones, square(lon, lat, 400), 1, hazard_type="flood", depth_rank=3)
    before = report(client, lon, lat)["suggested_shelters"]
    assert before["distance_basis"] == "straight_line" and before["hazard_types"] == ["flood"]
    assert "直線" in before["distance_note"]
    features = before["features"]
    assert [f["properties"]["rank"] for f in features] == [1, 2, 3, 4, 5]
    assert all(f["properties"]["suitable"] is True and f["properties"]["suitable_for"] == ["flood"] for f in features)
    assert [f["properties"]["distance_m"] for f in features] == sorted(f["properties"]["distance_m"] for f in features)
    # Staff open the farthest suitable one, and the designated site 100 m away inside the zone.
    admin = User.objects.create_superuser("prefecture-admin")
    farthest = Feature.objects.get(pk=features[-1]["id"])
    shelter_status.update_status(farthest, {"opening_status": "open"}, 0, admin)
    shelter_status.update_status(flood_site, {"opening_status": "open"}, 0, admin)
    after = report(client, lon, lat, lang="en")["suggested_shelters"]["features"]
    first = after[0]["properties"]
    assert after[0]["id"] == farthest.pk and first["open"] is True and first["rank"] == 1
    assert first["status"]["status"] == "open" and first["suitability_text"] == "Suitable for River flood"
    assert first["distance_text"].startswith("about ")
    # Open, but in the zone people must leave: not suggested.
    assert flood_site.pk not in [f["id"] for f in after]
    assert [f["properties"]["rank"] for f in after] == [1, 2, 3, 4, 5]


def test_outside_every_zone_the_nearest_shelters_are_suggested_with_what_they_are_for(client, flood_site):
    lon, lat = flood_site.geom.x, flood_site.geom.y
    suggested = report(client, lon, lat)["suggested_shelters"]
    assert suggested["hazard_types"] == []
    first = suggested["features"][0]
    assert first["id"] == flood_site.pk and first["properties"]["distance_m"] == 0
    assert first["properties"]["suitable"] is None
    assert first["properties"]["suitability_text"].startswith("対象の災害：")
    assert report(client, 139.7671, 35.6812)["suggested_shelters"] is None  # Tokyo


# ---------------------------------------------------------------- /here


def test_the_page_reads_in_order_with_headings_and_lang(client, flood_site, zones):
    lon, lat = flood_site.geom.x, flood_site.geom.y
    add_zone(zones, square(lon, lat, 200), 1, hazard_type="flood", depth_rank=3)
    response = client.get("/here", {"lat": lat, "lon": lon, "lang": "en"})
    html = response.content.decode()
    assert '<html lang="en">' in html and response["Content-Language"] == "en"
    assert "<title>Hazards at this place — Kishiwada City</title>" in html
    order = ["<h1>Hazards at this place</h1>", ">Location</h2>", "This place is inside: River flood",
             ">River flood: Inside a hazard zone</h2>", "<dt>Expected depth of water</dt>", "<dd>3–5 m</dd>",
             ">What to do</h3>", ">Nearest shelters for River flood (outside the zone)</h3>", "<ol>",
             ">Landslide: Not in a mapped zone</h2>", ">About the data</h2>", 'name="lat"']  # fmt: skip
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert '<strong lang="ja">' in html  # shelter names are Japanese data on an English page


def test_the_page_in_easy_japanese_and_the_sample_note(client, db):
    lon, lat = OSAKA_KITA_POINT
    html = client.get("/here", {"lat": lat, "lon": lon, "lang": "easy"}).content.decode()
    assert '<html lang="ja">' in html and "この 場所の 災害の きけん" in html
    assert 'role="note"' in html and "本当では ない データです" in html
    assert 'aria-current="page">やさしい日本語</a>' in html


def test_the_page_outside_the_prefecture_and_without_a_point(client, db):
    outside = client.get("/here", {"lat": 35.6812, "lon": 139.7671}).content.decode()
    assert "この地点は大阪府の区域外です。" in outside
    empty = client.get("/here")
    assert empty.status_code == 200 and 'name="lat"' in empty.content.decode()


def test_the_page_escapes_what_it_is_given(client, db):
    response = client.get("/here", {"lat": "<script>alert(1)</script>", "lon": "135.5"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html


# ---------------------------------------------------------------- the wording, in the admin


def test_a_prefecture_administrator_rewords_advice_in_the_admin(client, db):
    advice = HazardAdvice.objects.get(hazard_type="landslide", level="special_warning")
    url = reverse("admin:layers_hazardadvice_change", args=[advice.pk])
    editor = User.objects.create_user("editor", is_staff=True)
    Role.objects.create(user=editor, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code="27205"))
    client.force_login(editor)
    assert client.get(url).status_code == 403
    boss = User.objects.create_user("pref", is_staff=True)
    Role.objects.create(user=boss, name=Role.Name.PREFECTURE_ADMIN)
    client.force_login(boss)
    assert client.get(reverse("admin:layers_hazardadvice_changelist")).status_code == 200
    form = {"hazard_type": "landslide", "level": "special_warning", "action_ja": "雨の前に逃げる",
            "action_en": "Leave before rain", "action_easy": "雨の 前に にげる"}  # fmt: skip
    assert client.post(url, form).status_code == 302
    advice.refresh_from_db()
    assert advice.action_en == "Leave before rain"
    form["level"] = "9"
    assert client.post(url, form).status_code == 200  # not a level any zone states: the form says so


def test_the_report_names_the_building_at_the_point_with_its_real_depths(client, db):
    """PLATEAU building models (real 大阪市 data): the depths assumed at the building, in three languages."""
    from layers.models import Feature

    building = Feature.objects.get(layer__slug="building-hazards", source_id="27100-bldg-555091")
    point = building.geom.point_on_surface
    texts = {}
    for lang in ("ja", "en", "easy"):
        body = client.get("/api/hazards/at/", {"lat": point.y, "lon": point.x, "lang": lang}).json()
        texts[lang] = body["building"]["text"]
        assert body["building"]["building_id"] == "27100-bldg-555091" and body["building"]["deepest_m"] == 5.675
        assert "PLATEAU" in body["building"]["source"]["attribution"] and body["building"]["source"]["sample"] is False
    assert texts["en"] == (
        "This building: river flood up to 2.2 m (largest assumed rainfall), river flood up to 0.6 m (planned scale), "
        "storm surge up to 5.7 m, tsunami up to 2.0 m"
    )
    assert texts["ja"] == (
        "この建物の想定浸水深：洪水 最大2.2 m（想定最大規模）、洪水 最大0.6 m（計画規模）、"
        "高潮 最大5.7 m、津波 最大2.0 m"
    )
    assert texts["easy"].startswith("この たてものの 水の 深さ：こう水で いちばん 深い とき 2.2 m")
    page = client.get("/here", {"lat": point.y, "lon": point.x, "lang": "ja"}).content.decode()
    assert texts["ja"] in page and "3D都市モデル（Project PLATEAU）大阪市（2022年度）" in page
    outside = client.get("/api/hazards/at/", {"lat": 34.7025, "lon": 135.4959, "lang": "en"}).json()
    assert outside["building"] is None
