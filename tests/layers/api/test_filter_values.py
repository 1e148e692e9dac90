"""The catalogue says which values each filter field holds in the data, so the map offers only those."""

import pytest
from django.core.cache import cache

from layers.api.catalogue import filter_values
from layers.models import Feature, Layer


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def counted(layer, field):
    return {v["value"]: v["count"] for v in filter_values(layer)[field]}


def test_code_lists_are_counted_per_value_from_the_data(db):
    shelters = Layer.objects.get(slug="shelters")
    designations = counted(shelters, "designations")
    features = Feature.objects.filter(layer=shelters)
    for value, count in designations.items():
        assert features.filter(properties__designations__contains=[value]).count() == count
    assert set(designations) <= {c.value for c in shelters.kind_spec.fields_by_name["designations"].codes}
    # Most first.
    assert list(designations.values()) == sorted(designations.values(), reverse=True)


def test_a_field_the_data_leaves_empty_offers_nothing(client, db):
    clinics = Layer.objects.get(slug="clinics")
    values = filter_values(clinics)
    empty = [name for name, found in values.items() if not found]
    for name in empty:
        assert (
            not Feature.objects.filter(layer=clinics, properties__has_key=name)
            .exclude(**{f"properties__{name}": None})
            .exists()
        )

    entry = next(e for e in client.get("/api/layers/").json()["layers"] if e["slug"] == "clinics")
    assert entry["filter_values"] == values


def test_the_counts_follow_a_new_version(db):
    hazards = Layer.objects.get(slug="hazard-zones")
    before = counted(hazards, "hazard_type")
    feature = Feature.objects.filter(layer=hazards, properties__hazard_type="flood").first()
    feature.properties = {**feature.properties, "hazard_type": "landslide"}
    feature.save()
    Layer.objects.filter(pk=hazards.pk).update(version=hazards.version + 1)
    hazards.refresh_from_db()
    after = counted(hazards, "hazard_type")
    assert after["flood"] == before["flood"] - 1
    assert after["landslide"] == before.get("landslide", 0) + 1
