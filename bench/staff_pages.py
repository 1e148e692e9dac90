"""Latency of the disaster staff's shelter pages at the scale of a 政令市: 大阪市's ~4,000 shelters.

    .venv/bin/python bench/staff_pages.py [--municipality 27100] [--repeat 5]

Uses DATABASE_URL (the demo data: `make load`), in process through Django's test client, with a
throw-away staff account (removed afterwards). Goal (issue 19): no page slower than 300 ms.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")
os.environ.setdefault("DEBUG", "true")  # templates need no collected static files; SQL logging is off below

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from layers.models import Municipality, Role  # noqa: E402

PAGES = {
    "list, first page": ("/staff/shelters/", {}),
    "list, page 40": ("/staff/shelters/", {"page": 40}),
    "open now": ("/staff/shelters/", {"status": "open_now"}),
    "not open, flood": ("/staff/shelters/", {"status": "not_open", "disaster": "flood"}),
    "search 小学校": ("/staff/shelters/", {"q": "小学校"}),
    "bulk open: choose": ("/staff/shelters/bulk/", {"action": "open"}),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--municipality", default="27100")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    connection.force_debug_cursor = False
    settings.DEBUG = False  # no query log, as in production
    municipality = Municipality.objects.get(code=args.municipality)
    user = User.objects.create_user("bench-staff-pages")
    try:
        Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=municipality)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        print(f"{municipality.name_ja}: median / max of {args.repeat} (ms)")
        for label, (url, query) in PAGES.items():
            client.get(url, query)  # warm-up
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(url, query)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            print(f"  {label:22} {statistics.median(times):7.1f} {max(times):7.1f}")
    finally:
        user.delete()


if __name__ == "__main__":
    main()
