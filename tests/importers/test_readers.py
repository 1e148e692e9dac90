"""Vector formats through GDAL: Shapefile (.prj, .cpg, LDID), GeoJSON, GeoPackage, KML/KMZ, and zip safety."""

import shutil
import subprocess
import zipfile

import pytest

from importers.pipeline import run_import
from importers.upload import ImportOptions
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson, zip_files


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


@pytest.fixture
def osaka(db):
    return Municipality.objects.get(code="27100")


def test_zipped_shapefile_in_plane_zone_vi_is_reprojected(db, osaka):
    layer = make_layer(slug="t-childcare", kind="childcare", category="childcare")
    result = run_import(FIXTURES / "childcare/osaka_city_kindergarten_epsg6674.zip", layer=layer, municipality=osaka)
    assert result.published
    assert result.run.source_srs == "EPSG:6674"
    assert result.run.encoding == "utf-8"  # from the .cpg
    # The DBF also carries the position in degrees (X, Y): the reprojected geometry must agree.
    feature = Feature.objects.get(layer=layer, name="田辺幼稚園")
    assert feature.geom.x == pytest.approx(135.5217419, abs=2e-6)
    assert feature.geom.y == pytest.approx(34.6262556, abs=2e-6)
    assert feature.properties["facility_type"] == "幼稚園"
    assert feature.ward.name_ja == "東住吉区"


def test_cp932_dbf_without_cpg_is_decoded(db):
    """P13 (2011) ships no .cpg and LDID 0: the DBF bytes decide, and CP932 wins."""
    layer = make_layer(slug="t-parks", kind="park", category="parks")
    result = run_import(
        FIXTURES / "parks/ksj_P13-11_27_no_prj.zip",
        layer=layer,
        municipality=None,
        mode="dry_run",
        options=ImportOptions(srs="EPSG:4612"),
    )
    assert result.run.encoding == "cp932"
    assert not result.errors
    assert "no_prj" in {f.code for f in result.findings}


def test_shapefile_with_cp932_ldid_and_jgd2000_zone_vi_prj(db, tmp_path):
    """e-Stat's 大東市 boundaries: DBF LDID 0x13 (CP932), .prj JGD2000 / zone VI (EPSG:2448)."""
    source = FIXTURES / "boundaries/estat_h27_daito"
    # Polygons of a boundary dataset go into a polygon kind: hazard zones, as a format check.
    archive = zip_files(tmp_path / "daito.zip", {p.name: p for p in source.iterdir()})
    layer = make_layer(slug="t-hz", kind="hazard_zone")
    result = run_import(archive, layer=layer, municipality=Municipality.objects.get(code="27218"), mode="dry_run")
    assert result.run.encoding == "cp932"
    assert result.run.source_srs == "EPSG:2448"
    assert result.rows == 124
    # Features lack a hazard type: one required error per feature, not a crash, and one for the file
    # saying how to set it for every row.
    assert [f.code for f in result.errors if f.row is None] == ["field_missing_everywhere"]
    assert [f.code for f in result.errors if f.row is not None] == ["required"] * 124


def test_geojson_without_crs_is_wgs84_and_properties_map_by_name(db, tmp_path, suita):
    layer = make_layer()
    path = write_geojson(
        tmp_path / "s.geojson",
        [point_feature(*SUITA_POINT, 共通ID="E2720500009111", **{"施設・場所名": "市民センター", "住所": "吹田市"})],
    )
    result = run_import(path, layer=layer, municipality=suita)
    assert result.published
    assert result.run.source_srs == "EPSG:4326"
    feature = Feature.objects.get(layer=layer)
    # The file gives no reading, so a derived one is stored beside the kind's properties.
    assert feature.properties == {
        "designation": "shelter", "shelter_type": "general",
        "reading": "シミンセンター", "name_en": "Civic Center",  # derived: the file gives neither
        "designations": ["shelter"], "shelter_id": "E2720500009111",  # one facility, one record
    }  # fmt: skip


