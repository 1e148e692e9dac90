"""国土数値情報 (KSJ) hazard and boundary files map onto the hazard-zone and municipality schemas."""

import subprocess

import pytest
from shapely.geometry import box, mapping

from importers.boundaries import load_boundaries
from importers.pipeline import run_import
from layers.kinds.hazard_zone import rank_from_depth_text
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import make_layer, write_geojson, zip_files

# A small square inside 大阪市北区 and one inside 箕面市.
OSAKA_SQUARE = box(135.490, 34.700, 135.494, 34.703)
MINOH_SQUARE = box(135.470, 34.850, 135.472, 34.852)


def ksj_shapefile_zip(tmp_path, name, features):
    """A KSJ-style zip: Shapefile with a CP932 DBF, as the 国土数値情報 download service ships it."""
    source = write_geojson(
        tmp_path / f"{name}.geojson",
        [{"type": "Feature", "geometry": mapping(geom), "properties": props} for geom, props in features],
    )
    folder = tmp_path / name
    folder.mkdir()
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP932", "-a_srs", "EPSG:6668",
         str(folder / f"{name}.shp"), str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return zip_files(tmp_path / f"{name}.zip", {f"{name}/{p.name}": p for p in folder.iterdir()})


def published(layer):
    return list(Feature.objects.filter(layer=layer).order_by("source_id").values_list("properties", flat=True))


def test_a31a_flood_depth_ranks(db, tmp_path):
    layer = make_layer(slug="t-a31", kind="hazard_zone")
    archive = ksj_shapefile_zip(
        tmp_path,
        "A31a-23_27_20",
        [(OSAKA_SQUARE, {"A31a_201": "8606040001", "A31a_202": "淀川", "A31a_205": 3})],
    )
    result = run_import(archive, layer=layer, municipality=None)
    assert result.published, [str(f) for f in result.findings]
    assert result.run.encoding == "cp932"
    (props,) = published(layer)
    assert props == {"hazard_type": "flood", "depth_rank": 3, "river": "淀川"}


def test_a33_landslide_zones_with_codes(db, tmp_path):
    layer = make_layer(slug="t-a33", kind="hazard_zone")
    archive = ksj_shapefile_zip(
        tmp_path,
        "A33-23_27",
        [
            (
                MINOH_SQUARE,
                {"A33_001": 1, "A33_002": 2, "A33_004": "27220-001", "A33_005": "如意谷", "A33_007": "2015/3/1"},
            ),
            (MINOH_SQUARE.buffer(0.001), {"A33_001": 2, "A33_002": 1, "A33_004": "27220-002", "A33_005": "箕面川"}),
        ],
    )
    result = run_import(archive, layer=layer, municipality=Municipality.objects.get(code="27220"))
    assert result.published, [str(f) for f in result.findings]
    first, second = published(layer)
    assert first == {
        "hazard_type": "landslide", "zone_class": "special_warning", "phenomenon": "steep_slope",
        "designated_on": "2015-03-01",
    }  # fmt: skip
    assert second["zone_class"] == "warning" and second["phenomenon"] == "debris_flow"
    assert Feature.objects.get(layer=layer, source_id="27220-001").name == "如意谷"


def test_a40_tsunami_depth_text_is_ranked(db, tmp_path):
    layer = make_layer(slug="t-a40", kind="hazard_zone")
    archive = ksj_shapefile_zip(
        tmp_path,
        "A40-16_27",
        [(OSAKA_SQUARE, {"A40_001": "大阪府", "A40_002": "27", "A40_003": "3.0m以上5.0m未満"})],
    )
    result = run_import(archive, layer=layer, municipality=None)
    assert result.published, [str(f) for f in result.findings]
    (props,) = published(layer)
    assert props == {
        "hazard_type": "tsunami", "depth_rank": 3, "depth_label": "3.0m以上5.0m未満",
        "depth_min_m": 3.0, "depth_max_m": 5.0,
    }  # fmt: skip


