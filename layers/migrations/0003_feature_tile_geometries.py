from django.db import migrations

# Generated (stored) columns, so every insert and update through the ORM, the importer or raw SQL keeps
# them in step with `geom` without a trigger, and the model needs no change:
#   geom_3857      the geometry in Web Mercator: tiles clip it with no ST_Transform per request;
#   geom_3857_low  areas and lines simplified by 4 m (under half a tile pixel at z10), drawn at z ≤ 10,
#                  so a low-zoom tile of detailed hazard polygons stays small and quick.
# The jsonb_path_ops index serves the `properties @> …` filters; the trigram index the `q` name search.
FORWARD = """
ALTER TABLE layers_feature
    ADD COLUMN geom_3857 geometry GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    ADD COLUMN geom_3857_low geometry GENERATED ALWAYS AS (
        CASE WHEN ST_Dimension(geom) > 0
             THEN ST_SimplifyPreserveTopology(ST_Transform(geom, 3857), 4.0) END
    ) STORED;
CREATE INDEX layers_feature_geom_3857_gist ON layers_feature USING gist (geom_3857);
CREATE INDEX layers_feature_properties_gin ON layers_feature USING gin (properties jsonb_path_ops);
CREATE INDEX layers_feature_name_trgm ON layers_feature USING gin (name gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS layers_feature_name_trgm;
DROP INDEX IF EXISTS layers_feature_properties_gin;
DROP INDEX IF EXISTS layers_feature_geom_3857_gist;
ALTER TABLE layers_feature DROP COLUMN IF EXISTS geom_3857_low, DROP COLUMN IF EXISTS geom_3857;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0002_pg_trgm")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
