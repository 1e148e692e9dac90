"""The readers, one per file format, asked in order; the first that can read an upload reads it."""

from ..report import file_error
from . import csv, geojson, gpkg, kml, plateau, shapefile

READERS = (csv, geojson, plateau, shapefile, gpkg, kml)


def reader_for(upload):
    for reader in READERS:
        if reader.can_read(upload):
            return reader
    raise file_error(
        "unsupported_format",
        f"{upload.name}: この形式は読み込めません"
        "（CSV, GeoJSON, シェープファイル(zip), GeoPackage, KML/KMZ, PLATEAU CityGML）",
        f"{upload.name}: unsupported format "
        "(use CSV, GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ or PLATEAU CityGML)",
    )
