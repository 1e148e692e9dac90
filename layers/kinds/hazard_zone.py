"""Hazard zones: 洪水・土砂災害・津波・高潮・内水 (国土数値情報 A31a, A33, A40, A49, A51; PLATEAU)."""

import re
import unicodedata

from .base import BOOLEAN, CODE, INTEGER, NUMBER, STRING, Code, Field, LayerKind

HAZARD_TYPES = (
    Code("flood", "洪水", "River flood"),
    Code("landslide", "土砂災害", "Landslide"),
    Code("tsunami", "津波", "Tsunami"),
    Code("storm_surge", "高潮", "Storm surge"),
    Code("inland_flood", "内水氾濫", "Inland flooding"),
)

# The six depth ranks of 水害ハザードマップ作成の手引き (MLIT, 2016), with its standard colours (RGB
# 247,245,169 / 255,216,192 / 255,183,183 / 255,145,145 / 242,133,201 / 220,122,220), so residents see
# the colours of their paper hazard map. KSJ A31a_205 and PLATEAU's *_rank.xml use the same six codes.
DEPTH_RANKS = (
    Code("1", "0.5m未満", "under 0.5 m", colour="#f7f5a9"),
    Code("2", "0.5m以上3m未満", "0.5–3 m", colour="#ffd8c0"),
    Code("3", "3m以上5m未満", "3–5 m", colour="#ffb7b7"),
    Code("4", "5m以上10m未満", "5–10 m", colour="#ff9191"),
    Code("5", "10m以上20m未満", "10–20 m", colour="#f285c9"),
    Code("6", "20m以上", "20 m or more", colour="#dc7adc"),
)
# The ranks' bounds in metres, [lower, upper): a depth band gets the rank it lies inside, never one it
# only overlaps, so "0.3m以上1.0m未満" (ranks 1 and 2) is kept as a band, not forced into a rank.
RANK_BOUNDS = {1: (0.0, 0.5), 2: (0.5, 3.0), 3: (3.0, 5.0), 4: (5.0, 10.0), 5: (10.0, 20.0), 6: (20.0, None)}
# 国土数値情報 A31 平成24年度版 (A31-12): A31_001 浸水深 in the five ranks of the hazard maps of that time.
A31_2012_BANDS = {
    "11": "0.5m未満",
    "12": "0.5m以上1.0m未満",
    "13": "1.0m以上2.0m未満",
    "14": "2.0m以上5.0m未満",
    "15": "5.0m以上",
}
_BAND_NUMBER = r"(\d+(?:\.\d+)?)\s*m?"
_BAND_PATTERNS = (
    (re.compile(_BAND_NUMBER + r"以上\s*" + _BAND_NUMBER + r"未満"), "both"),
    (re.compile(_BAND_NUMBER + r"\s*[～~〜\-－ー]\s*" + _BAND_NUMBER), "both"),
    (re.compile(_BAND_NUMBER + r"未満"), "upper"),
    (re.compile(_BAND_NUMBER + r"以上"), "lower"),
)

# Which 国土数値情報 dataset a row comes from, told by its attribute names.
_DATASET_PREFIXES = (
    ("A31", "flood"),
    ("A33", "landslide"),
    ("A40", "tsunami"),
    ("A49", "storm_surge"),
    ("A51", "inland_flood"),
)


def depth_band(text) -> tuple[float, float | None] | None:
    """'0.3m以上1.0m未満' → (0.3, 1.0), '0.5m未満' → (0, 0.5), '5m以上' → (5, None); None without a depth."""
    normalised = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "")
    for pattern, kind in _BAND_PATTERNS:
        match = pattern.search(normalised)
        if match is None:
            continue
        numbers = [float(n) for n in match.groups()]
        if kind == "both":
            return numbers[0], numbers[1]
        return (0.0, numbers[0]) if kind == "upper" else (numbers[0], None)
    return None


def rank_of_band(lower: float, upper: float | None) -> int | None:
    """The rank whose bounds hold the whole band, or None when the band straddles ranks."""
    for rank, (low, high) in RANK_BOUNDS.items():
        if upper is None:
            fits_below = high is None  # open-ended ("5m以上"): only the open-ended top rank holds it
        else:
            fits_below = high is None or upper <= high
        if lower >= low and fits_below:
            return rank
    return None


def rank_at_least(lower: float) -> int:
    """The rank a depth of `lower` metres falls in: how severe a band is at the least, for ordering."""
    return next(rank for rank, (low, _high) in reversed(RANK_BOUNDS.items()) if lower >= low)


