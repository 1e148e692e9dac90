"""Search across layers and places: Japanese-aware, prefix and fuzzy, fast enough for type-ahead.

Names are matched on search keys stored beside them (migration 0007: the folded name, kana reading
and address, trigram-indexed, for features; Japanese, kana and English names for places); the query is
folded once, in Python, by the same rules (layers.answers.textnorm).
Municipalities and wards are matched as places to zoom to.

Ranking: match quality first (exact name, name prefix, part of a name, part of the address, similar
name by pg_trgm word similarity), places before features of the same quality, then distance from
`near` when given, then shorter names. Each quality is asked for separately, best first, and the
asking stops once the page is full, so a common key costs no more than a rare one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from django.contrib.gis.geos import Point
from django.db import transaction

from mapapp.routers import read_connection

from .readings import kana_from_romaji
from .textnorm import search_key, search_key_map

MATCHES = ("exact", "prefix", "substring", "address", "fuzzy")  # by tier, best first
FUZZY_TIER = MATCHES.index("fuzzy")
# Trigram indexes serve a name's start from one character, a substring or a similar name only from
# three. Two characters are a whole word in Japanese (病院, 公園): an index of character pairs serves
# names for them. Addresses, long and alike, are searched from three.
BIGRAM_LENGTH = 2
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
    # Romaji typed for a Japanese name ("suita daiichi"): its kana, searched as well as the text itself.
    romaji_key: str | None = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "key", search_key(self.text))
        kana = kana_from_romaji(self.text)
        romaji_key = search_key(kana) if kana else None
        object.__setattr__(self, "romaji_key", romaji_key if romaji_key and romaji_key != self.key else None)

    @property
    def fuzzy(self):
        return len(self.key) >= FUZZY_MIN_LENGTH


def _place_tier(names, fuzzy):
    """SQL: the match tier of a place's names (0 exact, 1 prefix, 2 substring, 4 similar), else NULL."""
    whens = [
        (0, " OR ".join(f"{k} = %(key)s" for k in names)),
        (1, " OR ".join(f"{k} LIKE %(prefix)s" for k in names)),
        (2, " OR ".join(f"{k} LIKE %(pattern)s" for k in names)),
    ]
    if fuzzy:
        whens.append((FUZZY_TIER, " OR ".join(f"%(key)s <%% {k}" for k in names)))
    return "CASE " + " ".join(f"WHEN {w} THEN {tier}" for tier, w in whens) + " END"


def _similarity(names, fuzzy):
    if not fuzzy:
        return "0::real"
    return f"greatest({', '.join(f'word_similarity(%(key)s, {k})' for k in names)})"


_MUNICIPALITY_KEYS = ("m.search_name", "m.search_kana", "m.search_name_en")
# A ward also answers to its city's name followed by its own (大阪市北区), once the key reaches past the city.
_WARD_KEYS = (
    "w.search_name",
    "w.search_kana",
    "w.search_name_en",
    "CASE WHEN char_length(%(key)s) > char_length(m.search_name) THEN m.search_name || w.search_name END",
)

# Every query returns these columns, the exact distance and the shown geometry worked out last, for
# the few rows kept.
_OUTER = """
SELECT r.result_type, r.id, r.layer, r.layer_ja, r.layer_en, r.name, r.name_kana, r.name_en, r.address,
       r.m_code, r.m_ja, r.m_en, r.w_code, r.w_ja, r.w_en, r.tier, r.similarity, {distance} AS distance,
       ST_AsGeoJSON(
           coalesce(r.point, CASE WHEN ST_Dimension(r.geom) = 0 THEN r.geom ELSE ST_PointOnSurface(r.geom) END),
           {decimals}
       ) AS geometry,
       CASE WHEN ST_Dimension(r.geom) > 0
            THEN ARRAY[ST_XMin(r.geom), ST_YMin(r.geom), ST_XMax(r.geom), ST_YMax(r.geom)] END AS bbox
FROM ({inner}) r
"""

