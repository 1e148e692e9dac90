"""A read replica for the router tests: a second alias on the test database itself (TEST MIRROR),
through a connection of its own, as settings.py makes one for each of DATABASE_REPLICA_URLS.

Its own connection does not see what a test writes inside its transaction, as a replica that has not
yet replayed a write would not.
"""

import os
import sys
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections, connections

from tests.conftest import _free_port, _test_database_url, serving

REPLICA = "replica1"


def _add_replica_alias():
    if REPLICA in settings.DATABASES:
        return
    replica = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
    settings.DATABASES[REPLICA] = replica
    if "settings" in vars(connections):  # the connection handler already read DATABASES
        connections.settings[REPLICA] = connections.configure_settings({"default": {}, REPLICA: replica})[REPLICA]


_add_replica_alias()


@pytest.fixture
def keep_the_test_transaction():
    """The tile short path closes stale connections as Django's handler does; tests hold a transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def with_replica(settings):
    """The router on, with the replica alias as the one replica."""
    settings.DATABASE_REPLICAS = [REPLICA]
    settings.DATABASE_ROUTERS = ["mapapp.routers.PrimaryReplicaRouter"]
    return REPLICA


class Server:
    """The production server (scripts/serve.sh) on the session's test database, as operators run it."""

    def __init__(self, url, log, token):
        self.url, self.log, self.token = url, log, token

    def get(self, path, **headers):
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as refused:
            return refused


@pytest.fixture(scope="module")
def ops_server(django_db_setup, tmp_path_factory):
    """Two granian processes with a metrics token and JSON logs."""
    folder = tmp_path_factory.mktemp("ops_server")
    port, token = _free_port(), "ops-test-metrics-token-0123456789abcdef"
    env = dict(os.environ, DATABASE_URL=_test_database_url(), DEBUG="true", PYTHONUNBUFFERED="1", PYTHON=sys.executable)
    env.update(HOST="127.0.0.1", PORT=str(port), WEB_WORKERS="2", WEB_THREADS="2", TILE_CACHE_SECONDS="0")
    env.update(METRICS_TOKEN=token, LOG_FORMAT="json", PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"))
    log = folder / "server.log"
    with serving(env, log) as url:
        yield Server(url, log, token)
