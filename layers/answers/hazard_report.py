"""「この場所の災害リスク」: what the hazard data says about one point, and what to do about it.

For each hazard type present in the hazard-zone layers: whether the point is in a zone (on the boundary
counts as in), the most severe level where zones overlap, the recommended action (HazardAdvice, edited
by staff), the nearest suitable shelters, and where the data comes from. In Japanese, English or
やさしい日本語 (easy Japanese). A point outside every municipality of the prefecture gets an answer that
says so, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import npgettext, pgettext, pgettext_lazy

from ..api.caching import catalogue_fingerprint
from ..api.selection import Selection
from ..kinds.hazard_zone import rank_at_least
from ..models import Feature, HazardAdvice, Layer, Municipality, Ward
from ..status.service import feed_fingerprint
from ..status.vocabulary import is_open, opening_label
from .building_exposure import building_at
from .nearest import (
    DISASTERS_FIELD,
    HAZARD_FIELD,
    OPEN,
    SHELTER_DISASTER_FOR_HAZARD,
    NearestQuery,
    hazard_layers,
    nearest_features,
    suitability_layers,
    suitable_hazards,
)

SHELTERS_PER_HAZARD = 3
SUGGESTED_SHELTERS = 5
# An open shelter is suggested before nearer closed ones only within about an hour's walk.
OPEN_SHELTER_WITHIN_M = 5000
# There is no walking network in the data: every distance is a straight line on the WGS 84 spheroid.
DISTANCE_BASIS = "straight_line"
DEPTH_FIELD = "depth_rank"
ZONE_CLASS_FIELD = "zone_class"
# Landslide zone classes from the least to the most severe (a surveyed area counts as its class).
ZONE_CLASS_SEVERITY = {"warning_surveyed": 1, "warning": 2, "special_warning_surveyed": 3, "special_warning": 4}
# Words in a layer's source, attribution or licence that mark its data as a sample, not a real survey.
SAMPLE_MARKERS = ("架空", "sample", "fictional")

# ---------------------------------------------------------------- languages

# The report's languages: the API's `lang` → the Django language whose catalogue holds the words.
# やさしい日本語 (easy Japanese) is its own catalogue, locale/ja_Easy, falling back to Japanese.
LANGUAGES = {"ja": "ja", "en": "en", "easy": "ja-easy"}
HTML_LANG = {"ja": "ja", "en": "en", "easy": "ja"}  # the `lang` attribute: やさしい日本語 is Japanese
LANGUAGE_NAMES = {"ja": "日本語", "en": "English", "easy": "やさしい日本語"}  # each in its own language


# Code list labels that the やさしい日本語 catalogue rewords (msgctxt: the field, msgid: the English label).
# Listed only so that makemessages extracts them; the words themselves are in locale/ja_Easy.
REWORDABLE_LABELS = (
    pgettext_lazy("hazard_type", "River flood"),
    pgettext_lazy("hazard_type", "Landslide"),
    pgettext_lazy("hazard_type", "Storm surge"),
    pgettext_lazy("hazard_type", "Inland flooding"),
    pgettext_lazy("zone_class", "Warning zone"),
    pgettext_lazy("zone_class", "Special warning zone"),
)


def in_language(lang):
    """A context manager: the report's words in `lang` (ja, en or easy)."""
    return translation.override(LANGUAGES[lang])


def code_label(code, field=None) -> str | None:
    """A code list value in the active language. With `field`, the catalogue may reword the Japanese
    label for やさしい日本語 (msgctxt = the field's name, msgid = the English label)."""
    if code is None:
        return None
    if translation.get_language() == "en":
        return code.label_en
    if field:
        reworded = pgettext(field, code.label_en)
        if reworded != code.label_en:
            return reworded
    return code.label_ja


def distance_text(metres) -> str:
    distance = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres, -1):.0f} m"
    return pgettext("hazard report", "about %(distance)s") % {"distance": distance}


def status_text(state: dict) -> str:
    return opening_label(state["status"])


def sample_note():
    return pgettext(
        "hazard report",
        "Note: this hazard information is fictional sample data for a demonstration. It does not show real "
        "risk. Check your municipality's official hazard map.",
    )


def not_safe_note():
    return pgettext(
        "hazard report",
        "Being outside a mapped zone does not mean you are safe: a disaster can go beyond what was mapped.",
    )


def straight_line_note():
    return pgettext(
        "hazard report", "Distances are in a straight line. The way on foot is longer: check it before you go."
    )


