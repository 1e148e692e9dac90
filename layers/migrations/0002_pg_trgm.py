from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm for fuzzy, typo-tolerant name search (trusted since PostgreSQL 13, so no superuser needed)."""

    dependencies = [("layers", "0001_initial")]

    operations = [TrigramExtension()]
