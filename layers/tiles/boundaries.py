"""The municipal boundaries as vector tiles, for the map's outlines.

The map used to draw them from one GeoJSON of all 43 municipalities (177 KB, 48 KB gzipped, 76,000
vertices re-projected by Leaflet on every zoom step). As tiles, a phone fetches a few kilobytes for its
view and paints each tile once. The outlines are simplified to half a pixel of the tile's zoom and
drawn on a 512 grid (two units a pixel): they are lines, not data to measure.

The version in the tile URL is a digest of the boundaries, so tiles are immutable under it and change
only when the boundaries are reloaded.
"""

from django.db import connection

from ..api import caching

NAME = "municipalities"
EXTENT = 512
# Eight grid units (4 px) beyond the tile: the clip edge of an outline stays off the canvas.
BUFFER = 8
WORLD_METRES = 40075016.68557849

_SQL = f"""
SELECT ST_AsMVT(t, '{NAME}', {EXTENT}, 'geom')
FROM (
    SELECT m.code, m.name_ja, m.name_en,
           ST_AsMVTGeom(ST_Simplify(ST_Transform(m.geom, 3857), %(tolerance)s),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true) AS geom
    FROM layers_municipality m
    WHERE m.geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}), 4326)
    ORDER BY m.code
) t
"""

_VERSION_SQL = """
SELECT left(md5(coalesce(string_agg(code || ':' || md5(ST_AsEWKB(geom)), ',' ORDER BY code), '')), 12)
FROM layers_municipality
"""


def version() -> str:
    """A digest of the boundaries (cached for five minutes: they change when an administrator reloads them)."""

    def build():
        with connection.cursor() as cursor:
            cursor.execute(_VERSION_SQL)
            return cursor.fetchone()[0]

    return caching.cached_document("boundaries:version", build, timeout=300)


def boundary_tile(z, x, y) -> bytes:
    """The outlines (code, name_ja, name_en) crossing one tile; b"" when none does."""
    tolerance = WORLD_METRES / 2**z / EXTENT
    with connection.cursor() as cursor:
        cursor.execute(_SQL, {"z": z, "x": x, "y": y, "tolerance": tolerance})
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] else b""