def test_geojson_that_is_not_json_is_refused_with_the_line(db, tmp_path, suita):
    path = tmp_path / "broken.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n', encoding="utf-8")
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    (error,) = result.errors
    assert error.code == "invalid_json" and "broken.geojson" in error.message_en


def _ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)


@pytest.mark.parametrize("driver,suffix", [("GPKG", ".gpkg"), ("KML", ".kml")])
def test_geopackage_and_kml_are_read(db, tmp_path, suita, driver, suffix):
    source = write_geojson(
        tmp_path / "src.geojson",
        [point_feature(*SUITA_POINT, name="吹田の広場", ID="A-1", hazard_note="x")],
    )
    target = tmp_path / f"out{suffix}"
    _ogr2ogr("-f", driver, str(target), str(source))
    layer = make_layer(slug=f"t-parks-{driver.lower()}", kind="park", category="parks")
    result = run_import(target, layer=layer, municipality=suita)
    assert result.published, [str(f) for f in result.findings]
    feature = Feature.objects.get(layer=layer)
    assert feature.name == "吹田の広場"
    assert feature.geom.x == pytest.approx(SUITA_POINT[0])


def test_kmz_is_unpacked_and_read(db, tmp_path, suita):
    source = write_geojson(tmp_path / "src.geojson", [point_feature(*SUITA_POINT, name="KMZの公園")])
    kml = tmp_path / "doc.kml"
    _ogr2ogr("-f", "KML", str(kml), str(source))
    kmz = zip_files(tmp_path / "parks.kmz", {"doc.kml": kml})
    layer = make_layer(slug="t-parks-kmz", kind="park", category="parks")
    assert run_import(kmz, layer=layer, municipality=suita).published


@pytest.mark.parametrize(
    "entry", ["../evil.shp", "/etc/evil.shp", "a/../../evil.shp"], ids=["dotdot", "absolute", "nested-dotdot"]
)
def test_zip_entries_escaping_the_folder_are_refused(db, tmp_path, suita, entry):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "x")
        info = zipfile.ZipInfo(entry)
        zf.writestr(info, "payload")
    result = run_import(archive, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["zip_unsafe_entry"]
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_symlink_entries_are_refused(db, tmp_path, suita):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("link.shp")
        info.external_attr = 0o120777 << 16  # a symbolic link
        zf.writestr(info, "/etc/passwd")
    result = run_import(archive, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["zip_unsafe_entry"]


def test_zip_bomb_is_refused_by_expansion_ratio(db, tmp_path, suita, settings):
    settings.MAX_ZIP_EXPANSION_RATIO = 20
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.csv", b"0" * 5_000_000)
    result = run_import(archive, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["zip_too_large"]


def test_upload_size_limit(db, tmp_path, suita, settings):
    settings.MAX_UPLOAD_BYTES = 100
    path = write_geojson(tmp_path / "big.geojson", [point_feature(*SUITA_POINT, name="x" * 200)])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["file_too_large"]


def test_the_private_work_folder_is_removed(db, tmp_path, suita, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    archive = shutil.copy(FIXTURES / "childcare/osaka_city_kindergarten_epsg6674.zip", tmp_path / "c.zip")
    layer = make_layer(slug="t-cc", kind="childcare", category="childcare")
    run_import(archive, layer=layer, municipality=Municipality.objects.get(code="27100"), mode="dry_run")
    assert list((tmp_path / "tmp").iterdir()) == []


def test_unsupported_format_is_refused(db, tmp_path, suita):
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04 not really")
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["unsupported_format"]


def test_deeply_nested_json_is_refused_cleanly(db, tmp_path, suita):
    path = tmp_path / "deep.geojson"
    path.write_text('{"type":"FeatureCollection","features":' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    assert [f.code for f in result.errors] == ["invalid_json"]
