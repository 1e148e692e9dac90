"""Municipal and ward boundaries from 国土数値情報 N03 (行政区域), with names from a small table.

N03 has one or more polygons per 5-digit code: 41 cities/towns/villages plus the 24 wards of 大阪市
and the 7 of 堺市. A designated city's boundary is the union of its wards.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from layers.models import Municipality, Ward

from .crs import JGD2011, transformer_to_wgs84
from .readers import read_upload
from .report import file_error
from .upload import UploadWorkspace


def _multipolygon(geometries):
    merged = shapely.make_valid(shapely.union_all(geometries))
    polygons = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type in ("Polygon", "MultiPolygon")]
    merged = shapely.union_all(polygons)
    if merged.geom_type == "Polygon":
        merged = shapely.MultiPolygon([merged])
    return GEOSGeometry(memoryview(shapely.to_wkb(merged)), srid=4326)


def read_n03(path) -> dict[str, list]:
    """Polygons by N03_007 code, from N03 as GeoJSON or a zipped Shapefile, in EPSG:4326."""
    by_code = defaultdict(list)
    with UploadWorkspace(path) as upload:
        table = read_upload(upload)
        transform = transformer_to_wgs84(table.crs or JGD2011)
        for row in table.rows:
            if row.geometry is not None and transform is not None:
                row.geometry = transform(row.geometry)
            code = (row.attributes.get("N03_007") or "").strip()
            if code and row.geometry is not None:
                by_code[code].append(row.geometry)
    return by_code


def read_names(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@transaction.atomic
def load_boundaries(n03_path: Path, names_path: Path) -> tuple[int, int]:
    """Create or update the municipalities and wards; returns (municipalities, wards)."""
    polygons = read_n03(n03_path)
    names = read_names(names_path)
    ward_rows = [r for r in names if r["kind"] == "ward"]
    municipality_rows = [r for r in names if r["kind"] != "ward"]
    for row in ward_rows:
        polygons[row["parent_code"]].extend(polygons.get(row["code"], []))
    missing = [r["code"] for r in names if not polygons.get(r["code"])]
    if missing:
        raise file_error(
            "boundary_missing",
            f"{n03_path.name}: 境界がないコード: {', '.join(missing)}",
            f"{n03_path.name}: no boundary for codes {', '.join(missing)}",
        )
    municipalities = {}
    for row in municipality_rows:
        municipalities[row["code"]], _ = Municipality.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_ja": row["name_ja"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "kind": row["kind"],
                "geom": _multipolygon(polygons[row["code"]]),
            },
        )
    for row in ward_rows:
        Ward.objects.update_or_create(
            code=row["code"],
            defaults={
                "municipality": municipalities[row["parent_code"]],
                "name_ja": row["name_ja"],
                "name_kana": row["name_kana"],
                "name_en": row["name_en"],
                "geom": _multipolygon(polygons[row["code"]]),
            },
        )
    return len(municipality_rows), len(ward_rows)