def shelters_heading(hazard_name) -> str:
    return pgettext("hazard report", "Nearest shelters for %(hazard)s (outside the zone)") % {"hazard": hazard_name}


def overlapping_text(count) -> str:
    return npgettext(
        "hazard report",
        "%(count)d zone overlaps here.",
        "%(count)d zones overlap here; the most severe is shown.",
        count,
    ) % {"count": count}


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class Zone:
    feature: Feature

    @property
    def props(self):
        return self.feature.properties

    @property
    def hazard_type(self):
        return self.props.get(HAZARD_FIELD)

    def severity(self):
        rank = self.props.get(DEPTH_FIELD)
        if not rank and self.props.get("depth_min_m") is not None:
            rank = rank_at_least(self.props["depth_min_m"])  # a band that straddles ranks: at least this one
        return (rank or 0, ZONE_CLASS_SEVERITY.get(self.props.get(ZONE_CLASS_FIELD), 0))

    def level_key(self) -> str:
        """The HazardAdvice level this zone states: its depth rank, else its zone class, else ''."""
        rank = self.props.get(DEPTH_FIELD)
        return str(rank) if rank else self.props.get(ZONE_CLASS_FIELD) or ""


def is_sample(layer: Layer) -> bool:
    text = " ".join((layer.source, layer.attribution, layer.licence, layer.name_ja, layer.name_en)).lower()
    return any(marker in text for marker in SAMPLE_MARKERS)


def hazard_types_by_layer(layers) -> dict[int, list[str]]:
    """{layer id: the hazard types its zones hold}; cached per layer version."""
    key = "hazard-types:" + ",".join(f"{layer.pk}.{layer.version}" for layer in layers)
    found = cache.get(key)
    if found is None:
        found = {layer.pk: [] for layer in layers}
        rows = Feature.objects.filter(layer__in=layers).values_list("layer_id", f"properties__{HAZARD_FIELD}")
        for layer_id, hazard_type in rows.distinct():
            if hazard_type:
                found[layer_id].append(hazard_type)
        cache.set(key, found, 3600)
    return found


def report_fingerprint() -> str:
    """Changes whenever a report could: a layer published or edited, a shelter status, the advice wording."""
    advice = HazardAdvice.objects.aggregate(n=Count("id"), latest=Max("updated_at"))
    return f"{catalogue_fingerprint()}/{feed_fingerprint()}/{advice['n']}/{advice['latest']}"


def place_at(point: Point) -> tuple[Municipality | None, Ward | None]:
    municipality = Municipality.objects.filter(geom__intersects=point).order_by("code").first()
    ward = Ward.objects.filter(geom__intersects=point).order_by("code").first() if municipality else None
    return municipality, ward


def hazard_report_at(lon: float, lat: float, lang: str = "ja") -> dict:
    """The report as a JSON-ready dict, its texts in `lang` (ja, en or easy)."""
    with in_language(lang):
        return _report(Point(lon, lat, srid=4326), lang)


def _report(point: Point, lang: str) -> dict:
    report = {
        "point": {"lat": point.y, "lon": point.x},
        "lang": lang,
        "title": pgettext("hazard report", "Hazards at this place"),
    }
    municipality, ward = place_at(point)
    if municipality is None:
        return {
            **report,
            "inside_prefecture": False,
            "message": pgettext(
                "hazard report", "This point is outside Osaka Prefecture. This map covers Osaka Prefecture only."
            ),
            "municipality": None,
            "ward": None,
            "hazards": [],
            "building": None,
            "suggested_shelters": None,
            "sample_data": False,
            "notes": [],
        }
    layers = list(hazard_layers().order_by("sort_order", "slug"))
    types_by_layer = hazard_types_by_layer(layers)
    zones = [Zone(f) for f in Feature.objects.filter(layer__in=layers, geom__intersects=point).select_related("layer")]
    present = _in_code_order(layers, {t for types in types_by_layer.values() for t in types})
    advice = {(a.hazard_type, a.level): a for a in HazardAdvice.objects.filter(hazard_type__in=present)}
    hazards = []
    for hazard_type in present:
        here = sorted((z for z in zones if z.hazard_type == hazard_type), key=Zone.severity, reverse=True)
        sources = [layer for layer in layers if hazard_type in types_by_layer[layer.pk]]
        hazards.append(_hazard(hazard_type, here, sources, advice, point, lang))
    hazards.sort(key=lambda h: not h["inside"])  # the zones the point is in first, then the code list's order
    inside = [h["name"] for h in hazards if h["inside"]]
    sample = any(is_sample(layer) for layer in layers)
    notes = ([sample_note()] if sample else []) + [not_safe_note()]
    listed = (", " if lang == "en" else "、").join(inside)
    return {
        **report,
        "inside_prefecture": True,
        "message": pgettext("hazard report", "This place is inside: %(hazards)s") % {"hazards": listed}
        if inside
        else pgettext("hazard report", "This place is outside every hazard zone in the data."),
        "municipality": _place(municipality),
        "ward": _place(ward) if ward else None,
        "hazards": hazards,
        "building": building_at(point, lang, _source),
        "suggested_shelters": suggested_shelters(point, [h for h in hazards if h["inside"]]),
        "sample_data": sample,
        "notes": notes,
    }


