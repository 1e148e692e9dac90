"""Hazard zones: 洪水・土砂災害・津波・高潮・内水 (国土数値情報 A31a, A33, A40, A49, A51; PLATEAU)."""

import re
import unicodedata

from .base import CODE, INTEGER, STRING, Code, Field, LayerKind

HAZARD_TYPES = (
    Code("flood", "洪水", "River flood"),
    Code("landslide", "土砂災害", "Landslide"),
    Code("tsunami", "津波", "Tsunami"),
    Code("storm_surge", "高潮", "Storm surge"),
    Code("inland_flood", "内水氾濫", "Inland flooding"),
)

# The common six-rank depth table used with A31a_205 (verify against KSJ water_depth_code).
DEPTH_RANKS = (
    Code("1", "0.5m未満", "under 0.5 m"),
    Code("2", "0.5m以上3m未満", "0.5–3 m"),
    Code("3", "3m以上5m未満", "3–5 m"),
    Code("4", "5m以上10m未満", "5–10 m"),
    Code("5", "10m以上20m未満", "10–20 m"),
    Code("6", "20m以上", "20 m or more"),
)
# Lower bounds (m) of the ranks above, to rank a depth written as text (A40_003, A49_003).
_RANK_LOWER_BOUNDS = ((20, 6), (10, 5), (5, 4), (3, 3), (0.5, 2), (0, 1))

# Which 国土数値情報 dataset a row comes from, told by its attribute names.
_DATASET_PREFIXES = (
    ("A31", "flood"),
    ("A33", "landslide"),
    ("A40", "tsunami"),
    ("A49", "storm_surge"),
    ("A51", "inland_flood"),
)


def rank_from_depth_text(text) -> int | None:
    """'0.3m以上0.5m未満' → 1, '5m以上' → 4; None when the text holds no depth."""
    numbers = re.findall(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", str(text or "")))
    if not numbers:
        return None
    lower = float(numbers[0])
    if "未満" in str(text) and "以上" not in str(text):
        lower = 0.0  # "0.5m未満": below the first bound
    return next(rank for bound, rank in _RANK_LOWER_BOUNDS if lower >= bound)


def derive(source_id: str, properties: dict, attributes: dict) -> dict:
    derived = {}
    if not properties.get("hazard_type"):
        for prefix, hazard in _DATASET_PREFIXES:
            if any(str(name).startswith(prefix) for name in attributes):
                derived["hazard_type"] = hazard
                break
    if not properties.get("depth_rank") and properties.get("depth_label"):
        derived["depth_rank"] = rank_from_depth_text(properties["depth_label"])
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
            columns=("A31a_205", "A31a_105", "A31_205", "A51_005"),
            minimum=1,
            maximum=6,
        ),
        Field("depth_label", STRING, "浸水深", "Depth", columns=("A40_003", "A49_003")),
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
        Field("source", STRING, "出典", "Source"),
    ),
    tile_properties=("hazard_type", "depth_rank", "zone_class"),
    min_zoom=8,
    name_required=False,
    derive=derive,
)