def test_unknown_a33_code_is_an_error_naming_the_column(db, tmp_path):
    layer = make_layer(slug="t-a33b", kind="hazard_zone")
    archive = ksj_shapefile_zip(tmp_path, "A33-x", [(MINOH_SQUARE, {"A33_001": 7, "A33_002": 1, "A33_004": "x"})])
    result = run_import(archive, layer=layer, municipality=None, mode="dry_run")
    (error,) = result.errors
    assert (error.row, error.field, error.value) == (1, "A33_001", "7")


@pytest.mark.parametrize(
    "text,rank",
    [
        ("0.5m未満", 1),
        ("0.5m以上3.0m未満", 2),
        ("3m以上5m未満", 3),
        ("5.0m以上10.0m未満", 4),
        ("２０ｍ以上", 6),
        ("", None),
        # Bands that straddle two ranks are not forced into the lower one.
        ("0.3m以上1.0m未満", None),
        ("2.0m以上5.0m未満", None),
        ("5m以上", None),
        ("0.3m以上0.5m未満", 1),
    ],
)
def test_depth_text_ranks(text, rank):
    assert rank_from_depth_text(text) == rank


def test_n03_as_a_zipped_cp932_shapefile_loads_boundaries(db, tmp_path):
    folder = tmp_path / "N03-20240101_27_GML"
    folder.mkdir()
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP932", str(folder / "N03-20240101_27.shp"),
         str(FIXTURES / "boundaries/ksj_N03-20240101_27.geojson")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    archive = zip_files(tmp_path / "N03.zip", {f"{folder.name}/{p.name}": p for p in folder.iterdir()})
    before = Municipality.objects.get(code="27205").geom
    assert load_boundaries(archive, FIXTURES / "municipalities/osaka_municipalities.csv") == (43, 31)
    after = Municipality.objects.get(code="27205").geom
    assert after.sym_difference(before).area < 1e-9 * before.area


@pytest.mark.parametrize(
    "dataset,attributes,expected",
    [
        # A51 (内水): A51_005 is a text band, not a number.
        ("A51-22_27", {"A51_005": "0.5m以上1.0m未満"},
         {"hazard_type": "inland_flood", "depth_rank": 2, "depth_label": "0.5m以上1.0m未満",
          "depth_min_m": 0.5, "depth_max_m": 1.0}),
        # A49 (高潮) with a band across ranks 2 and 3: kept as the band, no rank.
        ("A49-20_27", {"A49_003": "2.0m以上5.0m未満"},
         {"hazard_type": "storm_surge", "depth_label": "2.0m以上5.0m未満", "depth_min_m": 2.0, "depth_max_m": 5.0}),
        # A31 平成24年度版: A31_001 code 13 = 1.0m以上2.0m未満 (inside rank 2).
        ("A31-12_27", {"A31_001": "13"},
         {"hazard_type": "flood", "depth_rank": 2, "depth_label": "1.0m以上2.0m未満", "depth_min_m": 1.0,
          "depth_max_m": 2.0}),
        # A31 令和2・3年度版: A31_205 (想定最大規模) wins over A31_105 (計画規模).
        ("A31-21_27", {"A31_105": "2", "A31_205": "3"}, {"hazard_type": "flood", "depth_rank": 3}),
    ],
)  # fmt: skip
def test_ksj_depth_variants(db, tmp_path, dataset, attributes, expected):
    layer = make_layer(slug=f"t-{dataset.lower()}", kind="hazard_zone")
    archive = ksj_shapefile_zip(tmp_path, dataset, [(OSAKA_SQUARE, attributes)])
    result = run_import(archive, layer=layer, municipality=None)
    assert result.published, [str(f) for f in result.findings]
    (props,) = published(layer)
    assert props == expected


def test_a33_008_flag_is_read(db, tmp_path):
    layer = make_layer(slug="t-a33-008", kind="hazard_zone")
    archive = ksj_shapefile_zip(
        tmp_path, "A33-x", [(MINOH_SQUARE, {"A33_001": 1, "A33_002": 1, "A33_004": "y", "A33_008": 1})]
    )
    assert run_import(archive, layer=layer, municipality=None).published
    (props,) = published(layer)
    assert props["special_warning_undesignated"] is True