def _in_code_order(layers, hazard_types):
    order = []
    for layer in layers:
        for code in layer.kind_spec.fields_by_name[HAZARD_FIELD].codes:
            if code.value in hazard_types and code.value not in order:
                order.append(code.value)
    return order + sorted(hazard_types - set(order))


def _place(place):
    return {"code": place.code, "name": {"ja": place.name_ja, "en": place.name_en}, "name_kana": place.name_kana}


def _hazard(hazard_type, zones, sources, advice, point, lang) -> dict:
    kind = sources[0].kind_spec
    hazard_code = kind.fields_by_name[HAZARD_FIELD].code(hazard_type)
    name = code_label(hazard_code, HAZARD_FIELD) if hazard_code else hazard_type
    short_name = code_label(hazard_code) if hazard_code else hazard_type  # 洪水, not the explanation
    out = {"hazard_type": hazard_type, "name": name, "short_name": short_name, "inside": bool(zones)}
    if zones:
        out["status_text"] = pgettext("hazard report", "Inside a hazard zone")
    else:
        out["status_text"] = pgettext("hazard report", "Not in a mapped zone")
    worst = zones[0] if zones else None
    out["level"] = _level(worst, kind) if worst else None
    out["zone_count"] = len(zones)
    out["zones"] = [_zone(z) for z in zones]
    chosen = None
    if worst:
        chosen = advice.get((hazard_type, worst.level_key())) or advice.get((hazard_type, ""))
    out["advice"] = chosen.action(lang) if chosen else None
    out["shelters"] = nearest_suitable_shelters(point, hazard_type) if worst else []
    out["sources"] = [_source(layer, lang) for layer in ([worst.feature.layer] if worst else sources)]
    return out


def _level(zone: Zone, kind) -> dict:
    rank = zone.props.get(DEPTH_FIELD)
    zone_class = zone.props.get(ZONE_CLASS_FIELD)
    level = {"depth_rank": rank, "zone_class": zone_class, "label": None, "heading": None}
    if rank:
        level["label"] = code_label(kind.fields_by_name[DEPTH_FIELD].code(str(rank))) or str(rank)
        level["heading"] = pgettext("hazard report", "Expected depth of water")
    elif zone.props.get("depth_label"):
        level["label"] = zone.props["depth_label"]  # a band the six ranks cannot hold, as the source writes it
        level["heading"] = pgettext("hazard report", "Expected depth of water")
    elif zone_class:
        level["label"] = code_label(kind.fields_by_name[ZONE_CLASS_FIELD].code(zone_class), ZONE_CLASS_FIELD)
        level["heading"] = pgettext("hazard report", "Zone")
    return level


def _zone(zone: Zone) -> dict:
    f = zone.feature
    keep = (DEPTH_FIELD, ZONE_CLASS_FIELD, "depth_label", "phenomenon", "river", "designated_on", "source")
    details = {k: f.properties[k] for k in keep if k in f.properties}
    return {"id": f.pk, "layer": f.layer.slug, "name": f.name, **details}


def _source(layer: Layer, lang) -> dict:
    return {
        "layer": layer.slug,
        "name": layer.name_en if lang == "en" else layer.name_ja,
        "source": layer.source,
        "attribution": layer.attribution,
        "licence": layer.licence,
        "updated_at": timezone.localtime(layer.updated_at).date().isoformat(),
        "sample": is_sample(layer),
    }


