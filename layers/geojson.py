"""GeoJSON documents built inside PostGIS: one query, one string, no per-feature Python."""

from django.db import connection

# Six decimals of a degree is about 0.1 m: more than any source's accuracy.
COORDINATE_DECIMALS = 6

_FEATURE_SQL = f"""
SELECT coalesce(json_agg(f.doc ORDER BY f.id), '[]'::json)::text
FROM (
    SELECT feat.id, json_build_object(
        'type', 'Feature',
        'id', feat.id,
        'geometry', ST_AsGeoJSON(feat.geom, {COORDINATE_DECIMALS})::json,
        'properties', jsonb_build_object(
            'source_id', feat.source_id,
            'name', feat.name,
            'name_kana', feat.name_kana,
            'address', feat.address,
            'municipality', m.code,
            'ward', w.code
        ) || feat.properties
    ) AS doc
    FROM layers_feature feat
    JOIN layers_municipality m ON m.id = feat.municipality_id
    LEFT JOIN layers_ward w ON w.id = feat.ward_id
    WHERE feat.layer_id = %(layer)s
      AND (%(code)s::text IS NULL OR m.code = %(code)s)
      AND (%(minx)s::float8 IS NULL
           OR feat.geom && ST_MakeEnvelope(%(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4326))
    ORDER BY feat.id
    LIMIT %(limit)s OFFSET %(offset)s
) f
"""


def layer_features(layer, *, bbox=None, municipality_code=None, limit=1000, offset=0) -> str:
    """The `features` array (JSON text) of one page of a layer's features."""
    minx, miny, maxx, maxy = bbox or (None, None, None, None)
    params = {
        "layer": layer.pk,
        "code": municipality_code,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
        "limit": limit,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(_FEATURE_SQL, params)
        return cursor.fetchone()[0]


_MUNICIPALITIES_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'id', code,
    'geometry', ST_AsGeoJSON(ST_Multi(ST_SimplifyPreserveTopology(geom, %(tolerance)s)), 5)::json,
    'properties', json_build_object('code', code, 'name_ja', name_ja, 'name_kana', name_kana,
                                    'name_en', name_en, 'kind', kind)
) ORDER BY code), '[]'::json))::text
FROM layers_municipality
"""


def municipality_boundaries(tolerance=0.0003) -> str:
    """All municipal boundaries, simplified for display (0.0003° is about 30 m)."""
    with connection.cursor() as cursor:
        cursor.execute(_MUNICIPALITIES_SQL, {"tolerance": tolerance})
        return cursor.fetchone()[0]
