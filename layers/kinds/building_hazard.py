"""Building hazard exposure: the assumed inundation at each building, from PLATEAU 3D city models.

PLATEAU's building models (bldg:Building, i-UR 2.0 `uro:buildingDisasterRiskAttribute` / 3.x
`uro:bldgDisasterRiskAttribute`) carry, per building, the depth and rank that the official hazard maps
assume there: river flood (洪水浸水想定, with the scale L1 計画規模 or L2 想定最大規模, the duration and
the river), storm surge (高潮浸水想定) and tsunami (津波浸水想定).

Sources: PLATEAU 3D都市モデル標準製品仕様書 (i-UR: BuildingRiverFloodingRiskAttribute,
BuildingHighTideRiskAttribute, BuildingTsunamiRiskAttribute); rank code lists
RiverFloodingRiskAttribute_rank.xml etc. (the six ranks of 水害ハザードマップ作成の手引き);
scale code list RiverFloodingRiskAttribute_scale.xml: 1 = L1 計画規模, 2 = L2 想定最大規模.
"""

from .base import INTEGER, NUMBER, STRING, TAGS, Field, LayerKind
from .hazard_zone import DEPTH_RANKS

HAZARDS = ("flood", "flood_planned", "storm_surge", "tsunami")  # flood: 想定最大規模 (L2); planned: 計画規模 (L1)


def _depth(name, label_ja, label_en):
    return Field(f"{name}_depth_m", NUMBER, label_ja, label_en, minimum=0, maximum=100)


def _rank(name, label_ja, label_en):
    return Field(f"{name}_rank", INTEGER, label_ja, label_en, codes=DEPTH_RANKS, minimum=1, maximum=6)


def _numbers(values, cast):
    out = []
    for value in values:
        try:
            out.append(cast(value))
        except (TypeError, ValueError):
            continue  # absent or unreadable: validation reports the field itself
    return out


def derive(source_id: str, properties: dict, attributes: dict) -> dict:
    """The deepest assumed depth and highest rank over every hazard: what the map colours by."""
    depths = _numbers((properties.get(f"{h}_depth_m") for h in HAZARDS), float)
    ranks = _numbers((properties.get(f"{h}_rank") for h in HAZARDS), int)
    derived = {}
    if depths:
        derived["deepest_m"] = max(depths)
    if ranks:
        derived["deepest_rank"] = max(ranks)
    return derived


KIND = LayerKind(
    slug="building_hazard",
    label_ja="建物ごとの浸水想定",
    label_en="Assumed inundation per building",
    geometry_types=("Polygon",),
    source_id_columns=("building_id", "id"),
    name_columns=("name",),
    address_columns=("address",),
    fields=(
        Field("building_id", STRING, "建物ID", "Building ID"),
        _depth("flood", "洪水 浸水深（想定最大規模）", "River flood depth (largest assumed rainfall, L2)"),
        _rank("flood", "洪水 浸水ランク（想定最大規模）", "River flood rank (L2)"),
        _depth("flood_planned", "洪水 浸水深（計画規模）", "River flood depth (planned scale, L1)"),
        _rank("flood_planned", "洪水 浸水ランク（計画規模）", "River flood rank (L1)"),
        Field("flood_duration_h", NUMBER, "浸水継続時間（時間）", "Flood duration (hours)", minimum=0),
        Field("flood_rivers", TAGS, "河川コード", "River codes"),
        _depth("storm_surge", "高潮 浸水深", "Storm surge depth"),
        _rank("storm_surge", "高潮 浸水ランク", "Storm surge rank"),
        _depth("tsunami", "津波 浸水深", "Tsunami depth"),
        _rank("tsunami", "津波 浸水ランク", "Tsunami rank"),
        Field("deepest_m", NUMBER, "最大の浸水深", "Deepest assumed depth", minimum=0),
        Field("deepest_rank", INTEGER, "最大の浸水ランク", "Highest depth rank", codes=DEPTH_RANKS, filterable=True),
        Field("storeys", INTEGER, "地上階数", "Storeys above ground", minimum=0),
    ),
    tile_properties=("deepest_rank", "deepest_m"),
    min_zoom=15,
    name_required=False,
    derive_reading=False,
    derive=derive,
    # Only PLATEAU building models hold these attributes; a hazard-zone file is refused, and this file
    # is refused by every other kind.
    dedicated_format="plateau-bldg",
)
