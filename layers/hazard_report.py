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
from django.utils import timezone

from .caching import catalogue_fingerprint
from .models import Feature, HazardAdvice, Layer, Municipality, Ward
from .nearest import (
    HAZARD_FIELD,
    SHELTER_DISASTER_FOR_HAZARD,
    NearestQuery,
    hazard_layers,
    nearest_features,
    suitability_layers,
)
from .selection import Selection
from .shelter_status import feed_fingerprint

LANGUAGES = ("ja", "en", "easy")
# The `lang` attribute for each: やさしい日本語 is Japanese.
HTML_LANG = {"ja": "ja", "en": "en", "easy": "ja"}
SHELTERS_PER_HAZARD = 3
DEPTH_FIELD = "depth_rank"
ZONE_CLASS_FIELD = "zone_class"
# Landslide zone classes from the least to the most severe (a surveyed area counts as its class).
ZONE_CLASS_SEVERITY = {"warning_surveyed": 1, "warning": 2, "special_warning_surveyed": 3, "special_warning": 4}
# Words in a layer's source, attribution or licence that mark its data as a sample, not a real survey.
SAMPLE_MARKERS = ("架空", "sample", "fictional")

# ---------------------------------------------------------------- words, in the three languages

PHRASES = {
    "title": ("この場所の災害リスク", "Hazards at this place", "この 場所の 災害の きけん"),
    "location": ("場所", "Location", "場所"),
    "coordinates": ("緯度 {lat}、経度 {lon}", "Latitude {lat}, longitude {lon}", "緯度 {lat}、経度 {lon}"),
    "outside_prefecture": (
        "この地点は大阪府の区域外です。この地図は大阪府内の情報だけを扱っています。",
        "This point is outside Osaka Prefecture. This map covers Osaka Prefecture only.",
        "この 場所は 大阪府の 外です。この 地図は 大阪府の 中の ことだけ わかります。",
    ),
    "summary_inside": (
        "この場所は次の区域の中にあります：{hazards}",
        "This place is inside: {hazards}",
        "この 場所は つぎの 区域の 中です：{hazards}",
    ),
    "summary_none": (
        "この場所は、データにある災害の想定区域のどれにも入っていません。",
        "This place is outside every hazard zone in the data.",
        "この 場所は、あぶない 区域の 中では ありません。",
    ),
    "inside": ("想定区域内", "Inside a hazard zone", "あぶない 区域の 中"),
    "outside": ("想定区域外", "Not in a mapped zone", "あぶない 区域の 外"),
    "depth": ("想定される浸水の深さ", "Expected depth of water", "水の 深さ"),
    "zone_class": ("区域の種類", "Zone", "区域"),
    "overlapping": (
        "{count}つの区域が重なっています。最も危険な区域を示しています。",
        "{count} zones overlap here; the most severe is shown.",
        "{count}つの 区域が かさなって います。いちばん あぶない 区域を 見せて います。",
    ),
    "action": ("とるべき行動", "What to do", "する こと"),
    "shelters": (
        "近くの避難場所（{hazard}に対応、区域外）",
        "Nearest shelters for {hazard} (outside the zone)",
        "近くの 避難所（{hazard}の とき）",
    ),
    "no_shelters": (
        "この災害に対応する区域外の避難場所は見つかりませんでした。",
        "No shelter designated for this hazard was found outside its zones.",
        "この 災害の ときに 行ける 避難所は 見つかりませんでした。",
    ),
    "distance": ("約{distance}", "about {distance}", "やく {distance}"),
    "status": ("開設状況", "Status", "あいて いるか"),
    "source": ("出典", "Source", "データの 出どころ"),
    "updated": ("更新日", "Updated", "データの 日づけ"),
    "sources": ("データについて", "About the data", "データに ついて"),
    "sample_note": (
        "注意：この災害リスク情報はデモ用の架空のサンプルデータです。実際の危険を示すものではありません。"
        "お住まいの市町村の公式ハザードマップを確認してください。",
        "Note: this hazard information is fictional sample data for a demonstration. It does not show real "
        "risk. Check your municipality's official hazard map.",
        "ちゅうい：この 情報は れんしゅう用の 本当では ない データです。本当の きけんでは ありません。"
        "市や 町の ハザードマップを 見て ください。",
    ),
    "not_safe_note": (
        "区域の外でも安全とは限りません。想定を超える災害が起きることがあります。",
        "Being outside a mapped zone does not mean you are safe: a disaster can go beyond what was mapped.",
        "区域の 外でも、あんぜんとは かぎりません。",
    ),
    "language": ("言語", "Language", "ことば"),
    "ask_point": (
        "緯度と経度を入力してください（例：緯度 34.7615、経度 135.5168）。",
        "Enter a latitude and longitude (for example 34.7615 and 135.5168).",
        "緯度と 経度を 入れて ください（れい：緯度 34.7615、経度 135.5168）。",
    ),
    "latitude": ("緯度", "Latitude", "緯度"),
    "longitude": ("経度", "Longitude", "経度"),
    "show": ("表示する", "Show", "見る"),
    "bad_point": (
        "緯度と経度を確かめてください。",
        "Check the latitude and longitude.",
        "緯度と 経度を たしかめて ください。",
    ),
}
LANGUAGE_NAMES = {"ja": "日本語", "en": "English", "easy": "やさしい日本語"}
EASY_HAZARD_NAMES = {
    "flood": "こう水（川の 水が あふれる）",
    "landslide": "土砂災害（がけや 山が くずれる）",
    "tsunami": "津波",
    "storm_surge": "高潮（台風で 海の 水が 高く なる）",
    "inland_flood": "内水氾濫（大雨で 町に 水が あふれる）",
}
EASY_ZONE_CLASSES = {
    "warning": "あぶない 区域（土砂災害警戒区域）",
    "special_warning": "とても あぶない 区域（土砂災害特別警戒区域）",
}
STATUS_WORDS = {
    "open": ("開設中", "Open", "あいて います"),
    "permanent": ("常設", "Always open", "いつも あいて います"),
    "not_open": ("未開設", "Not open", "まだ あいて いません"),
    "closed": ("閉鎖", "Closed", "しまりました"),
    "unknown": ("不明", "Unknown", "わかりません"),
}


