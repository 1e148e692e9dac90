"""Faults on the day of a disaster, against the production server (scripts/serve.sh) and real services:
PostgreSQL cut off and back (through a TCP proxy the test controls, as a restart looks to the app),
PostgreSQL slow (a lock the feed must wait on), Redis gone or hanging, the upload folder unusable.

Every request here has a client timeout; the assertions are on how fast the server answers.
"""

import contextlib
import json
import os
import resource
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg2
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from importers.models import ImportRun
from layers.models import Feature, Layer, Municipality, Role, ShelterStatus
from layers.status import service
from tests.conftest import _free_port, _test_database_url, serving

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


class TcpProxy:
    """127.0.0.1:port → target. `cut()` drops every connection and refuses new ones, as a stopped
    PostgreSQL does; `restore()` listens again on the same port."""

    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.port = _free_port()
        self.links = []
        self.lock = threading.Lock()
        self.listener = None
        self.restore()

    def restore(self):
        self.listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.links += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(); close() alone does not
        self.listener.close()
        with self.lock:
            links, self.links = self.links, []
        for s in links:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def get(url, timeout=10, **headers):
    """(status, headers, body bytes, seconds); a refused or failed request is its status, never an exception."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read(), time.monotonic() - started


@contextlib.contextmanager
def production_server(tmp_path, **env_overrides):
    """scripts/serve.sh with production settings, one process of four threads."""
    port = _free_port()
    env = dict(os.environ, PYTHON=sys.executable, HOST="127.0.0.1", PORT=str(port), WEB_WORKERS="1", WEB_THREADS="4")
    env.update(DEBUG="false", SECRET_KEY="faults-test-only", ALLOWED_HOSTS="127.0.0.1,localhost")
    env.update(SECURE_SSL_REDIRECT="false", BEHIND_TLS_PROXY="false", SECURE_HSTS_SECONDS="0", DB_CONNECT_TIMEOUT="2")
    env.update(DATABASE_URL=_test_database_url(), PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING")
    env.pop("REDIS_URL", None)
    env.update(env_overrides)
    with serving(env, tmp_path / f"server-{port}.log") as url:
        yield url


def flush_redis(url):
    import redis

    redis.Redis.from_url(url, socket_timeout=1).flushdb()


@pytest.fixture
def redis_url():
    try:
        flush_redis(TEST_REDIS_URL)
    except Exception as exc:  # no Redis on this machine
        pytest.skip(f"no Redis at {TEST_REDIS_URL}: {exc}")
    yield TEST_REDIS_URL
    flush_redis(TEST_REDIS_URL)


@pytest.fixture
def open_shelter(django_db_setup, django_db_blocker):
    """One shelter opened by its staff, committed (the server is another process); removed afterwards."""
    with django_db_blocker.unblock():
        suita = Municipality.objects.get(code="27205")
        user = User.objects.create_user("faults-test-staff")
        Role.objects.create(user=user, name=Role.Name.DISASTER_STAFF, municipality=suita)
        shelter = Feature.objects.filter(layer__slug="shelters", municipality=suita).order_by("source_id").first()
        status = service.status_for(shelter)
        service.update_status(shelter, {"opening_status": "open", "evacuee_count": 42}, status.version, user)
        yield shelter
        ShelterStatus.objects.filter(municipality=suita, source_id=shelter.source_id).delete()
        user.delete()


@pytest.fixture
def versions(django_db_setup, django_db_blocker):
    """Each layer's version, as the catalogue's tile URLs carry it."""
    with django_db_blocker.unblock():
        return dict(Layer.objects.values_list("slug", "version"))


def feed_entry(body, shelter):
    return next(s for s in json.loads(body)["shelters"] if s["id"] == shelter.source_id)


# ---------------------------------------------------------------- the upload folder


@pytest.fixture
def editor_client(db):
    from rest_framework.test import APIClient

    user = User.objects.create_user("faults-test-editor")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=Municipality.objects.get(code="27205"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def upload(client, content=b"NO,\xe5\x85\xb1\xe9\x80\x9aID\n1,E\n"):
    data = {"file": SimpleUploadedFile("shelters.csv", content), "layer": "shelters", "municipality": "27205"}
    return client.post("/api/imports/", data, format="multipart")


def test_an_unwritable_upload_folder_is_a_clear_503_not_a_500(editor_client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the upload folder should be")
    settings.UPLOAD_ROOT = blocker / "uploads"
    runs_before = ImportRun.objects.count()
    response = upload(editor_client)
    assert response.status_code == 503 and response["Retry-After"]
    error = response.json()["error"]
    assert error["code"] == "server_disk_error" and "could not store the uploaded file" in error["message"]
    assert ImportRun.objects.count() == runs_before


def test_a_full_disk_is_a_clear_503_and_leaves_no_half_file(editor_client, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    content = b"NO,ID\n" + b"1,E27205000001\n" * 2000
    # The kernel refuses writes past this size (EFBIG), as a full disk refuses them (ENOSPC).
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, hard))
    try:
        response = upload(editor_client, content)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "server_disk_error"
    assert [p for p in (tmp_path / "uploads").rglob("*") if p.is_file()] == []


def test_the_staff_upload_page_says_the_folder_is_unwritable(client, db, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.UPLOAD_ROOT = blocker / "uploads"
    user = User.objects.create_user("faults-test-page-editor")
    suita = Municipality.objects.get(code="27205")
    Role.objects.create(user=user, name=Role.Name.DATA_EDITOR, municipality=suita)
    client.force_login(user)
    response = client.post(
        "/staff/imports/",
        {
            "file": SimpleUploadedFile("shelters.csv", b"NO,ID\n1,E\n"),
            "layer": Layer.objects.get(slug="shelters").pk,
            "municipality": suita.pk,
            "mode": "replace",
        },
    )
    assert response.status_code == 200
    assert "could not store the uploaded file" in response.content.decode()


# ---------------------------------------------------------------- PostgreSQL


def test_database_cut_off_gives_503s_and_stale_feed_then_recovers_by_itself(
    tmp_path, open_shelter, redis_url, versions
):
    host_port, _name = _test_database_url().rsplit("@", 1)[1].split("/")
    proxy = TcpProxy(int(host_port.rsplit(":", 1)[1]))
    database = _test_database_url().replace(f"@{host_port}/", f"@127.0.0.1:{proxy.port}/")
    hazard = versions["hazard-zones"]
    # One tile the server will have cached, one it never drew, one without a version.
    cached_tile = f"/tiles/shelters/clusters/10/897/406.pbf?v={versions['shelters']}"  # 大阪市
    fresh_tile = f"/tiles/hazard-zones/11/1797/809.pbf?v={hazard}"
    unversioned_tile = "/tiles/hazard-zones/10/899/404.pbf"
    with production_server(tmp_path, DATABASE_URL=database, REDIS_URL=redis_url) as url:
        # Before: the feed and two tiles, which the server keeps (memory, Redis).
        status, headers, fresh_feed, _ = get(f"{url}/api/shelters/status/")
        assert status == 200 and feed_entry(fresh_feed, open_shelter)["count"] == 42
        _, _, tile_before, _ = get(url + cached_tile)
        assert tile_before, "a tile with shelters in it"
        assert get(url + unversioned_tile)[0] in (200, 204)

        proxy.cut()
        time.sleep(1)
        status, _, body, seconds = get(f"{url}/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable" and seconds < 3

        # The last good feed, marked stale with its age; cached tiles as before.
        status, headers, body, seconds = get(f"{url}/api/shelters/status/")
        assert status == 200 and seconds < 3
        stale = json.loads(body)
        assert stale["stale"] is True and stale["as_of"] and int(headers["Age"]) >= 1
        assert "ETag" not in headers and headers["Cache-Control"] == "no-store"
        assert feed_entry(body, open_shelter)["count"] == 42
        status, _, tile_during, seconds = get(url + cached_tile)
        assert (status, tile_during) == (200, tile_before) and seconds < 3
        assert get(url + unversioned_tile)[0] in (200, 204)

        # What needs the database: a prompt 503 in the one error shape, with Retry-After; never a hang or a 500.
        for path in (
            fresh_tile,
            "/tiles/shelters/clusters/9/448/202.pbf",
            "/api/layers/shelters/features/?limit=1",
            "/api/search/?q=%E5%90%B9%E7%94%B0",
            "/api/nearest/?layer=shelters&lat=34.76&lon=135.52",
        ):
            status, headers, body, seconds = get(url + path)
            assert status == 503, (path, status, body[:300])
            assert json.loads(body)["error"]["code"] == "unavailable" and headers["Retry-After"], path
            assert seconds < 5, (path, seconds)

        proxy.restore()
        deadline = time.monotonic() + 20
        while get(f"{url}/healthz")[0] != 200:
            assert time.monotonic() < deadline, "the server did not recover by itself"
            time.sleep(0.5)
        status, headers, body, _ = get(f"{url}/api/shelters/status/")
        assert status == 200 and "stale" not in json.loads(body) and headers["ETag"]
        assert get(f"{url}/api/layers/shelters/features/?limit=1")[0] == 200
        assert get(url + fresh_tile)[0] in (200, 204)
    proxy.cut()


def test_a_slow_database_gets_the_last_feed_marked_stale_within_its_timeout(tmp_path, open_shelter):
    with production_server(tmp_path, STATUS_FEED_DB_TIMEOUT_MS="500") as url:
        assert get(f"{url}/api/shelters/status/")[0] == 200
        blocker = psycopg2.connect(_test_database_url().replace("postgis://", "postgresql://"))
        try:
            with blocker.cursor() as cursor:  # as a long migration or a vacuum full would
                cursor.execute("LOCK TABLE layers_shelterstatus IN ACCESS EXCLUSIVE MODE")
            status, headers, body, seconds = get(f"{url}/api/shelters/status/")
            assert status == 200 and json.loads(body)["stale"] is True and seconds < 2
            assert feed_entry(body, open_shelter)["count"] == 42 and "Age" in headers
        finally:
            blocker.rollback()
            blocker.close()
        status, _, body, _ = get(f"{url}/api/shelters/status/")
        assert status == 200 and "stale" not in json.loads(body)


# ---------------------------------------------------------------- Redis


@pytest.fixture(params=["stopped", "hanging"])
def broken_redis(request):
    """A Redis URL where nothing answers: a closed port, or a port that accepts and then says nothing."""
    if request.param == "stopped":
        yield f"redis://127.0.0.1:{_free_port()}/12"
        return
    with socket.create_server(("127.0.0.1", 0)) as silent:  # never accept()ed: connects, no reply
        yield f"redis://127.0.0.1:{silent.getsockname()[1]}/12"


def test_without_redis_tiles_are_rendered_promptly_and_nothing_fails(tmp_path, versions, broken_redis):
    with production_server(tmp_path, REDIS_URL=broken_redis) as url:
        started = time.monotonic()
        for x, y in ((897, 403), (898, 403), (897, 404), (898, 404), (899, 404)):
            for path in (
                f"/tiles/hazard-zones/10/{x}/{y}.pbf?v={versions['hazard-zones']}",
                f"/tiles/shelters/clusters/10/{x}/{y}.pbf?v={versions['shelters']}",
                f"/tiles/hazard-zones/10/{x}/{y}.pbf",
            ):
                status, _, _, seconds = get(url + path)
                assert status in (200, 204) and seconds < 2, (path, status, seconds)
        # One socket timeout at most, then Redis is left alone for CACHE_RETRY_SECONDS.
        assert time.monotonic() - started < 5
        assert get(f"{url}/api/shelters/status/")[0] == 200
        assert get(f"{url}/api/layers/")[0] == 200
