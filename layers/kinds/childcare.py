"""子育て施設 (childcare: nurseries, kindergartens, certified centres), 推奨データセット 子育て施設一覧."""

from .base import BOOLEAN, CODE, INTEGER, STRING, Code, Field, LayerKind

FACILITY_TYPES = (
    Code("公立幼稚園", "公立幼稚園", "Public kindergarten"),
    Code("私立幼稚園", "私立幼稚園", "Private kindergarten"),
    Code("認可公立保育所", "認可公立保育所", "Licensed public nursery"),
    Code("認可私立保育所", "認可私立保育所", "Licensed private nursery"),
    Code("認可外保育所", "認可外保育所", "Unlicensed nursery"),
    Code(
        "認定こども園（幼保連携型）",
        "認定こども園（幼保連携型）",
        "Certified centre (integrated)",
    ),
    Code(
        "認定こども園（幼稚園型）",
        "認定こども園（幼稚園型）",
        "Certified centre (kindergarten type)",
    ),
    Code(
        "認定こども園（保育所型）",
        "認定こども園（保育所型）",
        "Certified centre (nursery type)",
    ),
    Code(
        "認定こども園（地方裁量型）",
        "認定こども園（地方裁量型）",
        "Certified centre (local type)",
    ),
    # Municipal files (e.g. 大阪市 施設情報ポイント) often say only 保育所 or 幼稚園.
    Code("保育所", "保育所", "Nursery"),
    Code("幼稚園", "幼稚園", "Kindergarten"),
    # Also in real 子育て施設一覧 files (the standard's list is not closed; see open_codes below).
    Code("放課後児童クラブ", "放課後児童クラブ", "After-school club"),
    Code("児童館", "児童館", "Children's hall"),
    Code("その他", "その他", "Other"),
)

KIND = LayerKind(
    slug="childcare",
    label_ja="子育て施設",
    label_en="Childcare facilities",
    geometry_types=("Point",),
    source_id_columns=("ID", "施設ID", "NO"),
    name_columns=("名称", "施設名"),
    name_kana_columns=("名称_カナ", "施設名かな"),
    address_columns=("住所", "所在地_連結表記", "所在地"),
    fields=(
        Field(
            "facility_type",
            CODE,
            "種別",
            "Facility type",
            codes=FACILITY_TYPES,
            filterable=True,
            columns=("種別", "小分類"),
            open_codes=True,
        ),
        Field(
            "capacity",
            INTEGER,
            "収容定員",
            "Capacity",
            columns=("収容定員",),
            minimum=0,
        ),
        Field("accepted_ages", STRING, "受入年齢", "Accepted ages", columns=("受入年齢",)),
        Field(
            "temporary_care",
            BOOLEAN,
            "一時預かり",
            "Temporary care",
            filterable=True,
            columns=("一時預かりの有無",),
        ),
        Field("opening_time", STRING, "開始時間", "Opens", columns=("開始時間",)),
        Field("closing_time", STRING, "終了時間", "Closes", columns=("終了時間",)),
        Field("phone", STRING, "電話番号", "Phone", columns=("電話番号", "TEL")),
        Field("url", STRING, "URL", "URL", columns=("URL",)),
    ),
    tile_properties=("facility_type", "capacity"),
    min_zoom=10,
)
