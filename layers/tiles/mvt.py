"""Mapbox Vector Tiles from PostGIS: the one place tile SQL lives.

One MVT layer per tile, named after the layer slug, holding the feature id, source_id, name and the
kind's `tile_properties`. Geometries come from the stored Web Mercator columns (migration 0003), so
no request pays for ST_Transform; at z ≤ GENERALISED_MAX_ZOOM areas come pre-simplified.
"""

import functools
import logging

from django.conf import settings
from django.db import connection

from mapapp.routers import read_connection

from ..kinds import get_kind
from ..kinds.base import BOOLEAN, CODES, INTEGER, NUMBER, TAGS
from . import prepared

log = logging.getLogger(__name__)

EXTENT = 4096
BUFFER = 256
# A redraw on this grid when a tile is over its byte budget: a quarter of the vertices, still ~1 px at 1024.
COARSE_EXTENT = 1024
# geom_3857_low is simplified by 4 m, under half a pixel of a 4096 grid at z10.
GENERALISED_MAX_ZOOM = 10

# Features in id order: the tile's ETag is strong, so its bytes must not depend on the plan PostgreSQL
# picks (prepared or not, index or not), and the feature budget keeps the same features every time.
# The layer's version comes from the same statement (one snapshot), so a tile is never cached under a
# version it does not show; and an uncached tile costs one round trip. No row: the layer is gone or changed kind.
_TILE_SQL = """
SELECT l.version, (
    SELECT ST_AsMVT(t, %(name)s, {extent}, 'geom', 'id')
    FROM (
        SELECT feat.id, feat.source_id, feat.name{properties},
               ST_AsMVTGeom({geom}, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {extent}, {buffer}, true) AS geom
        FROM layers_feature feat
        WHERE feat.layer_id = %(layer)s
          AND feat.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s)
        ORDER BY feat.id
        LIMIT %(max_features)s
    ) t
)
FROM layers_layer l
WHERE l.id = %(layer)s AND l.slug = %(name)s AND l.kind = %(kind)s
"""


def _property_sql(kind):
    """Typed columns for the kind's tile properties (MVT values are typed; lists become `a,b`)."""
    columns = []
    for name in kind.tile_properties:
        f = kind.fields_by_name[name]
        key = connection.ops.quote_name(name)
        literal = "'" + name.replace("'", "''") + "'"  # a registry constant, never user input
        if f.type in (CODES, TAGS):
            expr = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text(feat.properties -> {literal})), ',')"
        elif f.type == INTEGER:
            expr = f"(feat.properties ->> {literal})::bigint"
        elif f.type == NUMBER:
            expr = f"(feat.properties ->> {literal})::float8"
        elif f.type == BOOLEAN:
            expr = f"(feat.properties ->> {literal})::boolean"
        else:
            expr = f"feat.properties ->> {literal}"
        columns.append(f",\n           {expr} AS {key}")
    return "".join(columns)


def _has_areas(kind):
    return any(t in ("Polygon", "LineString") for t in kind.geometry_types)


def tile_sql(kind, z, extent=EXTENT):
    generalised = z <= GENERALISED_MAX_ZOOM and _has_areas(kind)
    return _tile_sql(kind.slug, generalised, extent)


@functools.cache
def _tile_sql(kind_name, generalised, extent):
    """Built once per kind, zoom band and grid: the hot path only looks it up."""
    kind = get_kind(kind_name)
    # Points have no generalised copy.
    geom = "coalesce(feat.geom_3857_low, feat.geom_3857)" if generalised else "feat.geom_3857"
    return _TILE_SQL.format(properties=_property_sql(kind), geom=geom, extent=extent, buffer=BUFFER * extent // EXTENT)


def _render(layer, z, x, y, extent):
    params = {
        "name": layer.slug,
        "layer": layer.pk,
        "kind": layer.kind,
        "z": z,
        "x": x,
        "y": y,
        "max_features": settings.TILE_MAX_FEATURES,
    }
    with read_connection().cursor() as cursor:
        prepared.execute(cursor, tile_sql(layer.kind_spec, z, extent), params)
        row = cursor.fetchone()
    if row is None:
        return None, b""
    return row[0], (bytes(row[1]) if row[1] else b"")


def layer_tile(layer, z, x, y) -> tuple[int | None, bytes]:
    """(the layer's version, the MVT bytes of one tile, b"" when empty); version None: no such layer now.

    `layer` needs pk, slug, kind and kind_spec (a Layer or a catalogue.LayerRef).
    """
    version, tile = _render(layer, z, x, y, EXTENT)
    if len(tile) > settings.TILE_MAX_BYTES and _has_areas(layer.kind_spec):
        version, coarse = _render(layer, z, x, y, COARSE_EXTENT)
        log.info(
            "tile %s/%s/%s/%s: %d bytes over budget, %d on the coarse grid", layer.slug, z, x, y, len(tile), len(coarse)
        )
        tile = coarse
    if len(tile) > settings.TILE_MAX_BYTES:
        log.warning("tile %s/%s/%s/%s is %d bytes, over TILE_MAX_BYTES", layer.slug, z, x, y, len(tile))
    return version, tile


def tilejson(layer, *, tiles_url, bounds, center=None):
    """TileJSON 3.0.0 for one layer."""
    kind = layer.kind_spec
    fields = {}
    for name in ("source_id", "name", *kind.tile_properties):
        f = kind.fields_by_name.get(name)
        fields[name] = f.label_en if f else name.replace("_", " ")
    minx, miny, maxx, maxy = bounds or (-180, -85.0511, 180, 85.0511)
    return {
        "tilejson": "3.0.0",
        "name": layer.slug,
        "description": layer.name_en,
        "version": str(layer.version),
        "attribution": layer.attribution,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": kind.min_zoom,
        "maxzoom": min(settings.TILE_MAX_ZOOM, 22),
        "bounds": [minx, miny, maxx, maxy],
        "center": center or [(minx + maxx) / 2, (miny + maxy) / 2, max(kind.min_zoom, 10)],
        "vector_layers": [
            {
                "id": layer.slug,
                "description": layer.name_ja,
                "minzoom": kind.min_zoom,
                "maxzoom": min(settings.TILE_MAX_ZOOM, 22),
                "fields": fields,
            }
        ],
    }
