"""What an import publishes, as digests, to compare two versions of the importer on the same files.

Imports each bench file (as bench/imports.py rewrites them, or any file given) into a scratch layer
and writes, per file: the counts, the findings (row, field, value, code, ja/en) and one line per
published feature with its place, texts, properties, the MD5 of each stored geometry (4326, 3857,
generalised) and the search keys. Run it on both versions (each against a database migrated for it)
and compare the outputs with `diff`.

    .venv/bin/python bench/import_check.py OUT.json FILE:slug [FILE:slug ...]
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import load_data  # noqa: E402  (sets Django up)
from django.db import connection  # noqa: E402

from importers.pipeline import run_import  # noqa: E402
from layers.models import Layer  # noqa: E402

ROWS_SQL = """
SELECT m.code, f.source_id, w.code, f.name, f.name_kana, f.address, f.properties::text,
       md5(ST_AsEWKB(f.geom)), md5(ST_AsEWKB(f.geom_3857)), md5(ST_AsEWKB(f.geom_3857_low)),
       f.search_name, f.search_kana, f.search_address, f.search_bigrams::text
FROM layers_feature f
JOIN layers_municipality m ON m.id = f.municipality_id
LEFT JOIN layers_ward w ON w.id = f.ward_id
WHERE f.layer_id = %s
ORDER BY m.code, f.source_id
"""


def published(path: Path, slug: str) -> dict:
    kind, category, _ = load_data.LAYERS[slug]
    Layer.objects.filter(slug=f"check-import-{slug}").delete()
    layer = Layer.objects.create(slug=f"check-import-{slug}", kind=kind, category=category, name_ja=slug, name_en=slug)
    try:
        result = run_import(path, layer=layer, municipality=None, mode="replace")
        with connection.cursor() as cursor:
            cursor.execute(ROWS_SQL, [layer.pk])
            rows = [list(row) for row in cursor.fetchall()]
            cursor.execute(
                "SELECT count(*) FROM importers_featuresnapshot s JOIN importers_publishedversion v "
                "ON v.id = s.published_version_id WHERE v.layer_id = %s",
                [layer.pk],
            )
            snapshot = cursor.fetchone()[0]
    finally:
        Layer.objects.filter(slug=f"check-import-{slug}").delete()
    return {
        "status": result.run.status,
        "counts": result.run.counts,
        "findings": [f.as_dict() for f in result.findings],
        "snapshot_rows": snapshot,
        "rows": rows,
    }


def main():
    out, *files = sys.argv[1:]
    report = {}
    for spec in files:
        path, slug = spec.rsplit(":", 1)
        name = f"{Path(path).parent.name}/{Path(path).name}"
        report[name] = published(Path(path), slug)
        print(f"{name}: {report[name]['counts']}", file=sys.stderr)
    Path(out).write_text(json.dumps(report, ensure_ascii=False, indent=0, sort_keys=True))


if __name__ == "__main__":
    main()
