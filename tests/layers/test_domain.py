"""The domain: 43 municipalities with real boundaries, their wards, codes and the sample layers."""

import pytest
from django.contrib.gis.geos import Point

from layers.kinds import KINDS, get_kind
from layers.models import Feature, Layer, Municipality, Ward, check_digit
from layers.municipalities import find_municipality
from tests.conftest import FIXTURES


def test_all_43_municipalities_with_names_in_three_scripts(db):
    assert Municipality.objects.count() == 43
    osaka = Municipality.objects.get(code="27100")
    assert (osaka.name_ja, osaka.name_kana, osaka.name_en) == ("大阪市", "おおさかし", "Osaka City")
    assert Municipality.objects.filter(kind="town").count() == 9
    assert Municipality.objects.filter(kind="village").count() == 1
    assert not Municipality.objects.filter(name_kana="").exists()


def test_check_digits_match_the_6_digit_codes_gsi_uses():
    codes6 = [p.stem for p in (FIXTURES / "shelters/gsi_emergency").glob("*.geojson")]
    assert len(codes6) == 43
    for code6 in codes6:
        assert check_digit(code6[:5]) == code6[5], code6


@pytest.mark.parametrize("text", ["27205", "272051", "吹田市", "Suita City", "２７２０５"])
def test_find_municipality_accepts_codes_and_names(db, text):
    assert find_municipality(text).code == "27205"


def test_find_municipality_rejects_a_wrong_check_digit(db):
    with pytest.raises(Municipality.DoesNotExist, match="check digit"):
        find_municipality("272059")


def test_wards_belong_to_their_city_and_place_a_point(db):
    assert Ward.objects.filter(municipality__code="27100").count() == 24
    assert Ward.objects.filter(municipality__code="27140").count() == 7
    osaka_station = Point(135.4959, 34.7025, srid=4326)
    assert Ward.objects.get(geom__contains=osaka_station).name_ja == "北区"
    assert Municipality.objects.get(geom__contains=osaka_station).code == "27100"
    # A city's boundary is the union of its wards.
    osaka = Municipality.objects.get(code="27100")
    wards_area = sum(w.geom.area for w in osaka.wards.all())
    assert osaka.geom.area == pytest.approx(wards_area, rel=1e-3)


def test_the_demo_layers_are_loaded(db):
    counts = {layer.slug: layer.features.count() for layer in Layer.objects.all()}
    # GSI's 5,455 emergency sites and 2,975 shelters, 1,865 pairs of them one facility each.
    assert counts["shelters"] == 5455 + 2975 - 1865
    assert counts["building-hazards"] == 816
    assert counts["childcare"] == 510
    assert counts["parks"] == 5112
    assert counts["clinics"] == 142
    assert counts["hazard-zones"] == 79


def test_shelters_cover_all_43_municipalities_and_osaka_shelters_have_wards(db):
    shelters = Feature.objects.filter(layer__slug="shelters")
    assert shelters.values("municipality").distinct().count() == 43
    in_osaka = shelters.filter(municipality__code="27100")
    assert in_osaka.filter(ward__isnull=True).count() < 0.01 * in_osaka.count()


def test_sample_hazards_say_they_are_not_real(db):
    layer = Layer.objects.get(slug="hazard-zones")
    assert "sample, not real" in layer.attribution and "架空" in layer.attribution
    assert "sample, not real" in layer.source
    assert not layer.features.exclude(properties__source__icontains="sample, not real").exists()


def test_demo_loading_is_idempotent(db):
    from django.core.management import call_command

    versions = dict(Layer.objects.values_list("slug", "version"))
    call_command("load_demo", verbosity=0)
    assert dict(Layer.objects.values_list("slug", "version")) == versions


def test_every_kind_declares_a_valid_schema():
    assert set(KINDS) == {"shelter", "hazard_zone", "building_hazard", "childcare", "park", "clinic"}
    for kind in KINDS.values():
        names = [f.name for f in kind.fields]
        assert len(names) == len(set(names)), kind.slug
        assert set(kind.tile_properties) <= set(names), kind.slug
        for f in kind.fields:
            assert f.label_ja and f.label_en


def test_shelter_schema_has_the_eight_gsi_disaster_flags():
    disasters = get_kind("shelter").fields_by_name["disasters"]
    assert [c.label_ja for c in disasters.codes] == [
        "洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震", "津波", "大規模な火事", "内水氾濫", "火山現象",
    ]  # fmt: skip


def test_feature_clean_rejects_properties_outside_the_schema(db):
    from django.core.exceptions import ValidationError

    layer = Layer.objects.get(slug="parks")  # park types are a closed code list (childcare's is open)
    feature = Feature(layer=layer, geom=Point(135.5, 34.7, srid=4326), properties={"park_type": "99"})
    with pytest.raises(ValidationError, match="code list"):
        feature.clean()
