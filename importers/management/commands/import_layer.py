"""python manage.py import_layer FILE --layer shelters --municipality 27205 [--dry-run] [--mode upsert]
[--set designation=shelter]"""

import sys

from django.core.management.base import BaseCommand, CommandError

from importers.pipeline import DRY_RUN, run_import
from importers.publish import REPLACE, UPSERT
from importers.upload import ImportOptions, parse_values
from layers.models import Layer, Municipality
from layers.municipalities import find_municipality


class Command(BaseCommand):
    help = "Import a file into a layer for one municipality, print the report, exit non-zero on errors."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--layer", required=True, help="layer slug, e.g. shelters")
        parser.add_argument(
            "--municipality",
            help="5-digit code, 6-digit code with check digit, or name (omit for a prefecture-wide file)",
        )
        parser.add_argument("--mode", choices=(REPLACE, UPSERT), default=REPLACE)
        parser.add_argument("--dry-run", action="store_true", help="validate and compare only; publish nothing")
        parser.add_argument("--encoding", help="text encoding, e.g. cp932 (default: detected)")
        parser.add_argument("--srs", help="source CRS as an EPSG code, e.g. EPSG:6674 (default: from the file)")
        parser.add_argument("--x-column")
        parser.add_argument("--y-column")
        parser.add_argument("--layer-name", help="layer inside a GeoPackage/KML, or shapefile inside a zip")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="FIELD=VALUE",
            help="a value for every row, for a field the file has no column for (e.g. designation=shelter); repeatable",
        )

    def handle(self, *args, **opts):
        try:
            values = parse_values(opts["set"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            layer = Layer.objects.get(slug=opts["layer"])
        except Layer.DoesNotExist:
            raise CommandError(f"no layer {opts['layer']!r}") from None
        municipality = None
        if opts["municipality"]:
            try:
                municipality = find_municipality(opts["municipality"])
            except Municipality.DoesNotExist as exc:
                raise CommandError(str(exc)) from None
        options = ImportOptions(
            encoding=opts["encoding"],
            srs=opts["srs"],
            x_column=opts["x_column"],
            y_column=opts["y_column"],
            layer_name=opts["layer_name"],
            values=values,
        )

        def progress(rows):
            sys.stderr.write(f"\r  {rows:,} rows checked")
            sys.stderr.flush()

        result = run_import(
            opts["file"],
            layer=layer,
            municipality=municipality,
            mode=DRY_RUN if opts["dry_run"] else opts["mode"],
            publish_mode=opts["mode"],
            options=options,
            progress=progress,
        )
        sys.stderr.write("\n")
        run = result.run
        self.stdout.write(
            f"{run.file_name}: {run.file_format}, encoding {run.encoding or '-'}, CRS {run.source_srs or '-'}"
        )
        for finding in result.findings:
            self.stdout.write(f"  {finding}")
        counts = run.counts
        self.stdout.write(
            f"{counts['rows']} rows, {counts['accepted']} accepted, {counts['errors']} errors, "
            f"{counts['warnings']} warnings; new {counts['new']}, changed {counts['changed']}, "
            f"unchanged {counts['unchanged']}, removed {counts['removed']}"
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} error(s): nothing was published")
        if result.published:
            self.stdout.write(self.style.SUCCESS(f"Published {layer.slug} version {run.published_version}"))
        else:
            self.stdout.write("Dry run: nothing was published")