def phrase(name, lang, **values) -> str:
    text = PHRASES[name][LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def phrases(lang) -> dict:
    return {name: texts[LANGUAGES.index(lang)] for name, texts in PHRASES.items()}


def _label(code, lang, easy=None):
    if code is None:
        return None
    if lang == "en":
        return code.label_en
    if lang == "easy" and easy and code.value in easy:
        return easy[code.value]
    return code.label_ja


def distance_text(metres, lang) -> str:
    distance = f"{metres / 1000:.1f} km" if metres >= 1000 else f"{round(metres, -1):.0f} m"
    return phrase("distance", lang, distance=distance)


def status_text(state: dict, lang) -> str:
    return STATUS_WORDS.get(state["status"], STATUS_WORDS["unknown"])[LANGUAGES.index(lang)]


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
        return (self.props.get(DEPTH_FIELD) or 0, ZONE_CLASS_SEVERITY.get(self.props.get(ZONE_CLASS_FIELD), 0))

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
    point = Point(lon, lat, srid=4326)
    report = {"point": {"lat": lat, "lon": lon}, "lang": lang, "title": phrase("title", lang)}
    municipality, ward = place_at(point)
    if municipality is None:
        return {
            **report,
            "inside_prefecture": False,
            "message": phrase("outside_prefecture", lang),
            "municipality": None,
            "ward": None,
            "hazards": [],
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
    notes = ([phrase("sample_note", lang)] if sample else []) + [phrase("not_safe_note", lang)]
    return {
        **report,
        "inside_prefecture": True,
        "message": phrase("summary_inside", lang, hazards="、".join(inside) if lang != "en" else ", ".join(inside))
        if inside
        else phrase("summary_none", lang),
        "municipality": _place(municipality),
        "ward": _place(ward) if ward else None,
        "hazards": hazards,
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
    name = _label(hazard_code, lang, EASY_HAZARD_NAMES) if hazard_code else hazard_type
    short_name = _label(hazard_code, lang) if hazard_code else hazard_type  # 洪水, not the explanation
    out = {"hazard_type": hazard_type, "name": name, "short_name": short_name, "inside": bool(zones)}
    out["status_text"] = phrase("inside" if zones else "outside", lang)
    worst = zones[0] if zones else None
    out["level"] = _level(worst, kind, lang) if worst else None
    out["zone_count"] = len(zones)
    out["zones"] = [_zone(z) for z in zones]
    chosen = None
    if worst:
        chosen = advice.get((hazard_type, worst.level_key())) or advice.get((hazard_type, ""))
    out["advice"] = chosen.action(lang) if chosen else None
    out["shelters"] = nearest_suitable_shelters(point, hazard_type) if worst else []
    out["sources"] = [_source(layer, lang) for layer in ([worst.feature.layer] if worst else sources)]
    return out


def _level(zone: Zone, kind, lang) -> dict:
    rank = zone.props.get(DEPTH_FIELD)
    zone_class = zone.props.get(ZONE_CLASS_FIELD)
    level = {"depth_rank": rank, "zone_class": zone_class, "label": None, "heading": None}
    if rank:
        level["label"] = _label(kind.fields_by_name[DEPTH_FIELD].code(str(rank)), lang) or str(rank)
        level["heading"] = phrase("depth", lang)
    elif zone_class:
        level["label"] = _label(kind.fields_by_name[ZONE_CLASS_FIELD].code(zone_class), lang, EASY_ZONE_CLASSES)
        level["heading"] = phrase("zone_class", lang)
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
