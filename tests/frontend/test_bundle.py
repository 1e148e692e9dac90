"""The map page loads the esbuild bundle while it is current, and the modules once any is newer."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from frontend import bundle

ROOT = Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

pytestmark = pytest.mark.skipif(not ESBUILD.exists(), reason="esbuild is installed by `make vendor`")


@pytest.fixture
def built(tmp_path, settings):
    """A bundle built from a copy of the modules, found in place of the real ones."""
    static = tmp_path / "static"
    shutil.copytree(ROOT / "frontend" / "static" / "frontend" / "js", static / "frontend" / "js")
    (static / "build").mkdir()
    subprocess.run(
        [ESBUILD, static / "frontend/js/main.js", "--bundle", "--format=esm", f"--outfile={static / 'build/map.js'}"],
        check=True,
        capture_output=True,
    )
    settings.STATICFILES_DIRS = [static]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    from django.contrib.staticfiles import finders

    finders.get_finder.cache_clear()
    yield static
    finders.get_finder.cache_clear()


def test_a_current_bundle_is_the_pages_one_script(client, db, built):
    assert bundle.current_bundle() == "build/map.js"
    page = client.get("/").content.decode()
    assert 'src="/static/build/map.js"' in page
    assert "modulepreload" not in page and "frontend/js/main.js" not in page
    worker = client.get("/service-worker.js").content.decode()
    assert "/static/build/map.js" in worker and "/static/frontend/js/layers.js" not in worker


def test_a_module_edited_after_the_bundle_is_served_as_itself(client, db, built):
    later = time.time() + 5
    os.utime(built / "frontend/js/popup.js", (later, later))
    assert bundle.current_bundle() is None
    page = client.get("/").content.decode()
    assert "build/map.js" not in page
    assert 'src="/static/frontend/js/main.js"' in page and 'rel="modulepreload"' in page


def test_a_bundle_collected_static_files_do_not_know_is_not_asked_for(client, db, built, settings, monkeypatch):
    from django.contrib.staticfiles.storage import staticfiles_storage

    def missing(name):
        raise ValueError(f"Missing staticfiles manifest entry for '{name}'")

    monkeypatch.setattr(staticfiles_storage, "url", missing)
    assert bundle.current_bundle() is None
