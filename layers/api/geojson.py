"""GeoJSON documents built inside PostGIS: one query, one string, no per-feature Python."""

from mapapp.routers import read_connection

from ..answers.readings import ENGLISH_NAME_PROPERTY, READING_PROPERTY
from .params import COMMON_PROPERTIES
from .selection import FROM_FEATURES, Selection

# Six decimals of a degree is about 0.1 m: more than any source's accuracy.
COORDINATE_DECIMALS = 6

# Features are stored in EPSG:4326 with x = longitude; another CRS (OGC API Part 2 `crs`) is a transform in
# PostGIS, and a CRS whose first axis is latitude or northing gets its coordinates flipped. Options 0: no
# "crs" member, which RFC 7946 left out (the OGC API says the CRS in the Content-Crs header).
_GEOMETRIES = {
    (False, False): "feat.geom",
    (True, False): "ST_Transform(feat.geom, %(out_srid)s)",
    (False, True): "ST_FlipCoordinates(feat.geom)",
    (True, True): "ST_FlipCoordinates(ST_Transform(feat.geom, %(out_srid)s))",
}

_FEATURE_DOC = """json_build_object(
        'type', 'Feature',
        'id', feat.id,
        'geometry', ST_AsGeoJSON({geometry}, %(decimals)s, 0)::json,
        'properties', (jsonb_build_object(
            'source_id', feat.source_id,
            'name', feat.name,
            'name_kana', feat.name_kana,
            'address', feat.address,
            'municipality', m.code,
            'ward', w.code
        ) || feat.properties) - %(drop)s::text[]
    )"""

# One row more than the page tells whether there is a next page, without counting everything.
_PAGE_SQL = """
SELECT coalesce(json_agg(p.doc ORDER BY p.id) FILTER (WHERE p.n <= %(limit)s), '[]'::json)::text, count(*)
FROM (
    SELECT s.id, s.doc, row_number() OVER (ORDER BY s.id) AS n
    FROM (
        SELECT feat.id, {doc} AS doc
        {from_}
        WHERE {where}
        ORDER BY feat.id
        LIMIT %(limit)s + 1 OFFSET %(offset)s
    ) s
) p
"""

_COUNT_SQL = "SELECT count(*) {from_} WHERE {where}"

_ONE_SQL = "SELECT {doc}::text {from_} WHERE feat.layer_id = %(layer)s AND feat.id = %(id)s"


def _dropped(kind, fields):
    """Property keys to remove so that only `fields` remain (None: keep all)."""
    if fields is None:
        return []
    known = (*COMMON_PROPERTIES, *(f.name for f in kind.fields), READING_PROPERTY, ENGLISH_NAME_PROPERTY)
    return [name for name in known if name not in fields]


def _feature_doc(crs, params):
    """The feature's SQL in `crs` (anything with srid, northing_first and decimals; None: CRS84)."""
    srid = crs.srid if crs else 4326
    params.update(out_srid=srid, decimals=crs.decimals if crs else COORDINATE_DECIMALS)
    return _FEATURE_DOC.format(geometry=_GEOMETRIES[srid != 4326, bool(crs and crs.northing_first)])


def feature_page(selection: Selection, *, kind, limit, offset=0, fields=None, crs=None) -> tuple[str, int, bool]:
    """(JSON text of one page's `features` array, how many it holds, whether another page follows)."""
    where, params = selection.where()
    params.update(limit=limit, offset=offset, drop=_dropped(kind, fields))
    sql = _PAGE_SQL.format(doc=_feature_doc(crs, params), from_=FROM_FEATURES, where=where)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        features, fetched = cursor.fetchone()
    return features, min(fetched, limit), fetched > limit


def count_features(selection: Selection) -> int:
    where, params = selection.where()
    with read_connection().cursor() as cursor:
        cursor.execute(_COUNT_SQL.format(from_=FROM_FEATURES, where=where), params)
        return cursor.fetchone()[0]


def one_feature(layer, feature_id, *, fields=None, crs=None) -> str | None:
    """One feature as GeoJSON text, or None."""
    params = {"layer": layer.pk, "id": feature_id, "drop": _dropped(layer.kind_spec, fields)}
    with read_connection().cursor() as cursor:
        cursor.execute(_ONE_SQL.format(doc=_feature_doc(crs, params), from_=FROM_FEATURES), params)
        row = cursor.fetchone()
    return row[0] if row else None


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
    with read_connection().cursor() as cursor:
        cursor.execute(_MUNICIPALITIES_SQL, {"tolerance": tolerance})
        return cursor.fetchone()[0]
