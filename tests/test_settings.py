"""Production settings: `check --deploy` has nothing serious to say when DEBUG is off."""

import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def test_deploy_check_is_clean_with_debug_off():
    # The browser tests allow the ORM beside Playwright's event loop; a deployment never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = dict(
        inherited,
        DEBUG="false",
        SECRET_KEY="a-long-random-production-secret-key-3f9c1e7d5b2a4c6e8f0a1b3c5d7e9f1a",
        ALLOWED_HOSTS="map.example.jp",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # HSTS preload is a commitment for the domain's owner to make, not a default (security.W021).
    serious = [line for line in out.stderr.splitlines() if "?: (" in line and "security.W021" not in line]
    assert not serious, out.stderr


def test_debug_off_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DEBUG"] = "false"
    out = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_static_files_collect_for_production(tmp_path):
    """With DEBUG off, static files are hashed and compressed; a missing reference would fail here."""
    env = dict(os.environ, DEBUG="false", SECRET_KEY="collect-only", STATIC_ROOT=str(tmp_path / "static"))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (tmp_path / "static/staticfiles.json").exists()
    assert list((tmp_path / "static/vendor/leaflet").glob("leaflet.*.js"))
    # Module imports point at the hashed files, so a deploy never mixes old and new modules.
    (main,) = (tmp_path / "static/frontend/js").glob("main.*.js")
    imports = re.findall(r'from "\./([^"]+)"', main.read_text())
    assert imports and all(re.fullmatch(r"[-\w]+\.[0-9a-f]{12}\.js", name) for name in imports), imports
