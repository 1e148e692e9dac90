"""OGC API - Features Part 1: the documents, items paging, and GDAL's OAPIF driver against the live server."""

import json
import os
import shutil
import subprocess
import urllib.request

import pytest
from django.core.cache import cache

from layers.models import Feature, Layer

SLUGS = ["shelters", "hazard-zones", "building-hazards", "childcare", "parks", "clinics"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_landing_page_links_the_api_conformance_and_collections(client, db):
    body = client.get("/ogc/").json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    api = client.get("/ogc/api")
    assert api["Content-Type"].startswith("application/vnd.oai.openapi+json")
    paths = api.json()["paths"]
    assert "/collections/shelters/items" in paths and "/collections/shelters/items/{featureId}" in paths


def test_conformance_declares_exactly_what_is_implemented(client, db):
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    features = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
    cql2 = "http://www.opengis.net/spec/cql2/1.0/conf/{}"
    assert sorted(conforms) == sorted(
        [
            *(features.format(1, c) for c in ("core", "oas30", "geojson")),
            features.format(2, "crs"),
            *(features.format(3, c) for c in ("queryables", "filter", "features-filter")),
            *(
                cql2.format(c)
                for c in (
                    "cql2-text",
                    "cql2-json",
                    "basic-cql2",
                    "advanced-comparison-operators",
                    "basic-spatial-functions",
                    "basic-spatial-functions-plus",
                    "spatial-functions",
                    "array-functions",
                )
            ),
        ]
    )
    # Not implemented, so not declared: HTML, GML, CASEI/ACCENTI, temporal, arithmetic, property-property.
    assert not {c for c in conforms if c.endswith(("/html", "/gmlsf2", "/case-insensitive-comparison"))}


def test_collections_list_every_layer_with_extent_and_items_link(client, db):
    collections = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == SLUGS
    shelters = collections[0]
    minx, miny, maxx, maxy = shelters["extent"]["spatial"]["bbox"][0]
    assert 134.9 < minx < maxx < 135.8 and 34.2 < miny < maxy < 35.1
    assert any(link["rel"] == "items" for link in shelters["links"])
    assert client.get("/ogc/collections/shelters").json()["id"] == "shelters"
    assert client.get("/ogc/collections/nothing").status_code == 404


def test_items_page_with_counts_and_next_link(client, db):
    total = Feature.objects.filter(layer__slug="parks").count()
    body = client.get("/ogc/collections/parks/items", {"limit": 7}).json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == total and body["numberReturned"] == 7 == len(body["features"])
    next_href = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(next_href.removeprefix("http://testserver")).json()
    assert second["numberReturned"] == 7
    assert not {f["id"] for f in body["features"]} & {f["id"] for f in second["features"]}


def test_items_bbox_filters_and_limit_is_clamped_not_refused(client, db, settings):
    settings.FEATURES_MAX_LIMIT = 50
    body = client.get("/ogc/collections/shelters/items", {"bbox": "135.48,34.69,135.51,34.71", "limit": 1000000})
    assert body.status_code == 200
    body = body.json()
    assert body["numberReturned"] == 50 and body["numberMatched"] > 50
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 135.48 <= lon <= 135.51 and 34.69 <= lat <= 34.71
    assert client.get("/ogc/collections/shelters/items", {"bbox": "1,2,3"}).status_code == 400


def test_one_item(client, db):
    feature = Feature.objects.filter(layer__slug="shelters").first()
    body = client.get(f"/ogc/collections/shelters/items/{feature.pk}").json()
    assert body["id"] == feature.pk and body["properties"]["source_id"] == feature.source_id
    other = Layer.objects.get(slug="parks")
    assert client.get(f"/ogc/collections/{other.slug}/items/{feature.pk}").status_code == 404
    assert client.get("/ogc/collections/shelters/items/abc").status_code == 404


def _gdal_env():
    # Our settings module sets GDAL network guards in os.environ for the server; the client needs the network.
    blocked = {"GDAL_HTTP_TIMEOUT", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS"}
    return {k: v for k, v in os.environ.items() if k not in blocked}


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL command-line tools are not installed")
def test_gdal_oapif_lists_every_layer_and_ogr2ogr_copies_one(live_app, tmp_path):
    url = f"OAPIF:{live_app}/ogc/"
    listing = subprocess.run(["ogrinfo", "-ro", "-q", url], capture_output=True, text=True, env=_gdal_env(), timeout=60)
    assert listing.returncode == 0, listing.stderr
    for slug in SLUGS:
        assert f": {slug} " in listing.stdout or f": {slug}\n" in listing.stdout, listing.stdout

    out = tmp_path / "parks.geojson"
    copy = subprocess.run(
        # PAGE_SIZE: GDAL 3.6 pages by 10 unless told; 1000 keeps the copy to a few requests.
        ["ogr2ogr", "-f", "GeoJSON", "-oo", "PAGE_SIZE=1000", str(out), url, "parks"],
        capture_output=True,
        text=True,
        env=_gdal_env(),
        timeout=120,
    )
    assert copy.returncode == 0, copy.stderr
    copied = json.loads(out.read_text())["features"]
    assert len(copied) == _count_live(live_app, "parks")
    assert {"source_id", "name", "park_type"} <= set(copied[0]["properties"])


def _count_live(base, slug):
    with urllib.request.urlopen(f"{base}/ogc/collections/{slug}/items?limit=1") as response:
        return json.load(response)["numberMatched"]


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="GDAL command-line tools are not installed")
def test_gdal_sends_an_attribute_filter_to_the_server_as_cql(live_app, db, tmp_path):
    """ogr2ogr -where: GDAL reads filter-lang from the API definition and sends the filter to the server."""
    out = tmp_path / "kindergartens.geojson"
    copy = subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GeoJSON",
            "-oo",
            "PAGE_SIZE=1000",
            "-where",
            "facility_type = '幼稚園'",
            str(out),
            f"OAPIF:{live_app}/ogc/",
            "childcare",
            "--debug",
            "on",
        ],
        capture_output=True,
        text=True,
        env=_gdal_env(),
        timeout=120,
    )
    assert copy.returncode == 0, copy.stderr
    fetched = [line for line in copy.stderr.splitlines() if "/collections/childcare/items" in line]
    assert any("filter=" in line and "filter-lang=cql-text" in line for line in fetched), copy.stderr[-3000:]
    assert "evaluated on client side" not in copy.stderr
    copied = json.loads(out.read_text())["features"]
    expected = Feature.objects.filter(layer__slug="childcare", properties__facility_type="幼稚園").count()
    assert len(copied) == expected > 0
    assert {f["properties"]["facility_type"] for f in copied} == {"幼稚園"}


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL command-line tools are not installed")
def test_ogrinfo_where_with_and_counts_what_the_database_holds(live_app, db):
    listing = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            "-oo",
            "PAGE_SIZE=1000",
            "-where",
            "designation = 'shelter' AND municipality = '27205'",
            f"OAPIF:{live_app}/ogc/",
            "shelters",
        ],
        capture_output=True,
        text=True,
        env=_gdal_env(),
        timeout=120,
    )
    assert listing.returncode == 0, listing.stderr
    shelters = Feature.objects.filter(layer__slug="shelters", properties__designation="shelter")
    expected = shelters.filter(municipality__code="27205").count()
    assert expected > 0 and f"Feature Count: {expected}\n" in listing.stdout, listing.stdout


