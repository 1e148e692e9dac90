from django.db import migrations

# Two characters are a whole word in Japanese (病院, 公園, 千里) and a common thing to type, but trigram
# indexes cannot find a two-character substring: the search scanned every name for one. The pairs of
# adjacent characters of each name's and reading's search key, in a GIN-indexed array, answer
# "contains these two characters" from the index.
FORWARD = """
CREATE OR REPLACE FUNCTION layers_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i
$fn$;
ALTER TABLE layers_feature ADD COLUMN search_bigrams text[] GENERATED ALWAYS AS (
    layers_bigrams(layers_search_key(name)) || layers_bigrams(layers_search_key(name_kana))
) STORED;
CREATE INDEX layers_feature_search_bigrams_gin ON layers_feature USING gin (search_bigrams);
"""

BACKWARD = """
ALTER TABLE layers_feature DROP COLUMN IF EXISTS search_bigrams;
DROP FUNCTION IF EXISTS layers_bigrams(text);
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0008_search_key_translates_only_when_needed")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
