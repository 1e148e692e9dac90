"""GeoJSON (RFC 7946: lon/lat on WGS84 unless an old-style `crs` member says otherwise).

Read with Python's json module, not GDAL: the document has to be parsed here anyway (for the `crs`
member and duplicate keys), and one parser means the report and the published data see the same
values. Row numbers are positions in `features`; a feature that cannot be read is a finding for its
row, and the rest of the file is read.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from ..decode import decode_text
from ..report import ERROR, Finding, file_error, short
from .base import SourceRow, SourceTable

FORMAT = "geojson"
WGS84 = CRS.from_epsg(4326)


def can_read(upload) -> bool:
    return upload.path.is_file() and upload.suffix in (".geojson", ".json")


class _Repeated(dict):
    """A JSON object in which some key appears more than once; json keeps the last value."""

    repeated: dict[str, list]


def parse(text, display_name):
    """The document, and whether any of its objects repeats a key (almost no file does)."""
    repeated = []

    def object_pairs(pairs):
        obj = dict(pairs)
        if len(obj) != len(pairs):
            counts = Counter(key for key, _ in pairs)
            obj = _Repeated(obj)
            obj.repeated = {k: [v for key, v in pairs if key == k] for k, n in counts.items() if n > 1}
            repeated.append(True)
        return obj

    try:
        document = json.loads(text, object_pairs_hook=object_pairs)
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
    if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection", "Feature"):
        raise file_error(
            "not_geojson",
            f"{display_name}: GeoJSON の FeatureCollection ではありません",
            f"{display_name}: not a GeoJSON FeatureCollection",
        )
    if isinstance(document, _Repeated):
        key = next(iter(document.repeated))
        raise file_error(
            "duplicate_key",
            f"{display_name}: 最上位のオブジェクトでキー {key!r} が重複しています",
            f"{display_name}: the key {key!r} appears more than once in the top-level object",
            field=key,
        )
    return document, bool(repeated)


def declared_crs(document, display_name):
    """The pre-RFC `crs` member (e.g. urn:ogc:def:crs:EPSG::6668), else None (meaning WGS84)."""
    crs = document.get("crs")
    name = ((crs.get("properties") if isinstance(crs, dict) else None) or {}).get("name")
    if not name:
        return None
    try:
        return CRS.from_user_input(str(name))
    except CRSError:
        raise file_error(
            "unknown_srs",
            f"{display_name}: crs の指定を読めません: {short(name)}",
            f"{display_name}: the crs member names no known CRS: {short(name)}",
            value=short(name),
        ) from None


def read(upload):
    text, encoding = decode_text(upload.path.read_bytes(), upload.name, upload.options.encoding)
    document, any_repeated = parse(text, upload.name)
    del text
    crs = declared_crs(document, upload.name) or WGS84
    if document["type"] == "Feature":
        features = [document]
    else:
        features = document.get("features")
        if not isinstance(features, list):
            raise file_error(
                "not_geojson",
                f"{upload.name}: features が配列ではありません",
                f"{upload.name}: `features` is not an array",
            )
    if not features:
        raise file_error("no_features", f"{upload.name}: 地物がありません", f"{upload.name}: the file has no features")
    columns = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if isinstance(properties, dict):
            columns.update(dict.fromkeys(properties))
        if isinstance(feature, dict) and isinstance(feature.get("id"), str):
            columns.setdefault("id", None)

    def rows():
        # Geometries are built a chunk at a time with shapely's array functions (per feature in Python
        # this was most of the reading time); the rows still come one by one, each with its number.
        for start in range(0, len(features), CHUNK):
            chunk = features[start : start + CHUNK]
            geometries = _geometries(chunk)
            for offset, feature in enumerate(chunk):
                yield _row(start + offset + 1, feature, any_repeated, geometries[offset])

    return SourceTable(FORMAT, list(columns), rows(), encoding=encoding, crs=crs)


def _row(number, feature, any_repeated, geometry=None) -> SourceRow:
    def problem(code, ja, en, field=None, value=None):
        return Finding(code, ja, en, ERROR, number, field, short(value))

    if not isinstance(feature, dict) or feature.get("type", "Feature") != "Feature":
        found = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
        finding = problem(
            "not_a_feature",
            f"GeoJSON の Feature ではありません（{short(found)}）",
            f"Not a GeoJSON Feature ({short(found)})",
        )
        return SourceRow(number, {}, None, None, [finding])
    findings = [
        problem(
            "duplicate_key",
            f"地物 {number} でキー {key!r} が重複しています（{where}）",
            f"Feature {number} has the key {key!r} more than once (in {where})",
            field=key,
            value=" / ".join(str(v) for v in values),
        )
        for where, key, values in (_repeated_keys(feature) if any_repeated else ())
    ]
    properties = feature.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        findings.append(problem("invalid_properties", "properties がオブジェクトではありません",
                                "`properties` is not an object", field="properties"))  # fmt: skip
        properties = {}
    attributes = {name: _attribute(value) for name, value in properties.items()}
    if isinstance(feature.get("id"), str):
        attributes.setdefault("id", feature["id"])
    geometry, geometry_problem = geometry or _geometry(feature.get("geometry"))
    return SourceRow(number, attributes, geometry, geometry_problem, findings)


def _attribute(value):
    """Values as GDAL would hand them over: objects as JSON text, lists of objects too."""
    if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
        return json.dumps(value, ensure_ascii=False)
    return value


CHUNK = 2048


def _geometries(features) -> list:
    """(geometry, None) for each well-formed Point, Polygon or MultiPolygon of the features, built with
    array functions; None where the member is anything else, to be read by `_geometry` one by one
    (which also says what is wrong with a malformed one, in shapely's own words)."""
    members = [f.get("geometry") if isinstance(f, dict) else None for f in features]
    built = [None] * len(members)
    points = [i for i, m in enumerate(members) if type(m) is dict and m.get("type") == "Point"]
    if points:
        xy = _numeric([members[i].get("coordinates") for i in points], ndim=2)
        if xy is not None and len(xy):
            for i, point in zip(points, shapely.points(xy[:, :2]), strict=True):
                built[i] = (point, None)
    for i, member in enumerate(members):
        if built[i] is None and type(member) is dict and member.get("type") in ("Polygon", "MultiPolygon"):
            geometry = _areal(member)
            if geometry is not None:
                built[i] = (geometry, None)
    return built


def _numeric(value, ndim):
    """`value` as a float array of `ndim` dimensions with 2 or 3 values per position, else None."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):  # ragged
        return None
    if array.dtype.kind not in "fi" or array.ndim != ndim or array.shape[-1] not in (2, 3):
        return None
    return array.astype(float, copy=False)


def _areal(member):
    """A Polygon or MultiPolygon from well-formed coordinates, as shapely's `shape` builds it; else None."""
    coordinates = member.get("coordinates")
    parts = [coordinates] if member["type"] == "Polygon" else coordinates
    if not isinstance(parts, list) or not parts:
        return None
    polygons = []
    for rings in parts:
        if not isinstance(rings, list) or not rings:
            return None
        arrays = [_numeric(ring, ndim=2) for ring in rings]
        if any(a is None or len(a) < 4 or (a[0] != a[-1]).any() for a in arrays):
            return None  # too short or not closed: `shape` decides (and words the error)
        try:
            shell, *holes = [shapely.linearrings(a[:, :2]) for a in arrays]
            polygons.append(shapely.polygons(shell, holes or None))
        except (ValueError, TypeError, shapely.errors.GEOSException):
            return None
    return polygons[0] if member["type"] == "Polygon" else shapely.multipolygons(polygons)


def _geometry(member):
    if member is None:
        return None, ("missing_geometry", "ジオメトリがありません（null）", "The feature has no geometry (null)")
    try:
        if not isinstance(member, dict):
            raise ValueError(f"not an object but {type(member).__name__}")
        return shapely.force_2d(shape(member)), None
    except Exception as exc:  # shapely raises what the coordinates provoke: Type-, Value-, Index-, GEOSError
        reason = short(f"{type(exc).__name__}: {exc}", 200)
        return None, ("unreadable_geometry", f"ジオメトリを読めません: {reason}", f"Unreadable geometry: {reason}")


def _repeated_keys(feature):
    """(where, key, values) for every object in the feature that repeats a key."""
    stack = [("feature", feature)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value, _Repeated):
                for key, values in value.repeated.items():
                    yield where, key, values
            for key, item in value.items():
                if key != "coordinates":
                    stack.append((key if where == "feature" else f"{where}.{key}", item))
        elif isinstance(value, list):
            stack.extend((where, item) for item in value)
