from django.core.management.base import BaseCommand, CommandError

from importers.models import PublishedVersion
from importers.versions import RollbackError, rollback
from layers.models import Layer


class Command(BaseCommand):
    help = "Roll a layer back to an earlier published version (itself published as a new version)."

    def add_arguments(self, parser):
        parser.add_argument("--layer", required=True)
        parser.add_argument("--to-version", type=int, help="omit to list the published versions")

    def handle(self, *args, layer, to_version, **options):
        try:
            layer = Layer.objects.get(slug=layer)
        except Layer.DoesNotExist:
            raise CommandError(f"no layer {layer!r}") from None
        if to_version is None:
            for v in PublishedVersion.objects.filter(layer=layer).select_related("municipality", "import_run"):
                where = v.municipality.name_ja if v.municipality else "all"
                what = f"rollback to v{v.rolled_back_to}" if v.rolled_back_to else (v.import_run or "")
                self.stdout.write(f"v{v.version}  {v.created_at:%Y-%m-%d %H:%M}  {where}  {what}")
            return
        try:
            version = rollback(layer, to_version)
        except RollbackError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"{layer.slug} now looks as at v{to_version}; published as v{version}"))
