"""GeoJSON as it is found: null geometries, repeated keys, times GDAL would type, entries that are not features."""

import json

import pytest

from importers.pipeline import run_import
from importers.readers import read_upload
from importers.upload import UploadWorkspace
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def shelter(name, lon=SUITA_POINT[0], lat=SUITA_POINT[1], serial=1):
    return point_feature(lon, lat, 共通ID=f"E27205{serial:05d}201", **{"施設・場所名": name})


def test_null_geometry_is_a_finding_for_its_row_and_the_rest_is_read(db, tmp_path, suita):
    features = [shelter("一", serial=1), shelter("二", serial=2), shelter("三", serial=3)]
    features[1]["geometry"] = None
    path = write_geojson(tmp_path / "nulls.geojson", features)
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=suita)
    assert result.rows == 3
    (error,) = result.errors
    assert (error.code, error.row, error.field) == ("missing_geometry", 2, "geometry")
    assert "null" in error.message_en
    assert result.run.status == "refused" and not Feature.objects.filter(layer=layer).exists()


def test_unreadable_geometry_names_its_row(db, tmp_path, suita):
    features = [shelter("一", serial=1), shelter("二", serial=2)]
    features[0]["geometry"] = {"type": "Pointy", "coordinates": [135.5, 34.7]}
    features[1]["geometry"] = {"type": "Point", "coordinates": [["a"], "b"]}
    path = write_geojson(tmp_path / "odd.geojson", features)
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [(f.code, f.row) for f in result.errors] == [("unreadable_geometry", 1), ("unreadable_geometry", 2)]


def test_repeated_property_key_is_a_finding_naming_feature_and_key(db, tmp_path, suita):
    one = json.dumps(shelter("一", serial=1), ensure_ascii=False)
    two = json.dumps(shelter("二", serial=2), ensure_ascii=False).replace(
        '"施設・場所名": "二"', '"施設・場所名": "二", "施設・場所名": "別の名前"'
    )
    path = tmp_path / "repeated.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": [{one}, {two}]}}', encoding="utf-8")
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=suita)
    (error,) = result.errors
    assert (error.code, error.row, error.field) == ("duplicate_key", 2, "施設・場所名")
    assert "Feature 2" in error.message_en and "二 / 別の名前" == error.value
    assert not Feature.objects.filter(layer=layer).exists()


def test_repeated_top_level_key_refuses_the_file(db, tmp_path, suita):
    feature = json.dumps(shelter("一"), ensure_ascii=False)
    path = tmp_path / "two_lists.geojson"
    path.write_text(f'{{"type": "FeatureCollection", "features": [{feature}], "features": []}}', encoding="utf-8")
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [(f.code, f.field) for f in result.errors] == [("duplicate_key", "features")]


def test_entries_that_are_not_features_are_findings(db, tmp_path, suita):
    path = write_geojson(tmp_path / "mixed.geojson", [shelter("一"), 7, {"type": "Polygon", "coordinates": []}])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [(f.code, f.row) for f in result.errors] == [("not_a_feature", 2), ("not_a_feature", 3)]


def test_real_nursery_file_with_null_times_reads_every_value_as_written(db):
    """Code for Sapporo's nursery file: GDAL types Open/Close as Time and GeoDjango raised TypeError on
    the null ones. Every feature is read, times as the file writes them, nulls as None."""
    path = FIXTURES / "childcare/codeforsapporo_nursery_time_nulls.geojson"
    with UploadWorkspace(path) as upload:
        rows = list(read_upload(upload).rows)
    assert len(rows) == 25
    opens = [row.attributes["Open"] for row in rows]
    assert opens.count(None) == 6 and "7:00" in opens
    assert all(not row.findings and row.geometry is not None for row in rows)


def test_real_nursery_file_is_reported_not_crashed(db):
    layer = make_layer(slug="t-childcare", kind="childcare", category="childcare")
    path = FIXTURES / "childcare/codeforsapporo_nursery_time_nulls.geojson"
    result = run_import(path, layer=layer, municipality=None, mode="dry_run")
    assert result.rows == 25
    assert {f.code for f in result.errors} == {"outside_prefecture"}  # 札幌市 is not in Osaka