def nearest_suitable_shelters(point: Point, hazard_type: str, limit=SHELTERS_PER_HAZARD) -> list[dict]:
    """Shelters designated for the hazard and outside its zones, nearest first, with distance and status."""
    if hazard_type not in SHELTER_DISASTER_FOR_HAZARD:
        return []
    hazard_ids = tuple(hazard_layers().values_list("pk", flat=True))
    found = []
    for layer in suitability_layers():
        query = NearestQuery(
            point.x,
            point.y,
            Selection(layer.pk),
            limit=limit,
            suitable_for=hazard_type,
            hazard_layer_ids=hazard_ids,
        )
        found += nearest_features(query)
    return sorted(found, key=lambda f: f["properties"]["distance_m"])[:limit]


def suggested_shelters(point: Point, inside: list[dict], limit=SUGGESTED_SHELTERS) -> dict:
    """The shelters to go to from the point, for the map's report: open and suitable ones first.

    Suitable means designated for every hazard whose zone holds the point and outside those zones (or a
    building to go up in, for tsunami and storm surge). Candidates are the nearest sites suitable for each
    of those hazards and the nearest open ones of them within OPEN_SHELTER_WITHIN_M (a site in the zone is
    never offered); outside every zone, the nearest shelters of any designation and the open ones. In
    groups, nearest first within each: open and suitable, suitable, open, the rest. Each carries its `rank`
    (1…), `suitable_for` and `suitable`.
    """
    hazard_types = [h["hazard_type"] for h in inside if h["hazard_type"] in SHELTER_DISASTER_FOR_HAZARD]
    hazard_ids = tuple(hazard_layers().values_list("pk", flat=True))
    found, disaster_fields = {}, {}
    for layer in suitability_layers():
        disaster_fields[layer.slug] = layer.kind_spec.fields_by_name[DISASTERS_FIELD]
        queries = [(hazard_type, status) for hazard_type in hazard_types or [None] for status in (None, OPEN)]
        for hazard_type, status in queries:
            query = NearestQuery(
                point.x,
                point.y,
                Selection(layer.pk),
                limit=limit,
                status=status,
                suitable_for=hazard_type,
                hazard_layer_ids=hazard_ids if hazard_type else (),
            )
            for feature in nearest_features(query):
                if status == OPEN and feature["properties"]["distance_m"] > OPEN_SHELTER_WITHIN_M:
                    continue
                found.setdefault(feature["id"], feature)
    suitable_by_id = suitable_hazards(list(found), hazard_types, hazard_ids)
    names = {h["hazard_type"]: h["short_name"] for h in inside}
    for pk, feature in found.items():
        p = feature["properties"]
        p["suitable_for"] = suitable_by_id.get(pk, [])
        p["suitable"] = set(p["suitable_for"]) == set(hazard_types) if hazard_types else None
        p["open"] = is_open(p.get("status", {}).get("status"))
        p["distance_text"] = distance_text(p["distance_m"])
        p["suitability_text"] = _suitability_text(p, hazard_types, names, disaster_fields[p["layer"]])

    def order(feature):
        p = feature["properties"]
        suitable = p["suitable"] is not False
        return (not (p["open"] and suitable), not suitable, not p["open"], p["distance_m"], feature["id"])

    chosen = sorted(found.values(), key=order)[:limit]
    for rank, feature in enumerate(chosen, 1):
        feature["properties"]["rank"] = rank
    return {
        "distance_basis": DISTANCE_BASIS,
        "distance_note": straight_line_note(),
        "hazard_types": hazard_types,
        "features": chosen,
    }


def _suitability_text(properties, hazard_types, names, field) -> str:
    separator = ", " if translation.get_language() == "en" else "、"
    if not hazard_types:
        designated = [code_label(field.code(v)) or v for v in properties.get(DISASTERS_FIELD) or []]
        if not designated:
            return pgettext("hazard report", "No disaster types given")
        return pgettext("hazard report", "Designated for: %(disasters)s") % {"disasters": separator.join(designated)}
    suitable = [names[h] for h in hazard_types if h in properties["suitable_for"]]
    unsuitable = [names[h] for h in hazard_types if h not in properties["suitable_for"]]
    texts = []
    if suitable:
        texts.append(pgettext("hazard report", "Suitable for %(hazards)s") % {"hazards": separator.join(suitable)})
    if unsuitable:
        texts.append(
            pgettext("hazard report", "Not suitable for %(hazards)s (not designated, or inside its zone)")
            % {"hazards": separator.join(unsuitable)}
        )
    return " / ".join(texts)
