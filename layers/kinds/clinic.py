"""医療機関 (hospitals and clinics), 推奨データセット 医療機関一覧."""

from .base import CODE, INTEGER, STRING, TAGS, Code, Field, LayerKind

KIND = LayerKind(
    slug="clinic",
    label_ja="医療機関",
    label_en="Hospitals and clinics",
    geometry_types=("Point",),
    source_id_columns=("医療機関コード", "ID", "施設ID", "NO"),
    name_columns=("名称", "施設名"),
    name_kana_columns=("名称_カナ", "施設名かな"),
    address_columns=("住所", "所在地_連結表記", "所在地"),
    fields=(
        Field(
            "clinic_type",
            CODE,
            "医療機関の種類",
            "Type",
            codes=(
                Code("病院", "病院", "Hospital"),
                Code("有床診療所", "有床診療所", "Clinic with beds"),
                Code("無床診療所", "無床診療所", "Clinic without beds"),
            ),
            filterable=True,
            columns=("医療機関の種類",),
        ),
        Field(
            "departments",
            TAGS,
            "診療科目",
            "Departments",
            filterable=True,
            columns=("診療科目",),
        ),
        Field("beds", INTEGER, "病床数", "Beds", columns=("病床数",), minimum=0),
        Field("days", STRING, "診療曜日", "Days open", columns=("診療曜日",)),
        Field("opening_time", STRING, "診療開始時間", "Opens", columns=("診療開始時間",)),
        Field("closing_time", STRING, "診療終了時間", "Closes", columns=("診療終了時間",)),
        Field("phone", STRING, "電話番号", "Phone", columns=("電話番号", "TEL")),
        Field("url", STRING, "URL", "URL", columns=("URL",)),
    ),
    tile_properties=("clinic_type",),
    min_zoom=11,
)
