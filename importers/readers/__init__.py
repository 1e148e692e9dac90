"""The readers, one per file format, asked in order; the first that can read an upload reads it.

Read through `read_upload`, never a reader's `read` directly: it turns whatever a reader or its
library raises into a finding (see guard.py).
"""

from ..report import file_error
from . import csv, geojson, gpkg, kml, plateau, shapefile
from .guard import library_errors, read_table

READERS = (csv, geojson, plateau, shapefile, gpkg, kml)


def reader_for(upload):
    for reader in READERS:
        with library_errors(upload.name):
            readable = reader.can_read(upload)
        if readable:
            return reader
    raise file_error(
        "unsupported_format",
        f"{upload.name}: この形式は読み込めません"
        "（CSV, GeoJSON, シェープファイル(zip), GeoPackage, KML/KMZ, PLATEAU CityGML）",
        f"{upload.name}: unsupported format "
        "(use CSV, GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or PLATEAU CityGML)",
    )


def read_upload(upload):
    """The upload's table: columns, rows (read lazily) and what was found about the file."""
    return read_table(reader_for(upload), upload)
