"""GeoPackages GDAL cannot read all of: a virtual table is refused with GDAL's reason, never a ValueError."""

import sqlite3
import subprocess

import pytest

from importers.pipeline import run_import
from importers.upload import ImportOptions
from layers.models import Feature, Municipality
from tests.factories import SUITA, SUITA_POINT, make_layer, point_feature, write_geojson


@pytest.fixture
def suita(db):
    return Municipality.objects.get(code=SUITA)


def geopackage_with_virtual_table(tmp_path):
    source = write_geojson(tmp_path / "parks.geojson", [point_feature(*SUITA_POINT, name="吹田の広場", ID="P-1")])
    target = tmp_path / "parks.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(target), str(source), "-nln", "parks"], check=True)
    # A table of a module this SQLite does not have (e.g. one a desktop GIS added), registered as features.
    with sqlite3.connect(target) as db:
        db.execute("PRAGMA writable_schema=ON")
        db.execute(
            "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
            "VALUES ('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING someextension(geom, name)')"
        )
    with sqlite3.connect(target) as db:
        columns = "table_name, data_type, identifier, srs_id"
        db.execute(f"INSERT INTO gpkg_contents ({columns}) VALUES ('vt', 'features', 'vt', 4326)")
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('vt', 'geom', 'POINT', 4326, 0, 0)")
    return target


def test_geopackage_virtual_table_is_refused_with_a_reason(db, tmp_path, suita):
    layer = make_layer(slug="t-parks", kind="park", category="parks")
    result = run_import(geopackage_with_virtual_table(tmp_path), layer=layer, municipality=suita)
    (error,) = result.errors
    assert (error.code, error.field) == ("layer_unreadable", "vt")
    assert "virtual table" in error.message_en and "no such module: someextension" in error.message_en
    assert "parks.gpkg" in error.message_en
    assert not Feature.objects.filter(layer=layer).exists()


def test_the_readable_layer_of_that_geopackage_can_still_be_chosen(db, tmp_path, suita):
    layer = make_layer(slug="t-parks", kind="park", category="parks")
    path = geopackage_with_virtual_table(tmp_path)
    result = run_import(path, layer=layer, municipality=suita, options=ImportOptions(layer_name="parks"))
    assert result.published, [str(f) for f in result.errors]
    assert Feature.objects.get(layer=layer).name == "吹田の広場"


def test_a_damaged_geopackage_is_refused_without_naming_server_paths(db, tmp_path, suita):
    path = geopackage_with_virtual_table(tmp_path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)  # the first page after the header: the schema
    path.write_bytes(bytes(data))
    result = run_import(path, layer=make_layer(slug="t-parks", kind="park", category="parks"), municipality=suita)
    (error,) = result.errors
    assert error.code == "unreadable_file" and "parks.gpkg" in error.message_en
    assert str(tmp_path) not in error.message_en + error.message_ja
