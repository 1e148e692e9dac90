from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

# Every layer shares layers_feature, so a tile of one layer used to AND a GiST scan over all layers
# with a btree scan over every row of its own layer (50,000 for the bench clinics): most of a small
# tile's time. One GiST index over (layer_id, geom_3857) finds a layer's features in a tile directly.
# It replaces the GiST over geom_3857 alone: GiST serves a condition or a KNN order on any of its
# columns, so nearest and search (ORDER BY geom_3857 <-> point) use it too, and an import maintains
# one index fewer.
FORWARD = """
CREATE INDEX layers_feature_layer_geom_3857_gist ON layers_feature USING gist (layer_id, geom_3857);
DROP INDEX IF EXISTS layers_feature_geom_3857_gist;
"""
BACKWARD = """
CREATE INDEX layers_feature_geom_3857_gist ON layers_feature USING gist (geom_3857);
DROP INDEX IF EXISTS layers_feature_layer_geom_3857_gist;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0009_feature_name_bigrams")]

    operations = [BtreeGistExtension(), migrations.RunSQL(FORWARD, BACKWARD)]