def rank_from_depth_text(text) -> int | None:
    """'0.3m以上0.5m未満' → 1, '3m以上5m未満' → 3; None for no depth or a band that straddles ranks."""
    band = depth_band(text)
    return rank_of_band(*band) if band else None


def derive(source_id: str, properties: dict, attributes: dict) -> dict:
    derived = {}
    if not properties.get("hazard_type"):
        for prefix, hazard in _DATASET_PREFIXES:
            if any(str(name).startswith(prefix) for name in attributes):
                derived["hazard_type"] = hazard
                break
    label = properties.get("depth_label")
    if not label and str(attributes.get("A31_001") or "").strip() in A31_2012_BANDS:
        label = derived["depth_label"] = A31_2012_BANDS[str(attributes["A31_001"]).strip()]
    band = depth_band(label) if label else None
    if band:
        derived["depth_min_m"], derived["depth_max_m"] = band
        if not properties.get("depth_rank"):
            derived["depth_rank"] = rank_of_band(*band)
    return {k: v for k, v in derived.items() if v is not None}


KIND = LayerKind(
    slug="hazard_zone",
    label_ja="災害リスク区域",
    label_en="Hazard zones",
    geometry_types=("Polygon",),
    source_id_columns=("id", "ID", "A33_004"),
    name_columns=("name", "名称", "A33_005"),
    address_columns=("A33_006",),
    fields=(
        Field("hazard_type", CODE, "災害の種類", "Hazard type", codes=HAZARD_TYPES, filterable=True, required=True),
        Field(
            "depth_rank",
            INTEGER,
            "浸水深ランク",
            "Depth rank",
            codes=DEPTH_RANKS,
            filterable=True,
            # 想定最大規模 (…_205) before 計画規模 (…_105); A31_305 is the duration rank, not a depth.
            columns=("A31a_205", "A31a_105", "A31_205", "A31_105"),
            minimum=1,
            maximum=6,
        ),
        # A40, A49 and A51 state the depth as a text band ("0.3m以上1.0m未満"): kept as written, with its
        # bounds; a rank only where the band lies inside one (derive()).
        Field("depth_label", STRING, "浸水深", "Depth", columns=("A40_003", "A49_003", "A51_005")),
        Field("depth_min_m", NUMBER, "浸水深（下限, m）", "Depth from (m)", minimum=0),
        Field("depth_max_m", NUMBER, "浸水深（上限, m）", "Depth up to (m)", minimum=0),
        Field(
            "zone_class",
            CODE,
            "区域区分",
            "Zone class",
            codes=(
                Code("warning", "土砂災害警戒区域", "Warning zone", aliases=("1",)),
                Code("special_warning", "土砂災害特別警戒区域", "Special warning zone", aliases=("2",)),
                # A33_002 3 and 4: surveyed areas not yet designated (基礎調査結果公表の区域).
                Code(
                    "warning_surveyed",
                    "土砂災害警戒区域相当（指定前）",
                    "Warning-level area (not yet designated)",
                    aliases=("3",),
                ),
                Code(
                    "special_warning_surveyed",
                    "土砂災害特別警戒区域相当（指定前）",
                    "Special-warning-level area (not yet designated)",
                    aliases=("4",),
                ),
            ),
            filterable=True,
            columns=("A33_002",),
        ),
        Field(
            "phenomenon",
            CODE,
            "現象の種類",
            "Phenomenon",
            codes=(
                Code("steep_slope", "急傾斜地の崩壊", "Steep slope failure", aliases=("1",)),
                Code("debris_flow", "土石流", "Debris flow", aliases=("2",)),
                Code("landslide", "地すべり", "Landslide", aliases=("3",)),
            ),
            filterable=True,
            columns=("A33_001",),
        ),
        Field("river", STRING, "河川名", "River", columns=("A31a_202", "A31a_102")),
        Field("designated_on", STRING, "公示日", "Designated on", columns=("A33_007",)),
        # A33_008 特別警戒未指定フラグ: the special-warning part of this area is not designated (yet).
        Field(
            "special_warning_undesignated",
            BOOLEAN,
            "特別警戒区域 未指定",
            "Special warning zone not designated",
            columns=("A33_008",),
        ),
        Field("source", STRING, "出典", "Source"),
    ),
    tile_properties=("hazard_type", "depth_rank", "zone_class"),
    min_zoom=8,
    name_required=False,
    derive_reading=False,
    derive=derive,
)
