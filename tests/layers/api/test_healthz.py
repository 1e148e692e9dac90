import json
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_healthz_reports_database_and_postgis_versions(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["postgresql"].startswith(("15", "16", "17"))
    assert body["database"]["postgis"].split(".")[0] == "3"


def test_healthz_is_503_when_the_database_is_unreachable():
    # A real process pointed at a port where nothing listens: no mock of the database.
    env = dict(os.environ, DATABASE_URL="postgis://postgres@127.0.0.1:9/nowhere", DB_CONNECT_TIMEOUT="2")
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='localhost'); print(json.dumps([r.status_code, r.json()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "mapapp.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, body = json.loads(out.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["status"] == "unavailable"
