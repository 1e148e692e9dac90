"""Search across layers and places: Japanese-aware, prefix and fuzzy, fast enough for type-ahead.

Names are matched on search keys stored beside them (migration 0007: the folded name, kana reading
and address, trigram-indexed, for features; Japanese, kana and English names for places); the query is
folded once, in Python, by the same rules (layers.textnorm).
Municipalities and wards are matched as places to zoom to.

Ranking: match quality first (exact name, name prefix, part of a name, part of the address, similar
name by pg_trgm word similarity), places before features of the same quality, then distance from
`near` when given, then shorter names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib.gis.geos import Point
from django.db import connection, transaction

from .textnorm import search_key, search_key_map

MATCHES = ("exact", "prefix", "substring", "address", "fuzzy")  # by tier, best first
FUZZY_TIER = MATCHES.index("fuzzy")
# Trigram indexes serve a name's start from one character, a substring or a similar name only from
# three. Two characters are a whole word in Japanese (病院, 公園), so names are scanned for them (a quick
# scan of short strings); addresses, long and alike, only from three.
SUBSTRING_MIN_LENGTH = 2
ADDRESS_MIN_LENGTH = 3
FUZZY_MIN_LENGTH = 3
COORDINATE_DECIMALS = 6


@dataclass(frozen=True)
class SearchQuery:
    text: str
    layer_ids: tuple[int, ...]
    municipality_code: str | None = None
    near: tuple[float, float] | None = None  # (lon, lat)
    places: bool = True
    limit: int = 10
    key: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "key", search_key(self.text))

    @property
    def fuzzy(self):
        return len(self.key) >= FUZZY_MIN_LENGTH


def _tier(names, address, fuzzy):
    """SQL: the match tier (0 exact … 4 fuzzy) of a row's keys, NULL when nothing matches."""
    whens = [
        " OR ".join(f"{k} = %(key)s" for k in names),
        " OR ".join(f"{k} LIKE %(prefix)s" for k in names),
        " OR ".join(f"{k} LIKE %(pattern)s" for k in names),
        f"{address} LIKE %(pattern)s" if address else "FALSE",
    ]
    if fuzzy:
        whens.append(" OR ".join(f"%(key)s <%% {k}" for k in names))
    return "CASE " + " ".join(f"WHEN {w} THEN {tier}" for tier, w in enumerate(whens)) + " END"


def _similarity(names, fuzzy):
    if not fuzzy:
        return "0::real"
    return f"greatest({', '.join(f'word_similarity(%(key)s, {k})' for k in names)})"


_FEATURE_KEYS = ("feat.search_name", "feat.search_kana")
_MUNICIPALITY_KEYS = ("m.search_name", "m.search_kana", "m.search_name_en")
# A ward also answers to its city's name followed by its own (大阪市北区), once the key reaches past the city.
_WARD_KEYS = (
    "w.search_name",
    "w.search_kana",
    "w.search_name_en",
    "CASE WHEN char_length(%(key)s) > char_length(m.search_name) THEN m.search_name || w.search_name END",
)

_FEATURES = """
    SELECT 'feature' AS result_type, feat.id, l.slug AS layer, l.name_ja AS layer_ja, l.name_en AS layer_en,
           feat.name, feat.name_kana, '' AS name_en, feat.address,
           m.code AS m_code, m.name_ja AS m_ja, m.name_en AS m_en, w.code AS w_code, w.name_ja AS w_ja,
           w.name_en AS w_en, feat.geom, NULL::geometry AS point, {tier} AS tier, {similarity} AS similarity
    FROM layers_feature feat
    JOIN layers_layer l ON l.id = feat.layer_id
    JOIN layers_municipality m ON m.id = feat.municipality_id
    LEFT JOIN layers_ward w ON w.id = feat.ward_id
    WHERE feat.layer_id = ANY(%(layers)s) AND {municipality} AND {where}
"""

