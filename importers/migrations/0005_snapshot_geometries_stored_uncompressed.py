from django.db import migrations

# As layers 0015 for the features: a snapshot copies every published geometry, and pglz's attempt to
# compress coordinates cost more than the copy itself while saving almost nothing.
FORWARD = "ALTER TABLE importers_featuresnapshot ALTER COLUMN geom SET STORAGE EXTERNAL;"
BACKWARD = "ALTER TABLE importers_featuresnapshot ALTER COLUMN geom SET STORAGE MAIN;"


class Migration(migrations.Migration):
    dependencies = [("importers", "0004_background_runs_previews_and_column_choices")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
