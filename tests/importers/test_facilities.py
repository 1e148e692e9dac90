"""One facility, one record: GSI's emergency-site and shelter lists paired into facilities."""

import json
from collections import Counter

import pytest
from django.contrib.auth.models import User

from importers.pipeline import run_import
from layers.models import Feature, Municipality, Role, ShelterStatus
from layers.status import service
from tests.conftest import FIXTURES
from tests.factories import make_layer, point_feature, write_geojson

EMERGENCY = FIXTURES / "shelters/gsi_emergency"
SHELTERS = FIXTURES / "shelters/gsi_evacuation"


def gsi_records(folder):
    return [f for path in sorted(folder.glob("*.geojson")) for f in json.loads(path.read_text())["features"]]


def test_the_demo_shelters_are_one_record_per_facility(db):
    features = Feature.objects.filter(layer__slug="shelters")
    emergency_ids = {f["properties"]["共通ID"] for f in gsi_records(EMERGENCY)}
    shelter_ids = {f["properties"]["共通ID"] for f in gsi_records(SHELTERS)}
    as_emergency = Counter(
        f.properties.get("emergency_site_id") for f in features if f.properties.get("emergency_site_id")
    )
    as_shelter = Counter(f.properties.get("shelter_id") for f in features if f.properties.get("shelter_id"))
    # Every record of both lists is in exactly one facility; none is lost, none is twice.
    assert set(as_emergency) == emergency_ids and set(as_shelter) == shelter_ids
    assert max(as_emergency.values()) == 1 and max(as_shelter.values()) == 1
    both = features.filter(properties__has_key="emergency_site_id").filter(properties__has_key="shelter_id")
    assert both.count() == 1865
    # Both lists' fields are present: the emergency site's disaster types, the shelter's type.
    school = both.get(source_id="E2710000003201")
    assert school.name == "金塚小学校" and school.properties["emergency_site_name"] == "金塚小学校（運動場）"
    assert school.properties["disasters"] and school.properties["shelter_type"] == "general"
    assert school.properties["designations"] == ["emergency_site", "shelter"]


def test_no_two_features_at_one_place_are_the_same_facility(client, db):
    """An emergency site and a shelter of one serial at one place are one feature, not two dots."""
    places = {}
    page = client.get("/api/layers/shelters/features/", {"limit": 10000}).json()
    for feature in page["features"]:
        props = feature["properties"]
        key = (tuple(feature["geometry"]["coordinates"]), props["source_id"][:11])  # the place and the serial
        places.setdefault(key, []).append(props)
    for (_where, serial), found in places.items():
        lists = [tuple(p["designations"]) for p in found]
        split = ("emergency_site",) in lists and any("shelter" in designations for designations in lists)
        assert not split, f"{serial}: {[p['name'] for p in found]} are one facility in two records"


def test_two_records_of_one_list_under_one_serial_stay_two(db):
    """The serial alone is not a facility: two buildings of one list keep two records."""
    emergencies = Counter(f["properties"]["共通ID"][:12] for f in gsi_records(EMERGENCY))
    serial = next(s for s, n in emergencies.items() if n > 1)
    features = Feature.objects.filter(layer__slug="shelters", properties__emergency_site_id__startswith=serial)
    assert features.count() >= emergencies[serial]


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code="27205")


def record(source_id, name, lon, lat, **properties):
    return point_feature(
        lon, lat, 共通ID=source_id, **{"施設・場所名": name, "住所": "大阪府吹田市泉町1-1"}, **properties
    )


def test_replacing_one_list_keeps_the_other_lists_part_and_status_follows_the_facility(suita, tmp_path):
    layer = make_layer("fac-test")
    shelter = write_geojson(tmp_path / "s.geojson", [record("E2720599001111", "泉小学校", 135.5190, 34.7600,
                                                           **{"指定緊急避難場所との住所同一": "1"})])  # fmt: skip
    assert run_import(shelter, layer=layer, municipality=suita, mode="replace").published
    (alone,) = Feature.objects.filter(layer=layer)
    user = User.objects.create_user("fac-bousai")
    Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=suita)
    service.update_status(alone, {"opening_status": "open", "evacuee_count": 12}, 0, user)

    site = record(
        "E2720599001201", "泉小学校（グラウンド）", 135.5191, 34.7601, **{"地震": "1", "指定避難所との住所同一": "1"}
    )
    emergency = write_geojson(tmp_path / "e.geojson", [site])
    result = run_import(emergency, layer=layer, municipality=suita, mode="replace")
    assert result.published and not [f for f in result.findings if f.code == "facility_pairing_uncertain"]
    (facility,) = Feature.objects.filter(layer=layer)
    assert facility.source_id == "E2720599001201" and facility.name == "泉小学校"
    assert (facility.properties["shelter_id"], facility.properties["disasters"]) == ("E2720599001111", ["earthquake"])
    status = ShelterStatus.objects.get(municipality=suita, source_id=facility.source_id)
    assert (status.opening_status, status.evacuee_count) == ("open", 12)  # the update staff made is not lost

    # Replacing the emergency list with a file that no longer has the site keeps the shelter.
    other = write_geojson(
        tmp_path / "e2.geojson", [record("E2720599002201", "泉公園", 135.5300, 34.7700, **{"地震": "1"})]
    )
    assert run_import(other, layer=layer, municipality=suita, mode="replace").published
    names = dict(Feature.objects.filter(layer=layer).values_list("name", "properties__designations"))
    assert names == {"泉小学校": ["shelter"], "泉公園": ["emergency_site"]}


def test_an_uncertain_pairing_is_reported(suita, tmp_path):
    layer = make_layer("fac-unsure")
    shelters = write_geojson(tmp_path / "s.geojson", [
        record("E2720599003111", "エルベコート５棟", 135.5190, 34.7600, **{"指定緊急避難場所との住所同一": "1"}),
        record("E2720599003121", "エルベコート４棟", 135.5190, 34.7600, **{"指定緊急避難場所との住所同一": "1"}),
    ])  # fmt: skip
    run_import(shelters, layer=layer, municipality=suita, mode="replace")
    emergency = write_geojson(tmp_path / "e.geojson", [
        record("E2720599003201", "エルベコート", 135.5190, 34.7600, **{"地震": "1", "指定避難所との住所同一": "1"}),
    ])  # fmt: skip
    result = run_import(emergency, layer=layer, municipality=suita, mode="replace")
    (warning,) = [f for f in result.findings if f.code == "facility_pairing_uncertain"]
    assert warning.severity == "warning" and "E2720599003201" in warning.message_en
    # One emergency record joins one of the two buildings; the other stays its own facility.
    assert Feature.objects.filter(layer=layer).count() == 2