# Features come from two branches, each simple enough for its trigram indexes: the names and addresses
# that hold the key, then (for longer keys) the names similar to it that do not hold it.
_SQL = """
WITH results AS (
    {features}
    UNION ALL
    SELECT 'municipality', m.id, NULL, NULL, NULL, m.name_ja, m.name_kana, m.name_en, '',
           m.code, m.name_ja, m.name_en, NULL, NULL, NULL, m.geom, m.search_point, t.tier, t.similarity
    FROM layers_municipality m
    CROSS JOIN LATERAL (SELECT {municipality_tier} AS tier, {municipality_similarity} AS similarity) t
    WHERE %(places)s AND {municipality} AND t.tier IS NOT NULL
    UNION ALL
    SELECT 'ward', w.id, NULL, NULL, NULL, m.name_ja || w.name_ja, w.name_kana, w.name_en, '',
           m.code, m.name_ja, m.name_en, w.code, w.name_ja, w.name_en, w.geom, w.search_point, t.tier, t.similarity
    FROM layers_ward w
    JOIN layers_municipality m ON m.id = w.municipality_id
    CROSS JOIN LATERAL (SELECT {ward_tier} AS tier, {ward_similarity} AS similarity) t
    WHERE %(places)s AND {municipality} AND t.tier IS NOT NULL
),
ranked AS (
    SELECT r.*, {distance} AS distance
    FROM results r
    ORDER BY r.tier, r.result_type = 'feature',
             CASE WHEN r.tier = {fuzzy_tier} THEN -round(r.similarity::numeric, 1) ELSE 0 END,
             distance NULLS LAST, char_length(r.name), r.id
    LIMIT %(limit)s
)
SELECT result_type, id, layer, layer_ja, layer_en, name, name_kana, name_en, address,
       m_code, m_ja, m_en, w_code, w_ja, w_en, tier, distance,
       ST_AsGeoJSON(coalesce(point, CASE WHEN ST_Dimension(geom) = 0 THEN geom ELSE ST_PointOnSurface(geom) END),
                    {decimals}),
       CASE WHEN ST_Dimension(geom) > 0 THEN ARRAY[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)] END
FROM ranked
ORDER BY tier, result_type = 'feature',
         CASE WHEN tier = {fuzzy_tier} THEN -round(similarity::numeric, 1) ELSE 0 END,
         distance NULLS LAST, char_length(name), id
"""

# Metres on the spheroid. A place is 0 m away from a point inside it, else as far as its representative
# point (the distance to a city's whole boundary costs more than a type-ahead can spend).
_DISTANCE = """CASE
    WHEN r.point IS NULL THEN ST_Distance(r.geom::geography, %(here)s::geometry::geography)
    WHEN r.geom && %(here)s::geometry AND ST_Intersects(r.geom, %(here)s::geometry) THEN 0
    ELSE ST_Distance(r.point::geography, %(here)s::geometry::geography) END"""


_NAME_KEYS = ("search_name", "search_kana")


def _sql(query: SearchQuery) -> str:
    fuzzy = query.fuzzy
    municipality = "m.code = %(code)s" if query.municipality_code else "TRUE"
    length = len(query.key)
    name_pattern = "%(pattern)s" if length >= SUBSTRING_MIN_LENGTH else "%(prefix)s"
    holds = " OR ".join(f"feat.{k} LIKE {name_pattern}" for k in _NAME_KEYS)
    if length >= ADDRESS_MIN_LENGTH:
        holds += " OR feat.search_address LIKE %(pattern)s"
    branches = [f"({holds})"]
    if fuzzy:
        similar = " OR ".join(f"%(key)s <%% feat.{k}" for k in _NAME_KEYS)
        branches.append(f"({similar}) AND NOT ({holds})")
    tier, similarity = _tier(_FEATURE_KEYS, "feat.search_address", fuzzy), _similarity(_FEATURE_KEYS, fuzzy)
    features = " UNION ALL ".join(
        _FEATURES.format(tier=tier, similarity=similarity, municipality=municipality, where=where) for where in branches
    )
    return _SQL.format(
        features=features,
        municipality_tier=_tier(_MUNICIPALITY_KEYS, None, fuzzy),
        municipality_similarity=_similarity(_MUNICIPALITY_KEYS, fuzzy),
        ward_tier=_tier(_WARD_KEYS, None, fuzzy),
        ward_similarity=_similarity(_WARD_KEYS, fuzzy),
        municipality=municipality,
        distance=_DISTANCE if query.near else "NULL::float8",
        fuzzy_tier=FUZZY_TIER,
        decimals=COORDINATE_DECIMALS,
    )


