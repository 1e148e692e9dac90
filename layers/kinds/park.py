"""公園 (urban parks): 国土数値情報 P13 都市公園 and municipal park lists."""

from .base import CODE, INTEGER, NUMBER, STRING, TAGS, Code, Field, LayerKind

# P13_004 公園種別 as listed for 国土数値情報 都市公園 (ParkTypeCode); verify before using in a legend.
PARK_TYPES = (
    Code("1", "街区公園", "Block park"),
    Code("2", "近隣公園", "Neighbourhood park"),
    Code("3", "地区公園", "District park"),
    Code("4", "総合公園", "Comprehensive park"),
    Code("5", "運動公園", "Sports park"),
    Code("6", "広域公園", "Regional park"),
    Code("7", "レクリエーション都市", "Recreation city"),
    Code("8", "国営公園", "National government park"),
    Code("9", "特殊公園", "Special park"),
    Code("10", "緩衝緑地", "Buffer green space"),
    Code("11", "都市緑地", "Urban green space"),
    Code("12", "緑道", "Green way"),
    Code("13", "都市林", "Urban forest"),
    Code("14", "広場公園", "Plaza park"),
)


def derive(source_id: str, properties: dict, attributes: dict) -> dict:
    """P13's manager: the municipality (P13_002) where one manages the park, else P13_001."""
    if properties.get("manager"):
        return {}
    for column in ("P13_002", "P13_001"):
        value = str(attributes.get(column) or "").strip()
        if value:
            return {"manager": value}
    return {}


KIND = LayerKind(
    slug="park",
    label_ja="公園",
    label_en="Parks",
    geometry_types=("Point", "Polygon"),
    source_id_columns=("ID", "施設ID", "NO"),
    name_columns=("名称", "施設名", "P13_003"),
    name_kana_columns=("名称_カナ", "施設名かな"),
    address_columns=("住所", "所在地_連結表記", "所在地"),
    fields=(
        Field(
            "park_type",
            CODE,
            "公園種別",
            "Park type",
            codes=PARK_TYPES,
            filterable=True,
            columns=("P13_004",),
        ),
        Field(
            "area_m2",
            NUMBER,
            "面積（㎡）",
            "Area (m²)",
            columns=("P13_008", "面積"),
            minimum=0,
        ),
        Field(
            "opened_year",
            INTEGER,
            "供用開始年",
            "Opened in",
            columns=("P13_007",),
            minimum=1800,
            maximum=2100,
            unknown_values=("9999",),
        ),
        Field(
            "facilities",
            TAGS,
            "施設・設備",
            "Facilities",
            filterable=True,
            columns=("設備", "施設"),
        ),
        # 国土数値情報 P13: P13_001 the managing prefecture or national office (大阪府, 近畿地方整備局),
        # P13_002 the managing municipality where there is one; P13_005/P13_006 are the location's
        # prefecture and municipality, not the manager. See derive().
        Field("manager", STRING, "管理者", "Managed by", columns=("管理者",)),
        Field("url", STRING, "URL", "URL", columns=("URL",)),
    ),
    tile_properties=("park_type", "area_m2"),
    min_zoom=11,
    derive=derive,
)
