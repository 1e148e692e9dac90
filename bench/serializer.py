"""Why pages of GeoJSON are built in PostGIS: the same features, once as one SQL-built string
(layers/api/geojson.py) and once through djangorestframework-gis (layers/api/serializers.py).

    .venv/bin/python bench/serializer.py [--layer shelters] [--repeat 3]

Uses DATABASE_URL (the demo data: `make load`). Prints the median seconds of each and the ratio.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from layers.api import geojson  # noqa: E402
from layers.api.selection import Selection  # noqa: E402
from layers.api.serializers import FeatureSerializer  # noqa: E402
from layers.models import Feature, Layer  # noqa: E402


def timed(build, repeat):
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(build())
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layer", default="shelters")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    layer = Layer.objects.get(slug=args.layer)
    count = Feature.objects.filter(layer=layer).count()

    def sql():
        return geojson.feature_page(Selection(layer.pk), kind=layer.kind_spec, limit=count or 1)[0]

    def serializer():
        rows = Feature.objects.filter(layer=layer).select_related("municipality", "ward").order_by("id")
        return json.dumps(FeatureSerializer(rows, many=True).data, ensure_ascii=False, separators=(",", ":"))

    sql_s, sql_bytes = timed(sql, args.repeat)
    ser_s, ser_bytes = timed(serializer, args.repeat)
    print(f"{args.layer}: {count} features")
    print(f"  SQL-built GeoJSON      {sql_s:8.3f} s  {sql_bytes:,} bytes")
    print(f"  drf-gis serializer     {ser_s:8.3f} s  {ser_bytes:,} bytes")
    print(f"  serializer / SQL       {ser_s / sql_s:8.1f}x")


if __name__ == "__main__":
    main()
