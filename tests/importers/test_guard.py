"""The reader layer: the shared limits, and whatever a library raises turned into a finding."""

import struct

import pytest

from importers.pipeline import run_import
from importers.readers.base import SourceRow, SourceTable
from importers.readers.guard import read_table
from importers.report import ImportRefused
from importers.upload import UploadWorkspace
from layers.models import Feature, Municipality
from tests.conftest import FIXTURES
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_csv, write_geojson

CLINICS = FIXTURES / "clinics/osaka_city_mapnavi_hospital_clinic.csv"


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def shelter(name, serial, **extra):
    return point_feature(*SUITA_POINT, 共通ID=f"E27205{serial:05d}201", **{"施設・場所名": name}, **extra)


def test_csv_with_thousands_of_columns_is_refused_with_the_limit(db, tmp_path, suita):
    header = ["名称", "緯度", "経度"] + [f"列{i}" for i in range(3000)]
    path = write_csv(tmp_path / "wide.csv", header, [["吹田市役所", SUITA_POINT[1], SUITA_POINT[0]] + [""] * 3000])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    (error,) = result.errors
    assert (error.code, error.value) == ("too_many_columns", "3003")
    assert "3,003" in error.message_en and "500" in error.message_en


def test_column_limit_is_a_setting(db, suita, settings):
    settings.MAX_COLUMNS_PER_FILE = 5
    layer = make_layer(slug="t-clinics", kind="clinic", category="medical")
    result = run_import(CLINICS, layer=layer, municipality=None, mode="dry_run")
    assert [f.code for f in result.errors] == ["too_many_columns"]
    assert "the limit is 5" in result.errors[0].message_en


def test_property_name_over_the_limit_is_refused(db, tmp_path, suita):
    long_name = "備考" * 150
    path = write_geojson(tmp_path / "n.geojson", [shelter("一", 1, **{long_name: "x"})])
    result = run_import(path, layer=make_layer(), municipality=suita, mode="dry_run")
    (error,) = result.errors
    assert error.code == "column_name_too_long"
    assert "300 characters" in error.message_en and error.field.startswith("備考備考")


def test_property_value_over_the_limit_is_an_error_naming_row_and_field(db, tmp_path, suita, settings):
    settings.MAX_VALUE_CHARS = 1000
    features = [shelter("一", 1), shelter("二", 2, 備考="あ" * 1001), shelter("三", 3)]
    path = write_geojson(tmp_path / "v.geojson", features)
    layer = make_layer()
    result = run_import(path, layer=layer, municipality=suita)
    (error,) = result.errors
    assert (error.code, error.row, error.field) == ("value_too_long", 2, "備考")
    assert "1,001 characters" in error.message_en and "1,000" in error.message_en
    assert result.rows == 3 and not Feature.objects.filter(layer=layer).exists()


class _BrokenReader:
    """A reader whose library fails: on opening, or at the third row."""

    def __init__(self, fail_on_open):
        self.fail_on_open = fail_on_open

    def read(self, upload):
        if self.fail_on_open:
            raise struct.error("unpack requires a buffer of 8 bytes")

        def rows():
            for number in (1, 2):
                yield SourceRow(number, {"名称": "x"})
            raise MemoryError("the library gave up")

        return SourceTable("test", ["名称"], rows())


def test_a_library_exception_on_opening_is_a_finding_naming_the_file(db):
    with UploadWorkspace(CLINICS, "clinics.csv") as upload, pytest.raises(ImportRefused) as refused:
        read_table(_BrokenReader(fail_on_open=True), upload)
    (finding,) = refused.value.findings
    assert finding.code == "unreadable_file"
    assert "clinics.csv" in finding.message_en and "unpack requires a buffer" in finding.message_en


def test_a_library_exception_while_reading_rows_names_the_row(db):
    with UploadWorkspace(CLINICS, "clinics.csv") as upload:
        table = read_table(_BrokenReader(fail_on_open=False), upload)
        rows = []
        with pytest.raises(ImportRefused) as refused:
            rows.extend(table.rows)
    assert len(rows) == 2
    (finding,) = refused.value.findings
    assert (finding.code, finding.row) == ("unreadable_file", 3)
    assert "MemoryError: the library gave up" in finding.message_en
