"""Nearest: KNN order, distances on the spheroid, the kind's filters, live status and suitability."""

import numpy as np
import pytest
from django.contrib.auth.models import User
from pyproj import Geod

from layers.models import Feature, Municipality
from layers.status import service as shelter_status
from tests.factories import SUITA_POINT

NEAREST = "/api/nearest/"
GEOD = Geod(ellps="WGS84")


def nearest(client, lon, lat, **extra):
    response = client.get(NEAREST, {"lat": lat, "lon": lon, **extra})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    return response.json()["features"]


def geodesic_metres(lon, lat, lons, lats):
    return GEOD.inv(np.full(len(lons), lon), np.full(len(lats), lat), np.asarray(lons), np.asarray(lats))[2]


def inside_a_zone_of(feature, hazard_type):
    return Feature.objects.filter(
        layer__kind="hazard_zone", properties__hazard_type=hazard_type, geom__intersects=feature.geom
    ).exists()


@pytest.mark.parametrize("point", [SUITA_POINT, (135.4959, 34.7025), (135.3200, 34.4100)])
def test_the_nearest_shelters_in_order_match_a_geodesic_brute_force(client, db, point):
    lon, lat = point
    features = nearest(client, lon, lat, layer="shelters", limit=10)
    rows = list(Feature.objects.filter(layer__slug="shelters").values_list("id", "geom"))
    metres = geodesic_metres(lon, lat, [g.x for _, g in rows], [g.y for _, g in rows])
    expected = sorted(zip(metres, [pk for pk, _ in rows], strict=True))[:10]
    got = [(f["properties"]["distance_m"], f["id"]) for f in features]
    assert [d for d, _ in got] == sorted(d for d, _ in got)
    for (want_m, _), (got_m, _) in zip(expected, got, strict=True):
        assert abs(want_m - got_m) < 1.0
    # The same ten (two sites at one address are equally near, so their order may differ).
    assert {pk for _, pk in got} == {pk for _, pk in expected}


def test_a_kinds_filters_apply(client, db):
    lon, lat = SUITA_POINT
    tsunami = nearest(client, lon, lat, layer="shelters", disaster="tsunami", limit=8)
    assert len(tsunami) == 8 and all("tsunami" in f["properties"]["disasters"] for f in tsunami)
    kindergartens = nearest(client, lon, lat, layer="childcare", type="幼稚園", limit=3)
    assert kindergartens and all(f["properties"]["facility_type"] == "幼稚園" for f in kindergartens)
    welfare = nearest(client, lon, lat, layer="shelters", shelter_type="welfare", municipality="27205")
    assert all(f["properties"]["municipality"] == "27205" for f in welfare)


def test_shelters_carry_their_live_status_and_status_open_keeps_the_open_ones(client, db):
    lon, lat = SUITA_POINT
    first, second = nearest(client, lon, lat, layer="shelters", limit=2)
    assert first["properties"]["status"]["status"] == "not_open"
    assert nearest(client, lon, lat, layer="shelters", status="open") == []
    admin = User.objects.create_superuser("prefecture-admin")
    shelter = Feature.objects.get(pk=second["id"])
    shelter_status.update_status(shelter, {"opening_status": "open", "evacuee_count": 12}, 0, admin)
    open_now = nearest(client, lon, lat, layer="shelters", status="open")
    assert [f["id"] for f in open_now] == [second["id"]]
    assert open_now[0]["properties"]["status"]["count"] == 12
    not_open = nearest(client, lon, lat, layer="shelters", status="not_open", limit=2)
    assert second["id"] not in [f["id"] for f in not_open]


def test_suitable_for_a_hazard_excludes_sites_inside_its_zones(client, db):
    # A flood-designated site that lies in a flood zone: nearest to itself, but not a place to flee to.
    flood_sites = Feature.objects.filter(layer__slug="shelters", properties__disasters__contains=["flood"])
    in_zone = next(f for f in flood_sites.order_by("id") if inside_a_zone_of(f, "flood"))
    lon, lat = in_zone.geom.x, in_zone.geom.y
    designated = nearest(client, lon, lat, layer="shelters", disaster="flood", limit=5)
    assert designated[0]["properties"]["distance_m"] == 0 and in_zone.pk in [f["id"] for f in designated]
    suitable = nearest(client, lon, lat, layer="shelters", suitable_for="flood", limit=5)
    assert len(suitable) == 5 and in_zone.pk not in [f["id"] for f in suitable]
    for f in suitable:
        assert "flood" in f["properties"]["disasters"]
        assert not inside_a_zone_of(Feature.objects.get(pk=f["id"]), "flood")


@pytest.mark.parametrize(
    "query",
    [
        {"lon": "135.5", "layer": "shelters"},
        {"lat": "91", "lon": "135.5", "layer": "shelters"},
        {"lat": "34.7", "lon": "nan", "layer": "shelters"},
        {"lat": "34.7", "lon": "135.5"},
        {"lat": "34.7", "lon": "135.5", "layer": "no-such-layer"},
        {"lat": "34.7", "lon": "135.5", "layer": "childcare", "status": "open"},
        {"lat": "34.7", "lon": "135.5", "layer": "shelters", "status": "busy"},
        {"lat": "34.7", "lon": "135.5", "layer": "shelters", "suitable_for": "volcano"},
        {"lat": "34.7", "lon": "135.5", "layer": "parks", "suitable_for": "flood"},
        {"lat": "34.7", "lon": "135.5", "layer": "shelters", "disaster": "meteor"},
        {"lat": "34.7", "lon": "135.5", "layer": "shelters", "colour": "red"},
        {"lat": "34.7", "lon": "135.5", "layer": "shelters", "limit": "51"},
    ],
)
def test_bad_parameters_are_400_with_the_parameter_named(client, db, query):
    response = client.get(NEAREST, query)
    assert response.status_code == 400
    assert response.json()["error"]["parameter"]


def test_a_tsunami_evacuation_building_inside_the_zone_stays_suitable(client, db):
    """垂直避難: a site for tsunami named for its upper floors is where to go up, even inside the zone."""
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from tests.factories import make_layer

    hazards = make_layer("tsunami-test", kind="hazard_zone")
    municipality = Municipality.objects.get(code="27100")
    lon, lat = 135.4300, 34.6400  # 大阪市住之江区, by the bay
    square = Polygon.from_bbox((lon - 0.005, lat - 0.005, lon + 0.005, lat + 0.005))
    zone = {"hazard_type": "tsunami", "depth_rank": 3}
    Feature.objects.create(layer=hazards, municipality=municipality, source_id="T1", name="津波浸水想定",
                           geom=MultiPolygon(square), properties=zone)  # fmt: skip
    shelters = make_layer("vertical-test")

    def site(source_id, name, dx):
        properties = {"designation": "emergency_site", "disasters": ["tsunami"]}
        return Feature.objects.create(layer=shelters, municipality=municipality, source_id=source_id, name=name,
                                      geom=Point(lon + dx, lat, srid=4326), properties=properties)  # fmt: skip

    building = site("E2710099001201", "南港ポートタウン第一ビル（３階以上）", 0.001)
    plain = site("E2710099002201", "南港中央公園", 0.0015)
    outside = site("E2710099003201", "住之江公園", 0.02)
    found = [f["id"] for f in nearest(client, lon, lat, layer="vertical-test", suitable_for="tsunami", limit=5)]
    assert building.pk in found and outside.pk in found and plain.pk not in found
    flood = [f["id"] for f in nearest(client, lon, lat, layer="vertical-test", suitable_for="flood", limit=5)]
    assert building.pk not in flood  # upper floors are not a flood designation it does not have