# One kind of match at a time (see search()), best first within it: nearest by Web Mercator distance
# (cheap, and in the same order as the spheroid's nearby), else shortest name.
_FEATURES = """
    SELECT 'feature' AS result_type, feat.id, l.slug AS layer, l.name_ja AS layer_ja, l.name_en AS layer_en,
           feat.name, coalesce(nullif(feat.name_kana, ''), feat.properties->>'reading') AS name_kana,
           coalesce(feat.properties->>'name_en', '') AS name_en, feat.address,
           m.code AS m_code, m.name_ja AS m_ja, m.name_en AS m_en, w.code AS w_code, w.name_ja AS w_ja,
           w.name_en AS w_en, feat.geom, NULL::geometry AS point, {tier} AS tier, {similarity} AS similarity
    FROM layers_feature feat
    JOIN layers_layer l ON l.id = feat.layer_id
    JOIN layers_municipality m ON m.id = feat.municipality_id
    LEFT JOIN layers_ward w ON w.id = feat.ward_id
    WHERE feat.layer_id = ANY(%(layers)s) AND {municipality} AND {where}
    ORDER BY {order}{nearest}, char_length(feat.name), feat.id
    LIMIT %(limit)s
"""

_PLACES = """
    SELECT 'municipality' AS result_type, m.id, NULL AS layer, NULL AS layer_ja, NULL AS layer_en,
           m.name_ja AS name, m.name_kana, m.name_en, '' AS address, m.code AS m_code, m.name_ja AS m_ja,
           m.name_en AS m_en, NULL AS w_code, NULL AS w_ja, NULL AS w_en, m.geom, m.search_point AS point,
           t.tier, t.similarity
    FROM layers_municipality m
    CROSS JOIN LATERAL (SELECT {municipality_tier} AS tier, {municipality_similarity} AS similarity) t
    WHERE {municipality} AND t.tier IS NOT NULL
    UNION ALL
    SELECT 'ward', w.id, NULL, NULL, NULL, m.name_ja || w.name_ja, w.name_kana, w.name_en, '',
           m.code, m.name_ja, m.name_en, w.code, w.name_ja, w.name_en, w.geom, w.search_point, t.tier, t.similarity
    FROM layers_ward w
    JOIN layers_municipality m ON m.id = w.municipality_id
    CROSS JOIN LATERAL (SELECT {ward_tier} AS tier, {ward_similarity} AS similarity) t
    WHERE {municipality} AND t.tier IS NOT NULL
"""

# Metres on the spheroid. A place is 0 m away from a point inside it, else as far as its representative
# point (the distance to a city's whole boundary costs more than a type-ahead can spend).
_DISTANCE = """CASE
    WHEN r.point IS NULL THEN ST_Distance(r.geom::geography, %(here)s::geometry::geography)
    WHEN r.geom && %(here)s::geometry AND ST_Intersects(r.geom, %(here)s::geometry) THEN 0
    ELSE ST_Distance(r.point::geography, %(here)s::geometry::geography) END"""

_NAME_KEYS = ("search_name", "search_kana")


def _any(template, keys):
    return "(" + " OR ".join(template.format(k=f"feat.{k}") for k in keys) + ")"


def _statements(query: SearchQuery) -> dict:
    """{kind of match: SQL}, in the order they rank: places, names, addresses, similar names."""
    municipality = "m.code = %(code)s" if query.municipality_code else "TRUE"
    outer = {"distance": _DISTANCE if query.near else "NULL::float8", "decimals": COORDINATE_DECIMALS}
    nearest = ", feat.geom_3857 <-> ST_Transform(%(here)s::geometry, 3857)" if query.near else ""
    length = len(query.key)
    # Names hold the key: one character at their start; two as one of their pairs of characters (an
    # index of pairs, migration 0009); more anywhere (the trigram indexes).
    if length >= FUZZY_MIN_LENGTH:
        in_name = _any("{k} LIKE %(pattern)s", _NAME_KEYS)
    elif length == BIGRAM_LENGTH:
        in_name = "feat.search_bigrams @> ARRAY[%(key)s]"
    else:
        in_name = _any("{k} LIKE %(prefix)s", _NAME_KEYS)
    in_address = "feat.search_address LIKE %(pattern)s"
    names_tier = (
        f"CASE WHEN {_any('{k} = %(key)s', _NAME_KEYS)} THEN 0 WHEN {_any('{k} LIKE %(prefix)s', _NAME_KEYS)} "
        "THEN 1 ELSE 2 END"
    )
    features = {"municipality": municipality, "nearest": nearest}
    statements = {}
    if query.places:
        fuzzy = query.fuzzy
        statements["places"] = _PLACES.format(
            municipality_tier=_place_tier(_MUNICIPALITY_KEYS, fuzzy),
            municipality_similarity=_similarity(_MUNICIPALITY_KEYS, fuzzy),
            ward_tier=_place_tier(_WARD_KEYS, fuzzy),
            ward_similarity=_similarity(_WARD_KEYS, fuzzy),
            municipality=municipality,
        )
    if query.layer_ids:
        statements["names"] = _FEATURES.format(
            tier=names_tier, similarity="0::real", where=in_name, order=names_tier, **features
        )
        if length >= ADDRESS_MIN_LENGTH:
            statements["addresses"] = _FEATURES.format(
                tier=MATCHES.index("address"),
                similarity="0::real",
                where=f"{in_address} AND NOT {in_name}",
                order="1",
                **features,
            )
        if query.fuzzy:
            similarity = f"greatest({', '.join(f'word_similarity(%(key)s, feat.{k})' for k in _NAME_KEYS)})"
            statements["similar"] = _FEATURES.format(
                tier=FUZZY_TIER,
                similarity=similarity,
                where=f"{_any('%(key)s <%% {k}', _NAME_KEYS)} AND NOT {in_name} AND NOT {in_address}",
                order=f"-round(({similarity})::numeric, 1)",
                **features,
            )
    return {kind: _OUTER.format(inner=sql, **outer) for kind, sql in statements.items()}


