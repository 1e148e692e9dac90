"""Reading vector files through GDAL/OGR (via GeoDjango's wrapper), shared by the format readers."""

from __future__ import annotations

import shapely
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.gdal.libgdal import lgdal
from pyproj import CRS

from ..report import Finding, file_error
from .base import SourceRow, SourceTable

# GDAL would recode shapefile text by its own guess; we decide the encoding (see shapefile.py).
lgdal.CPLSetConfigOption(b"SHAPE_ENCODING", b"")


def open_datasource(path, display_name, encoding="utf-8"):
    try:
        return DataSource(str(path), encoding=encoding)
    except GDALException as exc:
        raise file_error(
            "unreadable_file",
            f"{display_name}: ファイルを読めません（{exc}）",
            f"{display_name}: GDAL cannot open the file ({exc})",
        ) from None


def pick_layers(ds, display_name, wanted=None):
    layers = [ds[i] for i in range(len(ds))]
    if wanted:
        chosen = [layer for layer in layers if layer.name == wanted]
        if not chosen:
            names = ", ".join(layer.name for layer in layers)
            raise file_error(
                "layer_missing",
                f"{display_name}: レイヤ {wanted!r} がありません（{names}）",
                f"{display_name}: no layer {wanted!r} (layers: {names})",
            )
        return chosen
    non_empty = [layer for layer in layers if len(layer)]
    if not non_empty:
        raise file_error(
            "no_features",
            f"{display_name}: 地物がありません",
            f"{display_name}: the file has no features",
        )
    return non_empty


def crs_of_layer(layer) -> CRS | None:
    srs = layer.srs
    if srs is None:
        return None
    return CRS.from_wkt(srs.wkt)


def table_from_layers(fmt, layers, display_name, encoding, crs, notes=None) -> SourceTable:
    notes = list(notes or [])
    if len(layers) > 1:
        notes.append(
            Finding(
                "several_layers",
                f"{len(layers)} 個のレイヤをまとめて読み込みました: {', '.join(lyr.name for lyr in layers)}",
                f"Read {len(layers)} layers together: {', '.join(lyr.name for lyr in layers)}",
                severity="warning",
            )
        )
    columns = list(dict.fromkeys(name for layer in layers for name in layer.fields))

    def rows():
        number = 0
        for layer in layers:
            names = layer.fields  # every feature of a layer shares its definition: look the names up once
            for feature in layer:
                number += 1
                attributes = {}
                for index, name in enumerate(names):
                    try:
                        attributes[name] = feature[index].value
                    except (UnicodeDecodeError, GDALException) as exc:
                        raise file_error(
                            "decode_error",
                            f"{display_name}: 地物 {number} の {name} を {encoding} として読めません",
                            f"{display_name}: feature {number}, field {name} cannot be decoded as {encoding} ({exc})",
                            row=number,
                            field=name,
                        ) from None
                geometry, problem = None, None
                ogr_geom = feature.geom if feature.geom_type.num != 0 or _has_geom(feature) else None
                if ogr_geom is None:
                    problem = (
                        "missing_geometry",
                        "ジオメトリがありません",
                        "The feature has no geometry",
                    )
                else:
                    try:
                        geometry = shapely.force_2d(shapely.from_wkb(bytes(ogr_geom.wkb)))
                    except (shapely.errors.GEOSException, GDALException) as exc:
                        problem = (
                            "unreadable_geometry",
                            f"ジオメトリを読めません: {exc}",
                            f"Unreadable geometry: {exc}",
                        )
                yield SourceRow(number, attributes, geometry, problem)

    return SourceTable(fmt, columns, rows(), encoding=encoding, crs=crs, notes=notes)


def _has_geom(feature):
    try:
        return feature.geom is not None
    except GDALException:
        return False
