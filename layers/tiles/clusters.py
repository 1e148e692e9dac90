"""Point layers at low zoom as clusters: one MVT point per grid cell, with how many places it stands for.

A prefecture-wide tile of the 8,430 demo shelters with names is 594 KB (176 KB gzipped); the map needs
only where the places are and how many, so below `CLUSTER_MAX_ZOOM` it asks for this instead: at most
(256 / CELL_PIXELS)² points a tile, a few hundred bytes. The layer's filters apply (the same WHERE as
the features endpoint), so a filtered map shows filtered counts.
"""

from mapapp.routers import read_connection

from ..api.selection import FROM_FEATURES, Selection

EXTENT = 4096
# 32 px cells of a 256 px tile: clusters about a finger apart on a phone.
CELL_PIXELS = 32
# From zoom 13 the map draws the places themselves (GeoJSON for the view, with popups and the list).
CLUSTER_MAX_ZOOM = 12
WORLD_METRES = 40075016.68557849

_SQL = f"""
SELECT l.version, (
    SELECT ST_AsMVT(t, %(name)s, {EXTENT}, 'geom')
    FROM (
        SELECT count(*) AS count,
               ST_AsMVTGeom(ST_Centroid(ST_Collect(feat.geom_3857)), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                            {EXTENT}, 0, true) AS geom
        {FROM_FEATURES}
        WHERE {{where}} AND feat.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
        GROUP BY floor(ST_X(feat.geom_3857) / %(cell)s), floor(ST_Y(feat.geom_3857) / %(cell)s)
        ORDER BY 2
    ) t
)
FROM layers_layer l
WHERE l.id = %(layer)s AND l.slug = %(name)s
"""


def cluster_tile(layer, z, x, y, filters=()) -> tuple[int | None, bytes]:
    """(the layer's version, MVT bytes, b"" when empty) of one cluster tile; version None: no such layer."""
    where, params = Selection(layer_id=layer.pk, filters=tuple(filters)).where()
    cell = WORLD_METRES / 2**z / (256 / CELL_PIXELS)
    params.update(name=layer.slug, z=z, x=x, y=y, cell=cell)
    with read_connection().cursor() as cursor:
        cursor.execute(_SQL.format(where=where), params)
        row = cursor.fetchone()
    if row is None:
        return None, b""
    return row[0], (bytes(row[1]) if row[1] else b"")
