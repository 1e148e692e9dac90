"""Shapefiles as they are found: null-shape records, and parts that disagree on how many records there are."""

import struct
import subprocess
import zipfile

import pytest

from importers.pipeline import run_import
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import OSAKA_KITA_POINT, make_layer, point_feature, write_geojson, zip_files

KINDERGARTEN_ZIP = FIXTURES / "childcare/osaka_city_kindergarten_epsg6674.zip"


@pytest.fixture
def osaka(db):
    return Municipality.objects.get(code="27100")


def kindergarten_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(KINDERGARTEN_ZIP) as zf:
        return {info.filename.rsplit("/", 1)[-1]: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def childcare_layer():
    return make_layer(slug="t-childcare", kind="childcare", category="childcare")


def with_null_shape(parts, index):
    """The point shapefile with record `index` (0-based) turned into a null shape, .shx rewritten to match."""
    shp, shx = parts["kindergarten.shp"], parts["kindergarten.shx"]
    records = []
    for i in range((len(shx) - 100) // 8):
        offset, words = struct.unpack_from(">ii", shx, 100 + 8 * i)
        content = shp[offset * 2 + 8 : offset * 2 + 8 + words * 2]
        records.append(struct.pack("<i", 0) if i == index else content)  # shape type 0: null
    body, index_entries, offset = b"", b"", 50
    for number, content in enumerate(records, start=1):
        body += struct.pack(">ii", number, len(content) // 2) + content
        index_entries += struct.pack(">ii", offset, len(content) // 2)
        offset += 4 + len(content) // 2
    shp_header = bytearray(shp[:100])
    struct.pack_into(">i", shp_header, 24, (100 + len(body)) // 2)
    shx_header = bytearray(shx[:100])
    struct.pack_into(">i", shx_header, 24, (100 + len(index_entries)) // 2)
    return {
        **parts,
        "kindergarten.shp": bytes(shp_header) + body,
        "kindergarten.shx": bytes(shx_header) + index_entries,
    }


def without_last_dbf_record(parts):
    dbf = bytearray(parts["kindergarten.dbf"])
    count, header_length, record_length = struct.unpack_from("<IHH", dbf, 4)
    struct.pack_into("<I", dbf, 4, count - 1)
    end = header_length + (count - 1) * record_length
    return {**parts, "kindergarten.dbf": bytes(dbf[:end]) + b"\x1a"}


def test_null_shape_record_is_a_finding_for_its_row_and_the_rest_is_read(db, tmp_path, osaka):
    archive = zip_files(tmp_path / "kindergarten.zip", with_null_shape(kindergarten_parts(), 2))
    layer = childcare_layer()
    result = run_import(archive, layer=layer, municipality=osaka)
    assert result.rows == 510
    (error,) = result.errors
    assert (error.code, error.row, error.field) == ("missing_geometry", 3, "geometry")
    assert result.accepted == 509, "every other row was read and checked"
    assert not Feature.objects.filter(layer=layer).exists()


def test_dbf_with_fewer_records_than_shapes_is_refused_naming_both_counts(db, tmp_path, osaka):
    archive = zip_files(tmp_path / "kindergarten.zip", without_last_dbf_record(kindergarten_parts()))
    layer = childcare_layer()
    result = run_import(archive, layer=layer, municipality=osaka)
    (error,) = result.errors
    assert error.code == "shapefile_counts_differ"
    assert "510 shapes" in error.message_en and "509 records" in error.message_en
    assert "510" in error.message_ja and "509" in error.message_ja
    assert not Feature.objects.filter(layer=layer).exists()


def test_shapes_missing_from_the_shp_are_refused_naming_both_counts(db, tmp_path, osaka):
    parts = kindergarten_parts()
    cut = {**parts, "kindergarten.shp": parts["kindergarten.shp"][: 100 + 28 * 3]}  # 3 point records of 510
    result = run_import(zip_files(tmp_path / "k.zip", cut), layer=childcare_layer(), municipality=osaka)
    (error,) = result.errors
    assert error.code == "shapefile_counts_differ"
    assert "3 shapes" in error.message_en and "510 records" in error.message_en


def test_index_that_does_not_match_the_shapes_is_refused(db, tmp_path, osaka):
    parts = kindergarten_parts()
    shx = bytearray(parts["kindergarten.shx"])
    shx[100 + 8 * 4 : 100 + 8 * 4] = b"\x00\x00"  # two bytes in the 5th entry: it and the rest point elsewhere
    del shx[-2:]  # the same number of entries, as a damaged copy often has
    damaged = {**parts, "kindergarten.shx": bytes(shx)}
    layer = childcare_layer()
    result = run_import(zip_files(tmp_path / "k.zip", damaged), layer=layer, municipality=osaka)
    (error,) = result.errors
    assert (error.code, error.row) == ("shapefile_index_mismatch", 5)
    assert "kindergarten.shx" in error.message_en and "record 5" in error.message_en
    assert not Feature.objects.filter(layer=layer).exists()


def test_dbf_whose_records_are_not_where_its_header_says_is_refused(db, tmp_path, osaka):
    parts = kindergarten_parts()
    dbf = bytearray(parts["kindergarten.dbf"])
    _count, header_length, record_length = struct.unpack_from("<IHH", dbf, 4)
    at = header_length + 10 * record_length  # a stray byte where the 11th record should begin
    dbf[at:at] = b"X"
    result = run_import(
        zip_files(tmp_path / "k.zip", {**parts, "kindergarten.dbf": bytes(dbf)}),
        layer=childcare_layer(),
        municipality=osaka,
    )
    (error,) = result.errors
    assert (error.code, error.row) == ("dbf_damaged", 11)
    assert "kindergarten.dbf" in error.message_en


def test_a_date_gdal_cannot_parse_is_a_warning_and_the_row_is_read(db, tmp_path, osaka):
    source = write_geojson(
        tmp_path / "src.geojson",
        [
            point_feature(*OSAKA_KITA_POINT, 施設名="うめだ保育園", 開設日="2019-04-01"),
            point_feature(OSAKA_KITA_POINT[0] + 0.001, OSAKA_KITA_POINT[1], 施設名="きた保育園", 開設日="2019-04-02"),
        ],
    )
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(tmp_path / "hoiku.shp"), str(source)],
        check=True,
        capture_output=True,
    )
    dbf = tmp_path / "hoiku.dbf"
    dbf.write_bytes(dbf.read_bytes().replace(b"20190402", b"R1.05.01"))  # a 和暦 date typed into a date field
    parts = {p.name: p for p in tmp_path.glob("hoiku.*")}
    layer = childcare_layer()
    result = run_import(zip_files(tmp_path / "hoiku.zip", parts), layer=layer, municipality=osaka)
    assert result.published, [str(f) for f in result.errors]
    (warning,) = [f for f in result.findings if f.code == "unreadable_value"]
    assert (warning.row, warning.field, warning.severity) == (2, "開設日", "warning")
    assert Feature.objects.filter(layer=layer).count() == 2