def test_owslib_lists_queryables_and_filters_in_another_crs(live_app):
    from owslib.ogcapi.features import Features

    api = Features(f"{live_app}/ogc/")
    queryables = api.collection_queryables("shelters")
    assert queryables["properties"]["designation"]["enum"] == ["emergency_site", "shelter"]
    assert {"disasters", "name", "municipality", "geometry"} <= set(queryables["properties"])
    assert set(api.collection_queryables("parks")["properties"]) >= {"park_type", "area_m2", "opened_year"}

    zone_vi = "http://www.opengis.net/def/crs/EPSG/0/6674"
    items = api.collection_items("parks", filter="opened_year >= 2000", crs=zone_vi, limit=5)
    assert api.response_headers["Content-Crs"] == f"<{zone_vi}>"
    assert all(f["properties"]["opened_year"] >= 2000 for f in items["features"]) and items["features"]
    northing, easting = items["features"][0]["geometry"]["coordinates"]
    assert -200_000 < northing < 0 and -100_000 < easting < 100_000


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ({"filter": "designation = 'shelter' AND"}, "filter", "not valid cql2-text"),
        ({"filter": "colour = 'red'"}, "filter", "unknown property 'colour'"),
        ({"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"}, "crs", "not offered"),
    ],
)
def test_the_live_server_answers_bad_filters_and_crs_with_400(live_app, query, parameter, words):
    from owslib.ogcapi.features import Features

    with pytest.raises(RuntimeError) as raised:
        Features(f"{live_app}/ogc/").collection_items("shelters", **query)
    error = json.loads(str(raised.value))["error"]
    assert error["parameter"] == parameter and words in error["message"]
