"""Which coordinate reference system a file is in, and the transformation to WGS84 lon/lat."""

from __future__ import annotations

import re

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from .report import Finding, file_error

WGS84 = CRS.from_epsg(4326)
JGD2011 = CRS.from_epsg(6668)
# JGD2011 / Japan Plane Rectangular CS VI: the zone of Osaka, Kyoto, Hyogo's east, Nara, Wakayama…
PLANE_ZONE_VI = CRS.from_epsg(6674)

_EPSG = re.compile(r"^(?:EPSG:)?(\d{4,6})$", re.IGNORECASE)


def parse_srs_option(value: str) -> CRS:
    """An uploader's CRS choice: EPSG codes only, so no PROJ string or file path reaches PROJ."""
    match = _EPSG.match(value.strip())
    if not match:
        raise file_error(
            "invalid_srs",
            f"座標系は EPSG コードで指定してください: {value}",
            f"Give the CRS as an EPSG code: {value}",
        )
    try:
        return CRS.from_epsg(int(match.group(1)))
    except CRSError:
        raise file_error(
            "unknown_srs",
            f"不明な EPSG コードです: {value}",
            f"Unknown EPSG code: {value}",
        ) from None


def label(crs: CRS) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def guess_crs(sample_bounds) -> tuple[CRS, Finding]:
    """A CRS for a file that declares none, from the range of its coordinates."""
    minx, miny, maxx, maxy = sample_bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        crs = JGD2011
        ja, en = (
            "座標系の宣言がないため、経緯度（JGD2011）とみなしました",
            "No CRS declared: read as JGD2011 lon/lat",
        )
    else:
        crs = PLANE_ZONE_VI
        ja = "座標系の宣言がなく値がメートル単位のため、平面直角座標系第VI系（JGD2011）とみなしました"
        en = "No CRS declared and coordinates in metres: read as JGD2011 Japan Plane Rectangular CS VI"
    return crs, Finding("crs_assumed", ja, en, severity="warning", value=label(crs))


def transformer_to_wgs84(crs: CRS):
    """A function geometry → geometry in EPSG:4326 lon/lat, or None when no change is needed."""
    if crs.equals(WGS84, ignore_axis_order=True):
        return None
    try:
        transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    except (CRSError, ProjError) as exc:
        raise file_error(
            "untransformable_crs",
            f"座標系 {label(crs)} から経緯度に変換できません。座標系を EPSG コードで指定してください",
            f"The CRS {label(crs)} cannot be transformed to longitude/latitude ({exc}); give the CRS as an EPSG code",
        ) from None

    def transform(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return lambda geometry: shapely.transform(geometry, transform)
