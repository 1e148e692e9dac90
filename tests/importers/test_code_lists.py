"""Code lists as real files use them: childcare types beyond the standard's list, P13's manager."""

from importers.pipeline import run_import
from layers.models import Feature, Municipality
from tests.factories import SUITA_POINT, make_layer, write_csv

HEADER = ["NO", "名称", "名称_カナ", "種別", "住所", "緯度", "経度"]


def test_childcare_types_seen_in_real_files_and_an_unknown_one_is_a_warning(db, tmp_path):
    lon, lat = SUITA_POINT
    rows = [
        ["1", "吹田児童クラブ", "すいたじどうくらぶ", "放課後児童クラブ", "大阪府吹田市", lat, lon],
        ["2", "吹田児童館", "すいたじどうかん", "児童館", "大阪府吹田市", lat, lon],
        ["3", "こども食堂すいた", "こどもしょくどうすいた", "こども食堂", "大阪府吹田市", lat, lon],
    ]
    path = write_csv(tmp_path / "kosodate.csv", HEADER, rows)
    layer = make_layer(slug="t-kosodate", kind="childcare", category="childcare")
    result = run_import(path, layer=layer, municipality=Municipality.objects.get(code="27205"), mode="replace")
    assert result.published, [f.message_en for f in result.errors]
    types = dict(Feature.objects.filter(layer=layer).values_list("name", "properties__facility_type"))
    assert types == {"吹田児童クラブ": "放課後児童クラブ", "吹田児童館": "児童館", "こども食堂すいた": "こども食堂"}
    (warning,) = [f for f in result.findings if f.code == "code_not_in_list"]
    assert (warning.row, warning.field, warning.severity, warning.value) == (3, "種別", "warning", "こども食堂")


def test_p13_manager_is_the_managing_body_not_the_prefecture_of_the_location(db):
    """The demo's real P13 file: P13_001/P13_002 manage, P13_005/P13_006 locate."""
    parks = Feature.objects.filter(layer__slug="parks")
    assert parks.get(name="服部緑地").properties["manager"] == "大阪府"  # a prefectural park (P13_002 empty)
    assert {p["manager"] for p in parks.filter(name="淀川河川公園").values_list("properties", flat=True)} == {
        "近畿地方整備局"
    }
    osaka_city = parks.filter(municipality__code="27100")
    assert osaka_city.filter(properties__manager="大阪市").count() > 100
    managers = set(parks.values_list("properties__manager", flat=True))
    assert "大阪府" in managers and len(managers) > 10  # not every park "大阪府" any more


def test_depth_ranks_carry_the_mlit_standard_colours(client, db):
    """水害ハザードマップ作成の手引き: the colours residents know from their paper hazard maps."""
    layers = {entry["slug"]: entry for entry in client.get("/api/layers/").json()["layers"]}
    for slug, field in (("hazard-zones", "depth_rank"), ("building-hazards", "deepest_rank")):
        codes = next(f for f in layers[slug]["fields"] if f["name"] == field)["codes"]
        assert [c["colour"] for c in codes] == ["#f7f5a9", "#ffd8c0", "#ffb7b7", "#ff9191", "#f285c9", "#dc7adc"]
