from django.db import migrations

# Coordinates hardly compress (pglz saved under 1 % on the demo's and the bench's areas), yet PostgreSQL
# tried for every geometry over 2 kB: for 1,050 hazard polygons about 1 CPU second per geometry column
# written, three of them here. EXTERNAL stores large geometries out of line, uncompressed; small ones
# (points, parks) stay in the row as before.
FORWARD = """
ALTER TABLE layers_feature
    ALTER COLUMN geom SET STORAGE EXTERNAL,
    ALTER COLUMN geom_3857 SET STORAGE EXTERNAL,
    ALTER COLUMN geom_3857_low SET STORAGE EXTERNAL;
"""

BACKWARD = """
ALTER TABLE layers_feature
    ALTER COLUMN geom SET STORAGE MAIN,
    ALTER COLUMN geom_3857 SET STORAGE MAIN,
    ALTER COLUMN geom_3857_low SET STORAGE MAIN;
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0014_search_kana_falls_back_to_the_derived_reading")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
