from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

# Every layer shares layers_feature, so a tile of one layer used to AND a GiST scan over all layers
# with a btree scan over every row of its own layer (50,000 for the bench clinics): most of a small
# tile's time. One GiST index over (layer_id, geom_3857) finds a layer's features in a tile directly.
FORWARD = "CREATE INDEX layers_feature_layer_geom_3857_gist ON layers_feature USING gist (layer_id, geom_3857);"
BACKWARD = "DROP INDEX IF EXISTS layers_feature_layer_geom_3857_gist;"


class Migration(migrations.Migration):
    dependencies = [("layers", "0009_feature_name_bigrams")]

    operations = [BtreeGistExtension(), migrations.RunSQL(FORWARD, BACKWARD)]
