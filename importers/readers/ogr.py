"""Reading vector files through GDAL/OGR (via GeoDjango's wrapper), shared by the format readers.

GeoDjango's wrapper trusts a driver's feature count and raises on a feature without geometry. Here
features are fetched until GDAL has no more and a geometry is looked up where NULL is an answer (the
feature has none), so a count that lies or a null geometry becomes a finding, never an exception.
"""

from __future__ import annotations

from ctypes import c_char_p, c_int, c_void_p

import shapely
from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.gdal.feature import Feature
from django.contrib.gis.gdal.field import OFTDate, OFTDateTime, OFTTime
from django.contrib.gis.gdal.libgdal import lgdal
from django.contrib.gis.gdal.prototypes import ds as capi
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..report import WARNING, Finding, file_error, short
from .base import SourceRow, SourceTable

# GDAL would recode shapefile text by its own guess; we decide the encoding (see shapefile.py).
lgdal.CPLSetConfigOption(b"SHAPE_ENCODING", b"")


def _c_function(name, restype, argtypes):
    # Item access makes a new function object, so GeoDjango's own prototypes of these names keep
    # their error checks (which raise on NULL).
    function = lgdal[name]
    function.restype = restype
    function.argtypes = argtypes
    return function


_next_feature = _c_function("OGR_L_GetNextFeature", c_void_p, [c_void_p])
_geometry_ref = _c_function("OGR_F_GetGeometryRef", c_void_p, [c_void_p])
_feature_count = _c_function("OGR_L_GetFeatureCount", c_int, [c_void_p, c_int])
_last_error_message = _c_function("CPLGetLastErrorMsg", c_char_p, [])
_reset_error = _c_function("CPLErrorReset", None, [])
_last_error_type = _c_function("CPLGetLastErrorType", c_int, [])
CE_FAILURE = 3

_DATE_TYPES = (OFTDate, OFTTime, OFTDateTime)


def gdal_error() -> str:
    """GDAL's last error message, for a finding that says what GDAL said."""
    message = _last_error_message() or b""
    return short(message.decode("utf-8", "replace"), 200) or ""


def open_datasource(path, display_name, encoding="utf-8"):
    _reset_error()
    try:
        return DataSource(str(path), encoding=encoding)
    except GDALException:
        # GeoDjango's message names the path on this server; GDAL's own says what is wrong.
        reason = gdal_error().replace(str(path), display_name) or "-"
        raise file_error(
            "unreadable_file",
            f"{display_name}: ファイルを読めません（{reason}）",
            f"{display_name}: GDAL cannot open the file ({reason})",
        ) from None


def feature_count(layer) -> int:
    """The driver's count, or -1 when it cannot count (a GeoPackage virtual table, a broken view)."""
    return _feature_count(layer.ptr, 1)


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
        layers = chosen
    counts = []
    for layer in layers:
        _reset_error()
        count = feature_count(layer)
        if count < 0:
            reason = gdal_error() or "-"
            raise file_error(
                "layer_unreadable",
                f"{display_name}: レイヤ {layer.name!r} を読めません（仮想テーブルやビューなど、GDAL が"
                f"数えられないテーブルです: {reason}）。通常のテーブルとして書き出してください",
                f"{display_name}: layer {layer.name!r} cannot be read (a virtual table or view GDAL cannot "
                f"count: {reason}); export it as an ordinary table",
                field=layer.name,
            )
        counts.append(count)
    non_empty = [layer for layer, count in zip(layers, counts, strict=True) if count]
    if not non_empty:
        raise file_error(
            "no_features",
            f"{display_name}: 地物がありません",
            f"{display_name}: the file has no features",
        )
    return non_empty


def crs_of_layer(layer, display_name="") -> CRS | None:
    srs = layer.srs
    if srs is None:
        return None
    try:
        return CRS.from_wkt(srs.wkt)
    except CRSError:
        raise file_error(
            "invalid_srs",
            f"{display_name}: レイヤ {layer.name} の座標系を読めません。座標系を EPSG コードで指定してください",
            f"{display_name}: layer {layer.name} declares a CRS PROJ cannot read; give the CRS as an EPSG code",
        ) from None


