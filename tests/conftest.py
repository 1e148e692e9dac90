"""Test set-up: a real PostGIS test database holding the Osaka demo data, loaded once per session."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo data, imported through the importer like `make demo` does, committed for the session."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))


@pytest.fixture
def layer(db):
    from layers.models import Layer

    return lambda slug: Layer.objects.get(slug=slug)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _test_database_url():
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgis://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@contextlib.contextmanager
def serving(env, log):
    """scripts/serve.sh with `env` (PORT among it), its output in `log`: yields its URL once /healthz
    answers 200, and stops it with every process it started."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def live_app(django_db_setup, tmp_path_factory):
    """The real service in its own process (scripts/serve.sh), on the session's test database.

    A separate process, not pytest-django's live_server, so the committed demo data stays put
    and the server runs as it does in production.
    """
    log = tmp_path_factory.mktemp("live_app") / "server.log"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), DEBUG="true", PYTHONUNBUFFERED="1")
    env.update(PYTHON=sys.executable, HOST="127.0.0.1", PORT=str(_free_port()), WEB_WORKERS="2", WEB_THREADS="4")
    with serving(env, log) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test's transaction is rolled back, and with it the layer versions the tile cache is keyed by."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