# The best tier each statement can return.
_BEST_TIER = {"places": 0, "names": 0, "addresses": MATCHES.index("address"), "similar": FUZZY_TIER}


def _like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _rank(row):
    bucket = -round(row["similarity"], 1) if row["tier"] == FUZZY_TIER else 0
    distance = row["distance"] if row["distance"] is not None else float("inf")
    return (row["tier"], row["result_type"] == "feature", bucket, distance, len(row["name"]), row["id"])


def search(query: SearchQuery) -> list[dict]:
    """The best `query.limit` matches as GeoJSON features, best first.

    The kinds of match are asked for in the order they rank, and the asking stops once the better kinds
    fill the page: a key as common as 大阪市 never sorts fifty thousand addresses. Romaji is searched
    as typed (English names) and as kana (readings), the better match of a place kept.
    """
    if not query.key:
        return []
    rows = _matching_rows(query, query.key)
    if query.romaji_key:
        found = {(r["result_type"], r["id"]) for r in rows}
        rows += [r for r in _matching_rows(query, query.romaji_key) if (r["result_type"], r["id"]) not in found]
    rows.sort(key=_rank)
    return [_as_feature(row, query) for row in rows[: query.limit]]


def _matching_rows(query: SearchQuery, key: str) -> list[dict]:
    if key != query.key:
        query = _with_key(query, key)
    params = {
        "key": key,
        "prefix": _like_escape(key) + "%",
        "pattern": "%" + _like_escape(key) + "%",
        "layers": list(query.layer_ids),
        "code": query.municipality_code,
        "limit": query.limit,
    }
    if query.near:
        params["here"] = Point(*query.near, srid=4326).ewkt
    rows = []
    db = read_connection()
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        # JIT is off for every connection (settings.DATABASES); starting parallel workers would also
        # cost more than they save on these short queries.
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        for kind, sql in _statements(query).items():
            if sum(1 for r in rows if r["tier"] < _BEST_TIER[kind]) >= query.limit:
                continue  # all it could find ranks below what is found already
            cursor.execute(sql, params)
            columns = [c.name for c in cursor.description]
            rows += [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["key"] = key
    return rows


def _with_key(query: SearchQuery, key: str) -> SearchQuery:
    """The same query, searching `key` (already folded) instead of its own."""
    other = replace(query)
    object.__setattr__(other, "key", key)
    return other


def _as_feature(row, query: SearchQuery) -> dict:
    result_type, w_code = row["result_type"], row["w_code"]
    properties = {"result_type": result_type, "layer": row["layer"]}
    if row["layer"]:
        properties.update(layer_name={"ja": row["layer_ja"], "en": row["layer_en"]}, feature_id=row["id"])
    fields = {name: row[name] for name in ("name", "name_kana", "name_en", "address")}
    properties.update(
        fields,
        municipality=row["m_code"],
        municipality_name={"ja": row["m_ja"], "en": row["m_en"]},
        ward=w_code,
        ward_name={"ja": row["w_ja"], "en": row["w_en"]} if w_code else None,
        match=MATCHES[row["tier"]],
        highlight=highlight(fields, row["key"]),
    )
    if query.near:
        properties["distance_m"] = round(row["distance"], 1)
    code = {"ward": w_code, "municipality": row["m_code"]}.get(result_type, row["id"])
    feature = {"type": "Feature", "id": f"{result_type}:{code}", "geometry": json.loads(row["geometry"])}
    if row["bbox"]:
        feature["bbox"] = [round(v, COORDINATE_DECIMALS) for v in row["bbox"]]
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
