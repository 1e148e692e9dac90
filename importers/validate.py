"""Validate every row against the layer kind, collecting findings, and produce publishable candidates."""

from __future__ import annotations

import hashlib
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings

from layers.answers.readings import ENGLISH_NAME_PROPERTY, READING_PROPERTY, english_name, reading_of
from layers.kinds.base import LayerKind
from layers.models import check_digit

from . import columns as column_mapping
from .report import ERROR, WARNING, Finding, short

# Japan, generously: lon 122–154, lat 20–46.
JAPAN = (122.0, 20.0, 154.0, 46.0)
# Grid stored geometries snap to: 1e-7 degrees is about 1 cm.
GRID = 1e-7


@dataclass
class Candidate:
    row: int
    source_id: str
    name: str
    name_kana: str
    address: str
    geometry: object  # shapely, EPSG:4326
    properties: dict
    municipality_code: str
    ward_code: str | None


# Above this many vertices in a chunk, validity and snapping run on two threads: shapely releases the GIL
# in GEOS, and snapping areas to the grid (an overlay each) is the longest step of reading a hazard file.
_PARALLEL_VERTICES = 100_000


def _in_two_threads(function, geometries, *args):
    """`function(geometries, *args)` on each half of the array at once; the same result as on the whole."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = pool.map(lambda half: function(half, *args), np.array_split(geometries, 2))
        return np.concatenate(list(halves))


def _at_once(function, geometries, *args):
    return function(geometries, *args)


def _in_japan(x, y):
    minx, miny, maxx, maxy = JAPAN
    return minx <= x <= maxx and miny <= y <= maxy


class RowValidator:
    def __init__(self, kind: LayerKind, mapping, places, municipality_code, transform, projected=False):
        self.kind = kind
        self.mapping = mapping
        self.places = places
        self.municipality_code = municipality_code  # None: place each feature by its location
        self.transform = transform
        self.projected = projected and transform is not None
        self.seen_ids: dict[tuple[str, str], int] = {}
        self._prepared: dict[int, object] = {}  # row number -> its geometry, checked, in EPSG:4326

    def prepare(self, rows):
        """Check the geometries of many rows at once with shapely's array functions, and look up where
        they lie. Only geometries that pass every check are kept; `check` then takes them as they are,
        and reads every other row one by one, so each finding is the one a row alone would get."""
        self._prepared = {}
        rows = [
            r
            for r in rows
            if r.geometry is not None and not r.geometry_problem and not any(f.severity == ERROR for f in r.findings)
        ]
        if not rows:
            self.places.look_up([])
            return
        source = np.array([r.geometry for r in rows], dtype=object)
        keep = ~shapely.is_empty(source) & self._accepted_types(source)
        coords, owner = shapely.get_coordinates(source, return_index=True)
        vertices = np.bincount(owner, minlength=len(source))
        keep &= vertices <= settings.MAX_VERTICES_PER_FEATURE
        keep &= _all_per_geometry(np.isfinite(coords).all(axis=1), owner, len(source))
        geometries = source.copy()
        if self.transform is not None and keep.any():
            geometries[keep] = self.transform(source[keep])
            coords, owner = shapely.get_coordinates(geometries, return_index=True)
            keep &= _all_per_geometry(np.isfinite(coords).all(axis=1), owner, len(source))
        with np.errstate(invalid="ignore", divide="ignore"):
            x = np.bincount(owner, weights=coords[:, 0], minlength=len(source)) / vertices
            y = np.bincount(owner, weights=coords[:, 1], minlength=len(source)) / vertices
        # A mean summed in another order may differ in the last bits: one just at the edge goes row by row.
        edge = 1e-9
        minx, miny, maxx, maxy = JAPAN[0] + edge, JAPAN[1] + edge, JAPAN[2] - edge, JAPAN[3] - edge
        keep &= (minx <= x) & (x <= maxx) & (miny <= y) & (y <= maxy)
        run = _in_two_threads if vertices[keep].sum() > _PARALLEL_VERTICES else _at_once
        keep[keep] &= run(shapely.is_valid, geometries[keep])
        checked = run(shapely.set_precision, geometries[keep], GRID)
        self._prepared = {r.number: g for r, g in zip(np.array(rows, dtype=object)[keep], checked, strict=True)}
        self.places.look_up(checked, self.municipality_code)

    def _accepted_types(self, geometries):
        accepted = [i for i, name in enumerate(_GEOS_TYPES) if self.kind.accepts_geometry(name)]
        return np.isin(shapely.get_type_id(geometries), accepted)

    def check(self, row) -> tuple[Candidate | None, list[Finding]]:
        findings = []

        def add(code, ja, en, field=None, value=None, severity=ERROR):
            findings.append(Finding(code, ja, en, severity, row.number, field, short(value)))

        findings.extend(row.findings)
        if any(f.severity == ERROR for f in row.findings):
            return None, findings  # reading already said why this row cannot be used; more would be noise
        raw = column_mapping.apply(self.mapping, row.attributes)
        for column, value in _texts(self.mapping, raw):
            if "\x00" in value:
                # No text column can hold NUL; a file with one was usually cut or mis-encoded.
                add("nul_character", "NUL 文字が含まれています", "The value contains a NUL character", field=column)
        geometry = self.check_geometry(row, add)
        name = raw["name"] or ""
        if self.kind.name_required and not str(name).strip():
            add(
                "required",
                "名称がありません",
                "The name is missing",
                field=self.mapping.name or "name",
            )
        if self.kind.derive:
            derived = self.kind.derive(str(raw["source_id"] or ""), raw["properties"], row.attributes)
            raw["properties"].update(derived)
        properties, problems = self.kind.clean_properties(raw["properties"])
        for p in problems:
            column = self.mapping.fields.get(p.field, p.field)
            add(
                p.code,
                p.message_ja,
                p.message_en,
                field=column,
                value=p.value,
                severity=p.severity,
            )

        own_code = None
        if raw["municipality_code"] not in (None, ""):
            own_code = self.check_municipality_code(raw["municipality_code"], add)

        if geometry is None or any(f.severity == ERROR for f in findings):
            return None, findings

        # A municipality's import holds its own features; a prefecture-wide one places each feature in
        # the municipality its own code names, else where it lies.
        code = self.municipality_code or own_code
        if code is None:
            code = self.places.municipality_code_at(geometry)
            if code is None:
                if self.lands_when_swapped(row.geometry):
                    add_swapped_xy(add)
                else:
                    add("outside_prefecture", "大阪府の区域外です", "The location is outside Osaka Prefecture")
                return None, findings
        elif not self.places.within_municipality(geometry, code):
            # Municipalities do designate sites across their border (a shared school, a regional park);
            # far away is a typo (e.g. 129.9 for 139.9), near is worth a look but legitimate.
            metres = self.places.metres_outside(geometry, code)
            far = metres > settings.MAX_METRES_OUTSIDE_MUNICIPALITY
            if far and self.lands_when_swapped(row.geometry):
                add_swapped_xy(add)
                return None, findings
            add(
                "outside_municipality",
                f"位置が市区町村 {code} の区域外です（約 {metres:,.0f} m）",
                f"The location is outside municipality {code} (about {metres:,.0f} m)",
                field="geometry",
                value=_position(geometry),
                severity=ERROR if far else WARNING,
            )
            if far:
                return None, findings

        source_id = str(raw["source_id"] or "").strip() or derived_id(name, geometry)
        key = (code, source_id)
        if key in self.seen_ids:
            add(
                "duplicate_id",
                f"ID が {self.seen_ids[key]} 行目と重複しています",
                f"The ID duplicates row {self.seen_ids[key]}",
                field=self.mapping.source_id,
                value=source_id,
            )
            return None, findings
        self.seen_ids[key] = row.number

        name_kana = str(raw["name_kana"] or "").strip()[:300]
        if self.kind.derive_reading and not name_kana and str(name).strip():
            # The file gives no reading: a derived one, kept apart from the source's name_kana.
            properties[READING_PROPERTY] = reading_of(str(name).strip()[:300])
        if self.kind.derive_reading and str(name).strip() and not properties.get(ENGLISH_NAME_PROPERTY):
            # No English name in the file: romanised, its facility type translated (derived, not the source's).
            properties[ENGLISH_NAME_PROPERTY] = english_name(str(name).strip()[:300])
        candidate = Candidate(
            row=row.number,
            source_id=source_id[:100],
            name=str(name).strip()[:300],
            name_kana=name_kana,
            address=str(raw["address"] or "").strip()[:300],
            geometry=geometry,
            properties=properties,
            municipality_code=code,
            ward_code=self.places.ward_code_at(geometry, code),
        )
        return candidate, findings

    def check_municipality_code(self, value, add) -> str | None:
        """A 5-digit JIS code or the 6-digit code with its check digit; spreadsheets drop leading zeros.

        Returns the municipality the row names (a ward's code names its city), or None when the row
        names none: a bad code (an error), or a prefecture's code (the publisher, not a place).
        """
        column = self.mapping.municipality_code
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text.endswith(".0"):
            text = text[:-2]  # read back from a spreadsheet number
        if not text.isdigit() or not 4 <= len(text) <= 6:
            add("invalid_municipality_code", f"団体コードが不正です: {text}", f"Not a municipality code: {text}",
                field=column, value=value)  # fmt: skip
            return None
        if len(text) == 6 and check_digit(text[:5]) != text[5]:
            add(
                "invalid_municipality_code",
                f"団体コードの検査数字が違います（{check_digit(text[:5])} のはず）: {text}",
                f"The check digit of the municipality code is wrong (should be {check_digit(text[:5])}): {text}",
                field=column,
                value=value,
            )
            return None
        if len(text) < 5 or (len(text) == 5 and check_digit("0" + text[:4]) == text[4] and text[:2] != "27"):
            add(
                "code_lost_leading_zero",
                f"団体コードの先頭の 0 が落ちています: {text} → {text.zfill(len(text) + 1)}",
                f"The municipality code lost its leading zero: {text} → {text.zfill(len(text) + 1)}",
                field=column,
                value=value,
                severity=WARNING,
            )
            text = text.zfill(len(text) + 1)
        code = text[:5]
        if code.endswith("000"):
            return None  # 270008 is 大阪府 itself: the publisher of a prefecture-wide file
        own = self.places.municipality_of_code(code)
        if own is None:
            add(
                "municipality_code_outside_prefecture",
                f"団体コード {text} は大阪府の市区町村ではありません",
                f"The municipality code {text} is not a municipality of Osaka Prefecture",
                field=column,
                value=value,
            )
            return None
        if self.municipality_code and own != self.municipality_code:
            names = self.places.names
            add(
                "other_municipality_code",
                f"団体コード {text} は{names.get(own, own)}を指しています。{names.get(self.municipality_code)}"
                f"（{self.municipality_code}）の取り込みには、その市区町村の地物だけを含めてください",
                f"The row's municipality code {text} names {names.get(own, own)}, not the municipality this "
                f"file is imported for ({names.get(self.municipality_code)}, {self.municipality_code}): "
                "a municipality's import may hold only its own features",
                field=column,
                value=value,
            )
        return own

    def lands_when_swapped(self, source_geometry) -> bool:
        """Plane coordinates only: would swapping X and Y put the feature where it belongs?"""
        if not self.projected or source_geometry is None:
            return False
        swapped = self.transform(_swap_xy(source_geometry))
        if not np.isfinite(shapely.get_coordinates(swapped)).all():
            return False
        if self.municipality_code:
            return self.places.within_municipality(swapped, self.municipality_code)
        return self.places.municipality_code_at(swapped) is not None

    def check_geometry(self, row, add):
        prepared = self._prepared.pop(row.number, None)
        if prepared is not None:
            return prepared
        geometry = row.geometry
        if row.geometry_problem:
            code, ja, en = row.geometry_problem
            add(code, ja, en, field="geometry")
            return None
        if geometry is None or geometry.is_empty:
            add(
                "empty_geometry",
                "ジオメトリが空です",
                "The geometry is empty",
                field="geometry",
            )
            return None
        coords = shapely.get_coordinates(geometry)
        if not np.isfinite(coords).all():
            add(
                "non_finite_coordinates",
                "座標に NaN/無限大があります",
                "Coordinates contain NaN or Infinity",
                "geometry",
            )
            return None
        if len(coords) > settings.MAX_VERTICES_PER_FEATURE:
            add(
                "too_many_vertices",
                f"頂点が多すぎます（{len(coords):,}、上限 {settings.MAX_VERTICES_PER_FEATURE:,}）",
                f"Too many vertices ({len(coords):,}; the limit is {settings.MAX_VERTICES_PER_FEATURE:,})",
                field="geometry",
            )
            return None
        if not self.kind.accepts_geometry(geometry.geom_type):
            add(
                "wrong_geometry_type",
                f"この種類のレイヤには {'/'.join(self.kind.geometry_types)} が必要です（{geometry.geom_type}）",
                f"This layer takes {'/'.join(self.kind.geometry_types)}, not {geometry.geom_type}",
                field="geometry",
            )
            return None
        source_geometry = geometry
        if self.transform is not None:
            geometry = self.transform(geometry)
            coords = shapely.get_coordinates(geometry)
            if not np.isfinite(coords).all():
                add(
                    "untransformable",
                    "座標系の変換ができません（座標系の指定を確認してください）",
                    "The coordinates cannot be transformed (check the CRS)",
                    field="geometry",
                )
                return None
        x, y = coords[:, 0].mean(), coords[:, 1].mean()
        if not _in_japan(x, y):
            if self.lands_when_swapped(source_geometry):
                add_swapped_xy(add)
            elif _in_japan(y, x):
                add(
                    "swapped_coordinates",
                    "緯度と経度が入れ替わっています",
                    "Latitude and longitude are swapped",
                    field="geometry",
                    value=_position(geometry),
                )
            else:
                add(
                    "outside_japan",
                    "位置が日本の範囲外です",
                    "The location is outside Japan",
                    "geometry",
                    _position(geometry),
                )
            return None
        if not geometry.is_valid:
            reason = shapely.is_valid_reason(geometry)
            repaired = shapely.make_valid(geometry)
            if repaired.is_empty or not self.kind.accepts_geometry(_main_type(repaired)):
                add(
                    "invalid_geometry",
                    f"不正なジオメトリです: {reason}",
                    f"Invalid geometry: {reason}",
                    "geometry",
                )
                return None
            add(
                "geometry_repaired",
                f"不正なジオメトリを修復しました: {reason}",
                f"Repaired an invalid geometry: {reason}",
                field="geometry",
                severity=WARNING,
            )
            geometry = _keep_main_type(repaired)
        return shapely.set_precision(geometry, GRID)


def _all_per_geometry(flags, owner, count):
    """Per geometry: whether every one of its coordinates' flags is true."""
    return np.bincount(owner, weights=~flags, minlength=count) == 0


# GEOS's type names by shapely's type id.
_GEOS_TYPES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
               "GeometryCollection")  # fmt: skip


