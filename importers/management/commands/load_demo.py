"""Load the Osaka demo: boundaries, layers, and every sample file through the importer."""

import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from importers.boundaries import load_boundaries
from importers.models import ImportRun
from importers.pipeline import run_import
from importers.upload import ImportOptions, sha256_of
from layers.models import Layer, Municipality
from layers.municipalities import find_municipality

LAYER_FIELDS = (
    "kind", "category", "name_ja", "name_en", "description_ja", "description_en",
    "source", "licence", "attribution", "sort_order", "processing", "data_as_of", "licence_url",
)  # fmt: skip


class Command(BaseCommand):
    help = "Load the Osaka sample data (fixtures/demo.toml). Files already published unchanged are skipped."

    def add_arguments(self, parser):
        parser.add_argument("--manifest", default=str(settings.BASE_DIR / "fixtures" / "demo.toml"))
        parser.add_argument("--force", action="store_true", help="re-import files even when unchanged")

    def handle(self, *args, manifest, force, **options):
        manifest = Path(manifest)
        spec = tomllib.loads(manifest.read_text(encoding="utf-8"))
        root = manifest.parent

        if force or Municipality.objects.count() < 43:
            m, w = load_boundaries(root / spec["boundaries"]["n03"], root / spec["boundaries"]["names"])
            self.stdout.write(f"Boundaries: {m} municipalities, {w} wards")

        layers = {}
        for entry in spec["layers"]:
            layers[entry["slug"]], _ = Layer.objects.update_or_create(
                slug=entry["slug"],
                defaults={k: entry[k] for k in LAYER_FIELDS if k in entry},
            )

        failures = 0
        for entry in spec["imports"]:
            layer = layers[entry["layer"]]
            files = sorted((root / entry["folder"]).iterdir()) if "folder" in entry else [root / entry["file"]]
            for path in files:
                code = path.stem if entry.get("municipality_from_file_name") else entry.get("municipality")
                municipality = find_municipality(code) if code else None
                if not force and self._already_published(layer, municipality, path):
                    continue
                options = ImportOptions(encoding=entry.get("encoding"), srs=entry.get("srs"))
                result = run_import(
                    path,
                    layer=layer,
                    municipality=municipality,
                    mode=entry.get("mode", "replace"),
                    options=options,
                    file_name=str(path.relative_to(root)),
                )
                where = municipality.name_ja if municipality else "大阪府全域"
                counts = result.run.counts
                self.stdout.write(
                    f"{layer.slug:13} {where:8} {path.name}: {result.run.get_status_display()}, "
                    f"{counts['accepted']}/{counts['rows']} rows, {counts['errors']} errors, "
                    f"{counts['warnings']} warnings"
                )
                if not result.published:
                    failures += 1
                    for finding in result.errors[:10]:
                        self.stderr.write(f"  {finding}")
        if failures:
            raise CommandError(f"{failures} sample file(s) were not published")

    @staticmethod
    def _already_published(layer, municipality, path):
        """This file was published here and no other file has replaced it since (upserts only add)."""
        published = ImportRun.objects.filter(layer=layer, municipality=municipality, status=ImportRun.Status.PUBLISHED)
        sha256 = sha256_of(path)
        last_of_file = published.filter(file_sha256=sha256).order_by("-created_at").first()
        if last_of_file is None:
            return False
        replaced_since = (
            published.filter(mode=ImportRun.Mode.REPLACE, created_at__gt=last_of_file.created_at)
            .exclude(file_sha256=sha256)
            .exists()
        )
        return not replaced_since
