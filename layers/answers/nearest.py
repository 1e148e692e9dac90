"""The features nearest to a point, in metres, with the layer kind's filters, live status and suitability.

Candidates come from a KNN scan (`<->`) of the Web Mercator geometry's GiST index; their exact distance
is then measured on the WGS 84 spheroid (geography ST_Distance) and they are re-sorted by it. Mercator
is conformal, so its order agrees with the spheroid's nearby; the extra candidates cover the small
difference in scale between the north and the south of the search.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db.models import Q

from mapapp.routers import read_connection

from ..api.selection import FROM_FEATURES, Selection
from ..kinds import KINDS
from ..models import Feature, Layer, ShelterStatus
from ..status.service import state_of
from ..status.vocabulary import OPEN_STATES

# hazard_type of a hazard zone → the 災害種別 (shelter `disasters` code) that designates a site for it.
SHELTER_DISASTER_FOR_HAZARD = {
    "flood": "flood",
    "landslide": "landslide",
    "tsunami": "tsunami",
    "storm_surge": "storm_surge",
    "inland_flood": "inland_flood",
}
# The fields that carry these meanings in the kinds that have them.
HAZARD_FIELD = "hazard_type"
DISASTERS_FIELD = "disasters"

OPEN = "open"  # `status=open`: open now, whether opened for this event or always open (OPEN_STATES)
STATUS_VALUES = (OPEN, *ShelterStatus.Opening.values)
EXTRA_CANDIDATES = 10
COORDINATE_DECIMALS = 6


def kinds_with_field(name) -> list[str]:
    return [slug for slug, kind in KINDS.items() if name in kind.fields_by_name]


def hazard_layers():
    """The layers of hazard zones: those whose kind names a hazard type."""
    return Layer.objects.filter(kind__in=kinds_with_field(HAZARD_FIELD))


def suitability_layers():
    """The layers whose features are designated for disaster types (shelters)."""
    return Layer.objects.filter(kind__in=kinds_with_field(DISASTERS_FIELD))


@dataclass(frozen=True)
class NearestQuery:
    lon: float
    lat: float
    selection: Selection
    limit: int = 5
    status: str | None = None  # OPEN or an opening_status value; only for kinds with live status
    suitable_for: str | None = None  # a hazard_type; only for kinds with a disasters field
    hazard_layer_ids: tuple[int, ...] = field(default_factory=tuple)


_SQL = """
WITH candidates AS (
    SELECT feat.id, feat.geom
    {from_}
    {status_join}
    WHERE {where}
    ORDER BY feat.geom_3857 <-> ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 3857)
    LIMIT %(candidates)s
)
SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography) AS metres
FROM candidates
ORDER BY metres, id
LIMIT %(limit)s
"""

_STATUS_JOIN = """
LEFT JOIN layers_shelterstatus st ON st.municipality_id = feat.municipality_id AND st.source_id = feat.source_id
"""

# Not inside any zone of the hazard: a site in the zone is where people must leave from, not go to.
# Tsunami and storm surge: a high enough building inside the zone is a place to escape to (垂直避難).
VERTICAL_EVACUATION_HAZARDS = ("tsunami", "storm_surge")
# Full- and half-width digits alike: 「３階」「3F」「屋上」「津波避難ビル」「高潮避難ビル」「避難ビル」.
VERTICAL_EVACUATION_PATTERN = r"([0-9０-９一二三四五六七八九十]+\s*(階|F|Ｆ))|屋上|避難ビル"
_VERTICAL = """(feat.name ~ %(vertical)s OR coalesce(feat.properties->>'remarks', '') ~ %(vertical)s
    OR coalesce(feat.properties->>'emergency_site_name', '') ~ %(vertical)s)"""
_OUTSIDE_HAZARD = """NOT EXISTS (
    SELECT 1 FROM layers_feature hz
    WHERE hz.layer_id = ANY(%(hazard_layers)s) AND hz.properties @> %(hazard_doc)s::jsonb
      AND ST_Intersects(hz.geom, feat.geom))"""


def nearest_ids(query: NearestQuery) -> list[tuple[int, float]]:
    """[(feature id, metres)] nearest first."""
    where, params = query.selection.where()
    clauses = [where]
    if query.status == OPEN:
        clauses.append("st.opening_status = ANY(%(open_states)s)")
        params["open_states"] = sorted(OPEN_STATES)
    elif query.status:
        clauses.append("coalesce(st.opening_status, %(not_open)s) = %(status)s")
        params.update(not_open=ShelterStatus.Opening.NOT_OPEN.value, status=query.status)
    if query.suitable_for:
        clauses.append(_suitable_clause(query.suitable_for, query.hazard_layer_ids, params))
    params.update(lon=query.lon, lat=query.lat, limit=query.limit, candidates=query.limit * 2 + EXTRA_CANDIDATES)
    sql = _SQL.format(
        from_=FROM_FEATURES,
        status_join=_STATUS_JOIN if query.status else "",
        where=" AND ".join(clauses),
    )
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _suitable_clause(hazard_type, hazard_layer_ids, params, suffix="") -> str:
    """SQL true for a site designated for `hazard_type` and outside its zones; binds its values in `params`."""
    names = {name: f"{name}{suffix}" for name in ("suitable_doc", "hazard_doc", "hazard_layers")}
    outside = _OUTSIDE_HAZARD.replace("%(hazard_layers)s", f"%({names['hazard_layers']})s").replace(
        "%(hazard_doc)s", f"%({names['hazard_doc']})s"
    )
    if hazard_type in VERTICAL_EVACUATION_HAZARDS:
        # A building named for its upper floors (津波避難ビル, 「３階以上」, 屋上) is where to go up,
        # inside the zone or not.
        outside = f"({outside} OR {_VERTICAL})"
        params["vertical"] = VERTICAL_EVACUATION_PATTERN
    params[names["suitable_doc"]] = json.dumps({DISASTERS_FIELD: [SHELTER_DISASTER_FOR_HAZARD[hazard_type]]})
    params[names["hazard_doc"]] = json.dumps({HAZARD_FIELD: hazard_type})
    params[names["hazard_layers"]] = list(hazard_layer_ids)
    return f"(feat.properties @> %({names['suitable_doc']})s::jsonb AND {outside})"


def suitable_hazards(feature_ids, hazard_types, hazard_layer_ids) -> dict[int, list[str]]:
    """{feature id: those of `hazard_types` the site is suitable for}: designated for it and outside its zones."""
    hazard_types = [h for h in hazard_types if h in SHELTER_DISASTER_FOR_HAZARD]
    if not feature_ids or not hazard_types:
        return {pk: [] for pk in feature_ids}
    params = {"ids": list(feature_ids)}
    columns = [_suitable_clause(h, hazard_layer_ids, params, suffix=f"_{n}") for n, h in enumerate(hazard_types)]
    sql = f"SELECT feat.id, {', '.join(columns)} FROM layers_feature feat WHERE feat.id = ANY(%(ids)s)"
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: [h for h, ok in zip(hazard_types, flags, strict=True) if ok] for pk, *flags in cursor.fetchall()}


def nearest_features(query: NearestQuery) -> list[dict]:
    """The nearest features as GeoJSON, each with `distance_m` and, for live-status kinds, its `status`."""
    found = nearest_ids(query)
    features = Feature.objects.select_related("layer", "municipality", "ward").in_bulk([pk for pk, _ in found])
    statuses = _statuses([f for f in features.values() if f.layer.kind_spec.live_status])
    return [_as_geojson(features[pk], metres, statuses) for pk, metres in found]


def _statuses(features) -> dict:
    if not features:
        return {}
    wanted = Q()
    for f in features:
        wanted |= Q(municipality_id=f.municipality_id, source_id=f.source_id)
    found = ShelterStatus.objects.filter(wanted).select_related("municipality")
    return {(s.municipality_id, s.source_id): s for s in found}


def _as_geojson(feature: Feature, metres: float, statuses: dict) -> dict:
    m, w = feature.municipality, feature.ward
    properties = {
        "layer": feature.layer.slug,
        "source_id": feature.source_id,
        "name": feature.name,
        "name_kana": feature.name_kana,
        "address": feature.address,
        "municipality": m.code,
        "municipality_name": {"ja": m.name_ja, "en": m.name_en},
        "ward": w.code if w else None,
        "ward_name": {"ja": w.name_ja, "en": w.name_en} if w else None,
        **feature.properties,
        "distance_m": round(metres, 1),
    }
    if feature.layer.kind_spec.live_status:
        status = statuses.get((feature.municipality_id, feature.source_id))
        if status is None:  # never updated: not open, version 0, as status_for() says
            status = ShelterStatus(municipality=m, source_id=feature.source_id)
        properties["status"] = state_of(status, feature)
    geometry = json.loads(feature.geom.json)
    return {"type": "Feature", "id": feature.pk, "geometry": _rounded(geometry), "properties": properties}


def _rounded(geometry):
    def walk(c):
        return round(c, COORDINATE_DECIMALS) if isinstance(c, float) else [walk(x) for x in c]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}