def _texts(mapping, raw):
    """(column, text) of every text value a row maps to, for checks that apply to all of them."""
    for key in ("source_id", "name", "name_kana", "address"):
        if isinstance(raw[key], str):
            yield getattr(mapping, key), raw[key]
    for name, value in raw["properties"].items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                yield mapping.fields.get(name, name), item


def _swap_xy(geometry):
    return shapely.transform(geometry, lambda coords: coords[:, ::-1])


def add_swapped_xy(add):
    # Japanese surveying names the northing X and the easting Y, the reverse of GIS order.
    add(
        "swapped_xy",
        "X と Y が入れ替わっています（測量の X は北方向、Y は東方向です）",
        "X and Y are swapped (in Japanese surveying X is the northing and Y the easting)",
        field="geometry",
    )


def _main_type(geometry):
    if geometry.geom_type == "GeometryCollection":
        polygonal = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        return "Polygon" if polygonal else geometry.geoms[0].geom_type if len(geometry.geoms) else "Empty"
    return geometry.geom_type


def _keep_main_type(geometry):
    """make_valid can return a collection of polygons and stray lines; keep the polygons."""
    if geometry.geom_type != "GeometryCollection":
        return geometry
    polygons = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons)


def _position(geometry) -> str:
    point = geometry if geometry.geom_type == "Point" else geometry.centroid
    return f"{point.y:.6f}, {point.x:.6f}"


def derived_id(name, geometry) -> str:
    """A stable ID for files without one: name and position (to about 1 m)."""
    point = geometry if geometry.geom_type == "Point" else shapely.point_on_surface(geometry)
    key = f"{name}|{point.x:.5f}|{point.y:.5f}"
    return "H" + hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:15]
