"""deploy/nginx.conf: nginx accepts it, and in front of the real server it caches versioned tiles,
passes staff traffic through, hides /metrics and rate-limits login."""

import importlib.util
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from layers.models import Layer
from tests.conftest import ROOT, _free_port
from tests.layers.tiles.test_tile_fastpath import OSAKA_STATION_Z14

# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (scripts/install-system-packages.sh --with-browser installs it)"
)


def _nginx_local():
    """scripts/nginx-local.py, which renders deploy/nginx.conf for this machine (make loadtest uses it too)."""
    spec = importlib.util.spec_from_file_location("nginx_local", ROOT / "scripts" / "nginx-local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render(folder, upstream_port):
    """deploy/nginx.conf with this machine's paths and free ports: (nginx.conf, https port, http port)."""
    https, http = _free_port(), _free_port()
    main = _nginx_local().render(folder, int(upstream_port), https, http, connections=256)
    return main, https, http


def test_nginx_accepts_the_configuration(tmp_path):
    main, _, _ = render(tmp_path, 8000)
    checked = subprocess.run([NGINX, "-t", "-c", main], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr


@pytest.fixture
def nginx(ops_server, tmp_path):
    main, https, http = render(tmp_path, ops_server.url.rsplit(":", 1)[1])
    process = subprocess.Popen([NGINX, "-c", main, "-g", "daemon off;"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while not (tmp_path / "nginx.pid").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    yield f"https://127.0.0.1:{https}", f"http://127.0.0.1:{http}", ops_server.token
    process.terminate()
    process.wait(timeout=10)


def fetch(url, method="GET", **headers):
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    request = urllib.request.Request(url, method=method, headers={"Host": "localhost", **headers})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer


@pytest.mark.django_db
def test_in_front_of_the_server(nginx):
    https, http, metrics_token = nginx
    version = Layer.objects.get(slug="shelters").version
    tile = f"{https}{OSAKA_STATION_Z14}?v={version}"
    first, again = fetch(tile), fetch(tile)
    assert first.status == again.status == 200
    assert (first.headers["X-Cache-Status"], again.headers["X-Cache-Status"]) == ("MISS", "HIT")
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert again.headers.get_all("Strict-Transport-Security") == ["max-age=31536000; includeSubDomains"]
    assert first.read() == again.read()

    feed = f"{https}/api/shelters/status/"
    assert fetch(feed).status == 200
    assert fetch(feed).headers["X-Cache-Status"] == "HIT"
    assert fetch(feed, Cookie="primary_until=9999999999").headers["X-Cache-Status"] == "BYPASS"
    assert fetch(feed, Cookie="sessionid=abc").headers["X-Cache-Status"] == "BYPASS"
    staff = fetch(f"{https}/staff/shelters/")
    assert (staff.status == 302 and "X-Cache-Status" not in staff.headers) or staff.headers["X-Cache-Status"] == ""

    assert fetch(f"{https}/metrics", Authorization=f"Bearer {metrics_token}").status == 404
    assert fetch(f"{http}/here").status == 301

    logins = [fetch(f"{https}/accounts/login/", method="POST").status for _ in range(10)]
    assert 429 in logins and logins[0] != 429, logins
