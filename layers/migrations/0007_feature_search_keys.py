from django.db import migrations

# Search keys (layers/textnorm.py): the folding as an IMMUTABLE SQL function, and stored generated
# columns of the folded name, kana reading and address, each with a trigram index, so a type-ahead
# search compares indexed keys and folds only the query. Municipalities and wards (74 rows, searched as
# places) get keys of their Japanese, kana and English names, without indexes, and a representative
# point (ST_PointOnSurface) to show and to measure distance to. Generated columns keep themselves in
# step with every insert and update (ORM, importer, rollback SQL) with no trigger and no model change.
# The function's text is layers.textnorm.function_sql() as of this migration; if the folding changes,
# a new migration replaces the function and re-creates the columns (tests compare the two foldings).
FUNCTION = r"""
CREATE OR REPLACE FUNCTION layers_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT regexp_replace(translate(regexp_replace(translate(normalize(t, NFKC), 'ABCDEFGHIJKLMNOPQRSTUVWXYZぁあぃいぅうぇえぉおかがきぎくぐけげこごさざしじすずせぜそぞただちぢっつづてでとどなにぬねのはばぱひびぴふぶぷへべぺほぼぽまみむめもゃやゅゆょよらりるれろゎわゐゑをんゔゕゖゝゞァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿヴヂヅ', 'abcdefghijklmnopqrstuvwxyzアアイイウウエエオオカガキギクグケゲコゴサザシジスズセゼソゾタダチジツツズテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモヤヤユユヨヨラリルレロワワヰヱヲンブカケヽヾアイウエオツヤユヨワカケクシストヌハヒフヘホムラリルレロブジズ'), '(?<=[㐀-䶿一-鿿々])[ケカガ](?=[㐀-䶿一-鿿々])', 'ケ', 'g'), E' \t\n\rー-‐‑‒–—―−~〜・·.,\'"()[]{}「」『』【】〔〕、。', ''), '(?<=[アカガサザタダナハバパマヤラワ])[ア]|(?<=[イキギシジチニヒビピミリ])[イ]|(?<=[ウクグスズツヌフブプムユル])[ウ]|(?<=[エケゲセゼテデネヘベペメレ])[エイ]|(?<=[オコゴソゾトドノホボポモヨロヲ])[オウ]', '', 'g')
$fn$;
"""

FORWARD = FUNCTION + """
ALTER TABLE layers_feature
    ADD COLUMN search_name text GENERATED ALWAYS AS (layers_search_key(name)) STORED,
    ADD COLUMN search_kana text GENERATED ALWAYS AS (layers_search_key(name_kana)) STORED,
    ADD COLUMN search_address text GENERATED ALWAYS AS (layers_search_key(address)) STORED;
CREATE INDEX layers_feature_search_name_trgm ON layers_feature USING gin (search_name gin_trgm_ops);
CREATE INDEX layers_feature_search_kana_trgm ON layers_feature USING gin (search_kana gin_trgm_ops);
CREATE INDEX layers_feature_search_address_trgm ON layers_feature USING gin (search_address gin_trgm_ops);
ALTER TABLE layers_municipality
    ADD COLUMN search_name text GENERATED ALWAYS AS (layers_search_key(name_ja)) STORED,
    ADD COLUMN search_kana text GENERATED ALWAYS AS (layers_search_key(name_kana)) STORED,
    ADD COLUMN search_name_en text GENERATED ALWAYS AS (layers_search_key(name_en)) STORED,
    ADD COLUMN search_point geometry(Point, 4326) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
ALTER TABLE layers_ward
    ADD COLUMN search_name text GENERATED ALWAYS AS (layers_search_key(name_ja)) STORED,
    ADD COLUMN search_kana text GENERATED ALWAYS AS (layers_search_key(name_kana)) STORED,
    ADD COLUMN search_name_en text GENERATED ALWAYS AS (layers_search_key(name_en)) STORED,
    ADD COLUMN search_point geometry(Point, 4326) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
"""

BACKWARD = """
ALTER TABLE layers_ward DROP COLUMN IF EXISTS search_name, DROP COLUMN IF EXISTS search_kana,
    DROP COLUMN IF EXISTS search_name_en, DROP COLUMN IF EXISTS search_point;
ALTER TABLE layers_municipality DROP COLUMN IF EXISTS search_name, DROP COLUMN IF EXISTS search_kana,
    DROP COLUMN IF EXISTS search_name_en, DROP COLUMN IF EXISTS search_point;
ALTER TABLE layers_feature
    DROP COLUMN IF EXISTS search_name,
    DROP COLUMN IF EXISTS search_kana,
    DROP COLUMN IF EXISTS search_address;
DROP FUNCTION IF EXISTS layers_search_key(text);
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0006_seed_hazard_advice")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
