from django.db import migrations

# The same folding, faster: translate() over the long kana table, the costly step, now runs only on
# text holding a character it changes (most names and addresses hold none). The results are the same,
# so the stored keys stay as they are. The text is layers.textnorm.function_sql() as of this migration.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION layers_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT regexp_replace(translate(regexp_replace(CASE WHEN n ~ '[A-Zぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖゝゞァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿヴヂヅ]' THEN translate(n, 'ABCDEFGHIJKLMNOPQRSTUVWXYZぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖゝゞァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿヴヂヅ', 'abcdefghijklmnopqrstuvwxyzアアイイウウエエオオカガキギクグケゲコゴサザシジスズセゼソゾタダチジツツズテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモヤヤユユヨヨラリルレロワワヰヱヲンブカケヽヾアイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロブジズ') ELSE n END, '(?<=[㐀-䶿一-鿿々])[ケカガ](?=[㐀-䶿一-鿿々])', 'ケ', 'g'), E' \t\n\rー-‐‑‒–—―−~〜・·.,\'"()[]{}「」『』【】〔〕、。', ''), '(?<=[アカガサザタダナハバパマヤラワ])[ア]|(?<=[イキギシジチニヒビピミリ])[イ]|(?<=[ウクグスズツヌフブプムユル])[ウ]|(?<=[エケゲセゼテデネヘベペメレ])[エイ]|(?<=[オコゴソゾトドノホボポモヨロヲ])[オウ]', '', 'g')
FROM (SELECT normalize(t, NFKC) AS n) AS normalized
$fn$;
"""

PREVIOUS = r"""
CREATE OR REPLACE FUNCTION layers_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT regexp_replace(translate(regexp_replace(translate(normalize(t, NFKC), 'ABCDEFGHIJKLMNOPQRSTUVWXYZぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖゝゞァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿヴヂヅ', 'abcdefghijklmnopqrstuvwxyzアアイイウウエエオオカガキギクグケゲコゴサザシジスズセゼソゾタダチジツツズテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモヤヤユユヨヨラリルレロワワヰヱヲンブカケヽヾアイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロブジズ'), '(?<=[㐀-䶿一-鿿々])[ケカガ](?=[㐀-䶿一-鿿々])', 'ケ', 'g'), E' \t\n\rー-‐‑‒–—―−~〜・·.,\'"()[]{}「」『』【】〔〕、。', ''), '(?<=[アカガサザタダナハバパマヤラワ])[ア]|(?<=[イキギシジチニヒビピミリ])[イ]|(?<=[ウクグスズツヌフブプムユル])[ウ]|(?<=[エケゲセゼテデネヘベペメレ])[エイ]|(?<=[オコゴソゾトドノホボポモヨロヲ])[オウ]', '', 'g')
$fn$;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0007_feature_search_keys")]

    operations = [migrations.RunSQL(FUNCTION, PREVIOUS)]
