from django.db import migrations

# The first wording of the recommended actions; staff edit it in the admin afterwards, so this only
# adds rows that are missing and never overwrites an edit. Follows the Cabinet Office's evacuation
# guidelines (避難情報に関するガイドライン): leave the zone early; move upstairs only when leaving is too late.
# (hazard_type, level, ja, en, やさしい日本語); level "" is any level of that hazard.
ADVICE = [
    (
        "flood",
        "",
        "浸水のおそれがある区域です。大雨や川の増水の情報に注意し、避難情報が出たら早めに区域外の指定避難所へ避難してください。",
        "This area may flood. Watch the rain and river warnings, and when an evacuation advisory is issued, "
        "go early to a designated shelter outside the zone.",
        "大雨の とき、水が 来る かもしれない 場所です。にげる ように 言われたら、早く 避難所へ 行って ください。",
    ),
    (
        "flood",
        "1",
        "浸水のおそれがあります（0.5m未満）。大雨の時は地下や低い場所に近づかず、危ないと感じたら早めに避難してください。",
        "Shallow flooding (under 0.5 m) is expected. In heavy rain keep away from basements and low ground, "
        "and leave early if you feel unsafe.",
        "水が 少し 来る かもしれません。大雨の とき、地下には 行かないで ください。あぶないと 思ったら、早く にげて ください。",
    ),
    (
        "flood",
        "2",
        "1階が浸水するおそれがあります（0.5m以上3m未満）。避難情報が出たら早めに区域外の指定避難所へ避難してください。"
        "間に合わないときは、建物の2階以上へ移動してください。",
        "The ground floor may flood (0.5–3 m). When an evacuation advisory is issued, go early to a designated "
        "shelter outside the zone; if it is too late to leave, move to the second floor or higher.",
        "1階に 水が 来る かもしれません。にげる ように 言われたら、早く 避難所へ 行って ください。"
        "間に合わない ときは、2階より 上へ 行って ください。",
    ),
    (
        "flood",
        "3",
        "2階の床上まで浸水するおそれがあります（3m以上5m未満）。自宅にとどまるのは危険です。早めに区域外の指定避難所へ避難してください。",
        "Water may reach the second floor (3–5 m). Staying at home is dangerous: evacuate early to a designated "
        "shelter outside the zone.",
        "2階まで 水が 来る かもしれません。家に いると あぶないです。早く、水が 来ない 場所の 避難所へ にげて ください。",
    ),
    (
        "flood",
        "4",
        "2階の屋根まで浸水するおそれがあります（5m以上10m未満）。必ず早めに区域外の指定避難所へ避難してください。",
        "Water may reach the roof of a two-storey house (5–10 m). Be sure to evacuate early to a designated "
        "shelter outside the zone.",
        "家の 屋根まで 水が 来る かもしれません。必ず 早く、水が 来ない 場所の 避難所へ にげて ください。",
    ),
    (
        "flood",
        "5",
        "建物の4階以上まで浸水するおそれがあります（10m以上）。必ず早めに区域外の指定避難所へ避難してください。",
        "Water may reach the fourth floor or higher (10 m or more). Be sure to evacuate early to a designated "
        "shelter outside the zone.",
        "ビルの 4階より 上まで 水が 来る かもしれません。必ず 早く、水が 来ない 場所の 避難所へ にげて ください。",
    ),
    (
        "flood",
        "6",
        "建物の6階以上まで浸水するおそれがあります（20m以上）。必ず早めに区域外の指定避難所へ避難してください。",
        "Water may reach the sixth floor or higher (20 m or more). Be sure to evacuate early to a designated "
        "shelter outside the zone.",
        "ビルの 6階より 上まで 水が 来る かもしれません。必ず 早く、水が 来ない 場所の 避難所へ にげて ください。",
    ),
    (
        "landslide",
        "",
        "土砂災害のおそれがある区域です。大雨の時は土砂災害警戒情報に注意し、早めに区域の外の安全な場所へ避難してください。",
        "This area is at risk of landslides. In heavy rain, watch for landslide alerts and leave early for a safe "
        "place outside the zone.",
        "大雨の とき、山や がけの 土が くずれる かもしれない 場所です。大雨に なる 前に、ここから はなれて ください。",
    ),
    (
        "landslide",
        "warning",
        "土砂災害警戒区域です。大雨の時は土砂災害警戒情報に注意し、早めに区域の外の安全な場所へ避難してください。",
        "A landslide warning zone. In heavy rain, watch for landslide alerts and leave early for a safe place "
        "outside the zone.",
        "大雨の とき、がけや 山の 土が くずれる かもしれない 場所です。大雨に なる 前に、ここから はなれて ください。",
    ),
    (
        "landslide",
        "special_warning",
        "土砂災害特別警戒区域です。建物が壊れ、命に危険が及ぶおそれがあります。大雨の前に区域の外へ避難してください。",
        "A landslide special warning zone: a landslide here can destroy buildings and kill. Leave the zone before "
        "heavy rain starts.",
        "がけが くずれて、家が こわれる かもしれない、とても あぶない 場所です。大雨が ふる 前に、ここから にげて ください。",
    ),
    (
        "tsunami",
        "",
        "津波で浸水するおそれがある区域です。強い揺れや長い揺れを感じたら、警報を待たずにすぐ高台や津波避難ビルへ避難してください。",
        "A tsunami may flood this area. If you feel strong or long shaking, do not wait for a warning: go at once "
        "to high ground or a tsunami evacuation building.",
        "津波が 来る かもしれない 場所です。大きな 地震の あと、すぐに 高い 所へ にげて ください。海や 川に 近づかないで ください。",
    ),
    (
        "storm_surge",
        "",
        "高潮で浸水するおそれがある区域です。台風が近づく前に、区域外の指定避難所へ避難してください。海岸や河口に近づかないでください。",
        "A storm surge may flood this area. Before a typhoon arrives, go to a designated shelter outside the zone. "
        "Keep away from the coast and river mouths.",
        "台風の とき、海の 水が 来る かもしれない 場所です。台風が 来る 前に、避難所へ 行って ください。海に 近づかないで ください。",
    ),
    (
        "inland_flood",
        "",
        "大雨で下水や水路があふれ、浸水するおそれがある区域です。地下や低い場所から離れ、浸水が始まったら建物の2階以上へ移動してください。",
        "Drains and channels may overflow here in heavy rain. Keep out of basements and low places, and move to "
        "the second floor or higher if water starts to come in.",
        "大雨で 道に 水が あふれる かもしれない 場所です。地下に 行かないで ください。水が 来たら、2階より 上へ 行って ください。",
    ),
]


def seed(apps, schema_editor):
    HazardAdvice = apps.get_model("layers", "HazardAdvice")
    for hazard_type, level, ja, en, easy in ADVICE:
        HazardAdvice.objects.get_or_create(
            hazard_type=hazard_type,
            level=level,
            defaults={"action_ja": ja, "action_en": en, "action_easy": easy},
        )


class Migration(migrations.Migration):
    dependencies = [("layers", "0005_hazardadvice")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
