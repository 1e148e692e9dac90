"""Latency of the resident answers: type-ahead search, the hazard report, nearest and the /here page.

Type-ahead is measured as a resident types: every prefix of realistic queries (place names in kanji,
kana, half-width kana and English, facility names, typos) and of names sampled from the data, half of
them with lat/lon. The hazard report is asked for points inside hazard zones, in the prefecture at
large and outside it, in ja, en and easy. One warm-up pass, then the timed pass; median and p95.

    .venv/bin/python bench/answers.py                      # in process (Django test client), DATABASE_URL
    .venv/bin/python bench/answers.py --url http://127.0.0.1:8000   # over HTTP against a running server

Any database the project can use works: the demo data (`make load`), or the bench dataset loaded with
bench/load_data.py. `make bench` runs it on the demo data after the tile benchmark.
"""

import argparse
import http.client
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
# As in production (bench/serve.sh): no DEBUG query log, no per-request debug work.
PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-not-secret",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "BEHIND_TLS_PROXY": "false",
    "LOG_LEVEL": "WARNING",
}
for name, value in PRODUCTION_LIKE.items():
    os.environ.setdefault(name, value)

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise, with no collected static files
django.setup()

from django.test import Client  # noqa: E402

from layers.models import Feature, Layer  # noqa: E402

SEED = 20261130
TYPED = [
    "吹田市役所", "すいたし", "ｽｲﾀ", "Suita", "北区", "きたく", "大阪市北区", "淀川キリスト教病院",
    "よどがわきりすときょう", "淀川キリスト教病因", "小学校", "中学校", "公園", "病院", "保育園", "こども園",
    "万博記念公園", "大阪城公園", "天王寺", "梅田", "なんば", "千里", "堺市", "Sakai", "岸和田", "ひらかた",
    "とよなか", "東大阪", "平野東住宅１号館", "Toyonaka",
]  # fmt: skip
# Around Osaka Station, Suita, Sakai and Kishiwada: where a resident might be typing from.
HERE = [(135.4959, 34.7025), (135.5168, 34.7615), (135.4830, 34.5733), (135.3716, 34.4605)]


def prefixes(text, longest=8):
    return [text[:n] for n in range(1, min(len(text), longest) + 1)]


def search_requests(rng):
    names = list(Feature.objects.exclude(name="").order_by("id").values_list("name", flat=True))
    sampled = rng.sample(names, min(30, len(names)))
    requests = []
    for n, text in enumerate(TYPED + sampled):
        for prefix in prefixes(text):
            query = {"q": prefix, "limit": 10}
            if n % 2:
                query["lon"], query["lat"] = HERE[n % len(HERE)]
            requests.append(("/api/search/", query))
    return requests


def zone_points(rng, count=60):
    """Points on hazard zones: the report then also looks for suitable shelters."""
    zones = list(Feature.objects.filter(layer__in=Layer.objects.filter(kind="hazard_zone")).order_by("id"))
    return [(p.x, p.y) for p in (z.geom.point_on_surface for z in rng.sample(zones, min(count, len(zones))))]


def anywhere_points(rng, count=90):
    """Anywhere around the prefecture (mostly outside zones), and a few far outside it."""
    points = [(rng.uniform(135.1, 135.75), rng.uniform(34.3, 34.95)) for _ in range(count - 10)]
    return points + [(rng.uniform(136.0, 139.8), rng.uniform(35.0, 35.7)) for _ in range(10)]


def report_requests(points, path="/api/hazards/at/"):
    langs = ("ja", "en", "easy")
    return [(path, {"lon": f"{x:.6f}", "lat": f"{y:.6f}", "lang": langs[n % 3]}) for n, (x, y) in enumerate(points)]


def nearest_requests(rng):
    out = []
    for n, (x, y) in enumerate(zone_points(rng, 30) + anywhere_points(rng, 30)):
        query = {"lon": f"{x:.6f}", "lat": f"{y:.6f}", "layer": "shelters", "limit": 5}
        if n % 2:
            query["suitable_for"] = "flood"
        out.append(("/api/nearest/", query))
    return out


class InProcess:
    name = "in process (Django test client)"

    def __init__(self):
        self.client = Client(HTTP_HOST="127.0.0.1")

    def get(self, path, query):
        response = self.client.get(path, query)
        return response.status_code


class OverHttp:
    def __init__(self, url):
        parts = urlsplit(url)
        self.name = f"over HTTP ({url})"
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)

    def get(self, path, query):
        self.connection.request("GET", f"{path}?{urlencode(query)}")
        response = self.connection.getresponse()
        response.read()
        return response.status


def measure(target, requests):
    timings, failures = [], 0
    for path, query in requests:
        start = time.perf_counter()
        status = target.get(path, query)
        timings.append((time.perf_counter() - start) * 1000)
        failures += status != 200
    return timings, failures


def summary(name, timings, failures):
    ordered = sorted(timings)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return (
        f"| {name} | {len(ordered)} | {statistics.median(ordered):.1f} | {p95:.1f} | {ordered[-1]:.1f} | {failures} |"
    )


def seeded(offset=0):
    return random.Random(SEED + offset)  # noqa: S311 - a repeatable sample, not a secret


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="measure over HTTP against this running server instead of in process")
    args = parser.parse_args()
    target = OverHttp(args.url) if args.url else InProcess()
    suites = {
        "type-ahead search (every prefix)": search_requests(seeded()),
        "hazard report, on a zone": report_requests(zone_points(seeded())),
        "hazard report, anywhere": report_requests(anywhere_points(seeded())),
        "nearest shelters /api/nearest/": nearest_requests(seeded()),
        "/here page, on a zone (HTML)": report_requests(zone_points(seeded(1), 30), "/here"),
    }
    print(f"{target.name}; {Feature.objects.count()} features", file=sys.stderr)
    print("| request | n | median ms | p95 ms | max ms | non-200 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, requests in suites.items():
        measure(target, requests)  # warm-up: connections, plans, caches of places and hazard types
        print(summary(name, *measure(target, requests)), flush=True)


if __name__ == "__main__":
    main()
