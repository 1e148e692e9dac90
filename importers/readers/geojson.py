"""GeoJSON (RFC 7946: lon/lat on WGS84 unless an old-style `crs` member says otherwise)."""

import json

from pyproj import CRS

from ..decode import decode_text
from ..report import file_error
from .ogr import open_datasource, pick_layers, table_from_layers

FORMAT = "geojson"


def can_read(upload) -> bool:
    return upload.path.is_file() and upload.suffix in (".geojson", ".json")


def declared_crs(text, display_name):
    """The pre-RFC `crs` member (e.g. urn:ogc:def:crs:EPSG::6668), else None (meaning WGS84)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise file_error(
            "invalid_json",
            f"{display_name}: JSON として読めません（{exc.lineno} 行目）",
            f"{display_name}: not valid JSON (line {exc.lineno}: {exc.msg})",
            row=exc.lineno,
        ) from None
    except RecursionError:
        raise file_error(
            "invalid_json",
            f"{display_name}: JSON の入れ子が深すぎます",
            f"{display_name}: the JSON is nested too deeply to be GeoJSON",
        ) from None
    if not isinstance(document, dict) or document.get("type") not in (
        "FeatureCollection",
        "Feature",
    ):
        raise file_error(
            "not_geojson",
            f"{display_name}: GeoJSON の FeatureCollection ではありません",
            f"{display_name}: not a GeoJSON FeatureCollection",
        )
    name = ((document.get("crs") or {}).get("properties") or {}).get("name")
    return CRS.from_user_input(name) if name else None


def read(upload):
    text, encoding = decode_text(upload.path.read_bytes(), upload.name, upload.options.encoding)
    crs = declared_crs(text, upload.name) or CRS.from_epsg(4326)
    ds = open_datasource(upload.path, upload.name)
    return table_from_layers(
        FORMAT,
        pick_layers(ds, upload.name, upload.options.layer_name),
        upload.name,
        encoding,
        crs,
    )
