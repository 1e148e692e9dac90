"""The coordinate reference systems offered under OGC API - Features Part 2 (CRS by reference).

CRS84 (the default), WGS 84 (EPSG:4326), JGD2011 (EPSG:6668) and JGD2011's nineteen plane-rectangular
zones (EPSG:6669–6687; Osaka is zone VI, EPSG:6674), where municipal systems work. Features are stored
in EPSG:4326 and transformed by PostGIS.

Axis order is the EPSG definition's, read from pyproj's copy of the EPSG database rather than typed here:
latitude first for 4326 and 6668, X (northing) first for the plane-rectangular zones. PostGIS always
keeps x = longitude/easting, so those answers are flipped on the way out (and their inputs on the way in).
"""

from dataclasses import dataclass
from functools import cache

import pyproj

from ..api.errors import InvalidParameter

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"
STORAGE_SRID = 4326
OFFERED_EPSG = (4326, 6668, *range(6669, 6688))


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int  # the PostGIS SRID of the same datum and projection
    northing_first: bool  # axis 1 is latitude or northing
    geographic: bool

    @property
    def decimals(self) -> int:
        # Six decimals of a degree are about 0.1 m; three of a metre are a millimetre.
        return 6 if self.geographic else 3

    @property
    def header(self) -> str:
        """The Content-Crs header value (Part 2, /req/crs/ogc-crs-header)."""
        return f"<{self.uri}>"


CRS84 = Crs(CRS84_URI, STORAGE_SRID, northing_first=False, geographic=True)


@cache
def _epsg(code: int) -> Crs:
    definition = pyproj.CRS.from_epsg(code)
    northing_first = definition.axis_info[0].direction in ("north", "south")
    return Crs(f"{EPSG_URI}{code}", code, northing_first, definition.is_geographic)


def offered() -> list[Crs]:
    """Every CRS offered, CRS84 first (the default)."""
    return [CRS84, *(_epsg(code) for code in OFFERED_EPSG)]


def offered_uris() -> list[str]:
    return [c.uri for c in offered()]


def storage_crs() -> Crs:
    return _epsg(STORAGE_SRID)


def _code(value: str) -> str | None:
    """The EPSG code or "CRS84" a CRS reference names: a URI, a safe CURIE ([EPSG:6674]) or EPSG:6674."""
    text = value.strip()
    for prefix in (EPSG_URI, "https://www.opengis.net/def/crs/EPSG/0/"):
        if text.startswith(prefix):
            return text.removeprefix(prefix)
    if text in (CRS84_URI, CRS84_URI.replace("http:", "https:"), "[OGC:CRS84]", "OGC:CRS84"):
        return "CRS84"
    text = text.removeprefix("[").removesuffix("]")
    if text.upper().startswith("EPSG:"):
        return text[5:]
    return None


def parse_crs(value, parameter) -> Crs:
    """The CRS a `crs`, `bbox-crs` or `filter-crs` parameter names; CRS84 when absent; 400 when not offered."""
    if value in (None, ""):
        return CRS84
    code = _code(value)
    if code == "CRS84":
        return CRS84
    if code and code.isdigit() and int(code) in OFFERED_EPSG:
        return _epsg(int(code))
    raise InvalidParameter(
        f"{parameter}: {value!r} is not offered; use {CRS84_URI} or {EPSG_URI}<code> with code 4326, 6668 "
        "or 6669–6687 (JGD2011 plane-rectangular zones I–XIX)",
        parameter=parameter,
    )
