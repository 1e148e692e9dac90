"""`make loadtest`'s accounts and targets: 20 disaster-staff clients, a status watcher and an editor, with
tokens, written as JSON for the locustfile (which imports no Django and so no psycopg2 under gevent).

    .venv/bin/python bench/load_setup.py OUT.json      # DATABASE_URL: the load test's own database

Staff come in pairs per municipality, each pair sharing the same ten shelters, so concurrent updates
of one shelter really happen and the optimistic concurrency (If-Match, 409) is exercised.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapapp.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from layers.models import Feature, Municipality, Role  # noqa: E402

# 大阪市, 堺市, 豊中市, 吹田市, 高槻市, 枚方市, 東大阪市, 八尾市, 寝屋川市, 岸和田市: the ten largest.
MUNICIPALITIES = ("27100", "27140", "27203", "27205", "27207", "27210", "27227", "27212", "27215", "27202")
EDITOR_MUNICIPALITY = "27205"
# The editor publishes 吹田市's emergency-site list again (the same file `load_demo` imports).
IMPORT_FILE = ROOT / "fixtures/shelters/gsi_emergency/272051.geojson"


def account(username, role, municipality):
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"is_staff": True})
    Role.objects.get_or_create(user=user, name=role, municipality=municipality)
    return Token.objects.get_or_create(user=user)[0].key


def shelters_of(municipality, count, offset=0):
    features = Feature.objects.filter(layer__slug="shelters", municipality=municipality).order_by("source_id")
    ids = features.values_list("source_id", flat=True)[offset : offset + count]
    return [{"id": source_id, "municipality": municipality.code} for source_id in ids]


def main(out):
    staff = []
    for n in range(20):
        municipality = Municipality.objects.get(code=MUNICIPALITIES[n // 2])
        token = account(f"load-staff-{n:02d}", Role.Name.DISASTER_STAFF, municipality)
        staff.append({"token": token, "shelters": shelters_of(municipality, 10)})
    osaka = Municipality.objects.get(code="27100")
    # The watcher writes one shelter nobody else touches, then polls the feed until the change shows.
    watcher = {
        "token": account("load-watcher", Role.Name.DISASTER_STAFF, osaka),
        "shelter": shelters_of(osaka, 1, 500)[0],
    }
    editor = Municipality.objects.get(code=EDITOR_MUNICIPALITY)
    targets = {
        "staff": staff,
        "watcher": watcher,
        "editor": {
            "token": account("load-editor", Role.Name.DATA_EDITOR, editor),
            "municipality": editor.code,
            "layer": "shelters",
            "file": str(IMPORT_FILE),
        },
    }
    Path(out).write_text(json.dumps(targets, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