def _like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(query: SearchQuery) -> list[dict]:
    """The best `query.limit` matches as GeoJSON features, best first."""
    if not query.key:
        return []
    params = {
        "key": query.key,
        "prefix": _like_escape(query.key) + "%",
        "pattern": "%" + _like_escape(query.key) + "%",
        "layers": list(query.layer_ids),
        "code": query.municipality_code,
        "places": query.places,
        "limit": query.limit,
    }
    if query.near:
        params["here"] = Point(*query.near, srid=4326).ewkt
    with transaction.atomic(), connection.cursor() as cursor:
        # PostGIS's high function costs lift the estimate over jit_above_cost; compiling then takes
        # ~100 ms for a query that runs in a few.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_sql(query), params)
        rows = cursor.fetchall()
    return [_as_feature(row, query) for row in rows]


def _as_feature(row, query: SearchQuery) -> dict:
    (result_type, pk, layer, layer_ja, layer_en, name, kana, name_en, address) = row[:9]
    (m_code, m_ja, m_en, w_code, w_ja, w_en, tier, distance, geometry, bbox) = row[9:]
    properties = {"result_type": result_type, "layer": layer}
    if layer:
        properties.update(layer_name={"ja": layer_ja, "en": layer_en}, feature_id=pk)
    properties.update(
        name=name,
        name_kana=kana,
        name_en=name_en,
        address=address,
        municipality=m_code,
        municipality_name={"ja": m_ja, "en": m_en},
        ward=w_code,
        ward_name={"ja": w_ja, "en": w_en} if w_code else None,
        match=MATCHES[tier],
        highlight=highlight({"name": name, "name_kana": kana, "name_en": name_en, "address": address}, query.key),
    )
    if query.near:
        properties["distance_m"] = round(distance, 1)
    code = w_code if result_type == "ward" else m_code if result_type == "municipality" else pk
    feature = {"type": "Feature", "id": f"{result_type}:{code}", "geometry": json.loads(geometry)}
    if bbox:
        feature["bbox"] = [round(v, COORDINATE_DECIMALS) for v in bbox]
    feature["properties"] = properties
    return feature


# ---------------------------------------------------------------- highlighting


def highlight(fields: dict, key: str) -> dict:
    """Which field matched and where: {"field", "text", "ranges": [[start, end], …]} (code point offsets).

    The field is the one that matched best, the name before the kana, the English name and the address.
    A similar (fuzzy) match marks the stretches the key shares with the text.
    """
    best = None
    for name, text in fields.items():
        if not text:
            continue
        folded, spans = search_key_map(text)
        at = folded.find(key)
        if at >= 0:
            tier = MATCHES.index("address" if name == "address" else "prefix" if at == 0 else "substring")
            blocks, similarity = [(at, len(key))], 1.0
        elif name == "address":
            continue
        else:
            matcher = SequenceMatcher(None, key, folded, autojunk=False)
            blocks = [(b.b, b.size) for b in matcher.get_matching_blocks() if b.size >= min(2, len(key))]
            tier, similarity = FUZZY_TIER, matcher.ratio()
        if not blocks:
            continue
        ranges = _merge([[spans[start][0], spans[start + size - 1][1]] for start, size in blocks])
        if best is None or (tier, -similarity) < best[0]:
            best = ((tier, -similarity), {"field": name, "text": text, "ranges": ranges})
    if best is None:
        return {"field": "name", "text": fields.get("name", ""), "ranges": []}
    return best[1]


def _merge(ranges):
    merged = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
