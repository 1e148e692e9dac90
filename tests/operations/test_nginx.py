"""deploy/nginx.conf: nginx accepts it, and in front of the real server it caches versioned tiles,
passes staff traffic through, hides /metrics and rate-limits login."""

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


def render(folder, upstream_port):
    """deploy/nginx.conf with this machine's paths and ports, inside a minimal main configuration."""
    site = (ROOT / "deploy/nginx.conf").read_text()
    https, http = _free_port(), _free_port()
    for production, here in {
        "/etc/ssl/mapapp/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/mapapp/privkey.pem": str(folder / "key.pem"),
        "/var/cache/nginx/mapapp": str(folder / "cache"),
        "/var/www/acme": str(folder / "acme"),
        "server 127.0.0.1:8000": f"server 127.0.0.1:{upstream_port}",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
    }.items():
        assert production in site, production
        site = site.replace(production, here)
    (folder / "site.conf").write_text(site)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", folder / "key.pem", "-out", folder / "cert.pem"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    temp = folder / "temp"
    temp.mkdir()
    main = folder / "nginx.conf"
    main.write_text(f"""
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {folder}/site.conf;
}}
""")
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
