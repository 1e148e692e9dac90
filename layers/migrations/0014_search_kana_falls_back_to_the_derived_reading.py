from django.db import migrations

# The kana search key falls back to the reading the importer derives where a file has none
# (properties.reading, layers/answers/readings.py). Re-creating the generated column recomputes it
# for every row; its trigram index goes and comes with it.
FORWARD = """
ALTER TABLE layers_feature DROP COLUMN search_kana;
ALTER TABLE layers_feature ADD COLUMN search_kana text GENERATED ALWAYS AS (
    layers_search_key(coalesce(nullif(name_kana, ''), properties->>'reading'))
) STORED;
CREATE INDEX layers_feature_search_kana_trgm ON layers_feature USING gin (search_kana gin_trgm_ops);
"""

BACKWARD = """
ALTER TABLE layers_feature DROP COLUMN search_kana;
ALTER TABLE layers_feature ADD COLUMN search_kana text GENERATED ALWAYS AS (layers_search_key(name_kana)) STORED;
CREATE INDEX layers_feature_search_kana_trgm ON layers_feature USING gin (search_kana gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0013_layer_credits")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
