"""KML and KMZ: always WGS84 lon/lat; every folder with placemarks is read."""

from pyproj import CRS

from ..report import file_error
from .ogr import open_datasource, pick_layers, table_from_layers

FORMAT = "kml"


def can_read(upload) -> bool:
    return upload.suffix in (".kml", ".kmz") and bool(upload.files(".kml"))


def read(upload):
    kmls = upload.files(".kml")
    if not kmls:
        raise file_error(
            "no_kml",
            f"{upload.name}: KML がありません",
            f"{upload.name}: no KML document inside",
        )
    doc = next((p for p in kmls if p.name.lower() == "doc.kml"), kmls[0])
    ds = open_datasource(doc, upload.name)
    layers = pick_layers(ds, upload.name, upload.options.layer_name)
    return table_from_layers(FORMAT, layers, upload.name, "utf-8", CRS.from_epsg(4326))