def table_from_layers(fmt, layers, display_name, encoding, crs, notes=None) -> SourceTable:
    notes = list(notes or [])
    if len(layers) > 1:
        notes.append(
            Finding(
                "several_layers",
                f"{len(layers)} 個のレイヤをまとめて読み込みました: {', '.join(lyr.name for lyr in layers)}",
                f"Read {len(layers)} layers together: {', '.join(lyr.name for lyr in layers)}",
                severity=WARNING,
            )
        )
    columns = list(dict.fromkeys(name for layer in layers for name in layer.fields))

    def rows():
        number = 0
        for layer in layers:
            names = layer.fields  # every feature of a layer shares its definition: look the names up once
            expected = feature_count(layer)
            read = 0
            capi.reset_reading(layer.ptr)
            _reset_error()
            while pointer := _next_feature(layer.ptr):
                feature = Feature(c_void_p(pointer), layer)  # owns the feature and frees it
                # What GDAL said while reading this feature (e.g. a damaged .shx pointing elsewhere).
                fetch_error = gdal_error() if _last_error_type() >= CE_FAILURE else None
                number += 1
                read += 1
                yield _row(feature, number, names, display_name, encoding, fetch_error)
                _reset_error()
            if read < expected:
                # GDAL stops at a record it cannot read and says so only in its error log.
                raise file_error(
                    "features_unreadable",
                    f"{display_name}: レイヤ {layer.name} の {expected:,} 件のうち {read:,} 件までしか読めません"
                    f"（{gdal_error() or '理由不明'}）",
                    f"{display_name}: layer {layer.name} has {expected:,} features but only {read:,} could be read "
                    f"({gdal_error() or 'no reason given'})",
                    row=number + 1,
                )

    return SourceTable(fmt, columns, rows(), encoding=encoding, crs=crs, notes=notes)


def _row(feature, number, names, display_name, encoding, fetch_error=None) -> SourceRow:
    attributes, findings = {}, []
    for index, name in enumerate(names):
        try:
            attributes[name] = _value(feature, index)
        except (UnicodeDecodeError, GDALException) as exc:
            raise file_error(
                "decode_error",
                f"{display_name}: 地物 {number} の {name} を {encoding} として読めません",
                f"{display_name}: feature {number}, field {name} cannot be decoded as {encoding} ({exc})",
                row=number,
                field=name,
            ) from None
        except Exception as exc:  # an odd value must never stop the import: report it and read on
            attributes[name] = None
            findings.append(
                Finding(
                    "unreadable_value",
                    f"値を読めないため空として扱いました（{type(exc).__name__}）",
                    f"The value cannot be read and is treated as empty ({type(exc).__name__}: {exc})",
                    severity=WARNING,
                    row=number,
                    field=name,
                )
            )
    geometry, problem = None, None
    reference = _geometry_ref(feature.ptr)
    if not reference and fetch_error:
        # GDAL could not read the shape and left it empty: not a null geometry.
        problem = (
            "unreadable_geometry",
            f"ジオメトリを読めません: {fetch_error}",
            f"Unreadable geometry: {fetch_error}",
        )
    elif not reference:
        problem = ("missing_geometry", "ジオメトリがありません（null）", "The feature has no geometry (null)")
    else:
        try:
            geometry = shapely.force_2d(shapely.from_wkb(bytes(feature.geom.wkb)))
        except (shapely.errors.GEOSException, GDALException) as exc:
            problem = ("unreadable_geometry", f"ジオメトリを読めません: {exc}", f"Unreadable geometry: {exc}")
    return SourceRow(number, attributes, geometry, problem, findings)


def _value(feature, index):
    field = feature[index]
    if isinstance(field, _DATE_TYPES):
        # ISO text, not a date object (properties are JSON); a date GDAL cannot parse stays as written.
        try:
            parsed = field.value
        except Exception:  # GeoDjango raises TypeError on a null time
            parsed = None
        if parsed is not None:
            return parsed.isoformat()
        text = field.as_string()
        if text and text.startswith("0000/00/00"):  # how GDAL shows a date it could not parse
            raise ValueError(f"GDAL cannot read the date in {field.name}")
        return text
    return field.value
