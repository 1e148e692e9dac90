"""指定緊急避難場所・指定避難所 (designated emergency evacuation sites and designated shelters).

Columns follow GSI's CSV/GeoJSON (`…_1`, `…_2`) and the 自治体標準オープンデータセット 03.
"""

from .base import BOOLEAN, CODE, CODES, INTEGER, STRING, Code, Field, LayerKind


def _flag(value, ja, en):
    # GSI writes e.g. "洪水"; the standard dataset "災害種別_洪水"; the older GSI layout "大規模火事".
    columns = (ja, f"災害種別_{ja}")
    if ja == "大規模な火事":
        columns += ("大規模火事", "災害種別_大規模火事")
    return Code(value, ja, en, flag_columns=columns)


DISASTER_TYPES = (
    _flag("flood", "洪水", "Flood"),
    _flag("landslide", "崖崩れ、土石流及び地滑り", "Landslide, debris flow"),
    _flag("storm_surge", "高潮", "Storm surge"),
    _flag("earthquake", "地震", "Earthquake"),
    _flag("tsunami", "津波", "Tsunami"),
    _flag("large_fire", "大規模な火事", "Large-scale fire"),
    _flag("inland_flood", "内水氾濫", "Inland flooding"),
    _flag("volcano", "火山現象", "Volcanic phenomena"),
)


def derive(source_id: str, properties: dict, attributes: dict) -> dict:
    """Designation and shelter type from the 共通ID (E + code5 + serial5 + major + minor + seq).

    Major type 1 is 指定避難所 (minor 1 general, 2 welfare), 2 is 指定緊急避難場所.
    Without a 共通ID, a row with disaster flags is an emergency site (only those carry flags).
    """
    derived = {}
    if len(source_id) == 14 and source_id[0] == "E":
        major, minor = source_id[11], source_id[12]
        if major == "1":
            derived["designation"] = "shelter"
            derived["shelter_type"] = {"1": "general", "2": "welfare"}.get(minor)
        elif major == "2":
            derived["designation"] = "emergency_site"
    elif properties.get("disasters"):
        derived["designation"] = "emergency_site"
    return {k: v for k, v in derived.items() if v and not properties.get(k)}


KIND = LayerKind(
    slug="shelter",
    label_ja="避難所・避難場所",
    label_en="Shelters and evacuation sites",
    geometry_types=("Point",),
    source_id_columns=("共通ID", "全国共通避難所・避難場所ID", "ID", "NO"),
    name_columns=("施設・場所名", "名称", "施設名"),
    name_kana_columns=("名称_カナ", "施設名かな"),
    address_columns=("住所", "所在地_連結表記", "所在地"),
    fields=(
        Field(
            "designation",
            CODE,
            "指定区分",
            "Designation",
            codes=(
                Code(
                    "emergency_site",
                    "指定緊急避難場所",
                    "Designated emergency evacuation site",
                ),
                Code("shelter", "指定避難所", "Designated shelter"),
            ),
            # The facility's main role; residents filter by `designations`, which holds all of them.
            required=True,
        ),
        # One facility, one record: what it is designated as, in both lists (importers/facilities.py).
        Field(
            "designations",
            CODES,
            "指定区分（すべて）",
            "Designations",
            codes=(
                Code("emergency_site", "指定緊急避難場所", "Designated emergency evacuation site"),
                Code("shelter", "指定避難所", "Designated shelter"),
                Code("welfare_shelter", "福祉避難所", "Welfare shelter"),
            ),
            filterable=True,
        ),
        Field("emergency_site_id", STRING, "共通ID（指定緊急避難場所）", "ID as emergency site"),
        Field("shelter_id", STRING, "共通ID（指定避難所）", "ID as shelter"),
        Field("emergency_site_name", STRING, "指定緊急避難場所としての名称", "Name as emergency site"),
        Field(
            "pairing",
            CODE,
            "2つの一覧の対応",
            "Pairing of the two lists",
            codes=(
                Code("certain", "確実", "Certain"),
                Code("probable", "推定", "Probable"),
            ),
        ),
        Field(
            "shelter_type",
            CODE,
            "避難所の種類",
            "Shelter type",
            codes=(
                Code("general", "一般避難所", "General shelter"),
                Code("welfare", "福祉避難所", "Welfare shelter"),
            ),
            filterable=True,
        ),
        Field(
            "disasters",
            CODES,
            "対象とする災害",
            "Disaster types",
            codes=DISASTER_TYPES,
            filterable=True,
        ),
        Field(
            "also_other_designation",
            BOOLEAN,
            "指定避難所・避難場所との重複",
            "Also the other designation",
            columns=(
                "指定避難所との住所同一",
                "指定避難所との重複",
                "指定緊急避難場所との住所同一",
            ),
        ),
        Field(
            "capacity",
            INTEGER,
            "想定収容人数",
            "Capacity",
            columns=("想定収容人数",),
            minimum=0,
        ),
        Field(
            "accepted_people",
            STRING,
            "受入対象者",
            "Who is accepted",
            columns=("受入対象者",),
        ),
        Field("phone", STRING, "電話番号", "Phone", columns=("電話番号",)),
        Field("url", STRING, "URL", "URL", columns=("URL",)),
        Field("remarks", STRING, "備考", "Remarks", columns=("備考",)),
    ),
    tile_properties=("designation", "designations", "shelter_type", "disasters", "capacity"),
    min_zoom=9,
    derive=derive,
    live_status=True,
    capacity_field="capacity",
    pairs_facilities=True,
)
