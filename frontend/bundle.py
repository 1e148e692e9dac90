"""The map's script: the esbuild bundle (scripts/bundle.sh) while it is current, else the modules themselves.

One minified file is 20 KB gzipped against 38 KB in seventeen modules, and one request instead of
seventeen on a phone's HTTP/1.1 connections (six at a time, each a round trip). The modules stay the
source: a bundle older than any of them is ignored, so an edited module is never hidden behind a stale
bundle.
"""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

BUNDLE = "build/map.js"
ENTRY = "frontend/js/main.js"


def current_bundle() -> str | None:
    """The bundle's static path when it is newer than every module and served, else None."""
    try:
        # Collected static files (production) know only what was there at collectstatic: a bundle built
        # after it has no hashed name to serve it under.
        staticfiles_storage.url(BUNDLE)
    except ValueError:
        return None
    bundle = finders.find(BUNDLE)
    entry = finders.find(ENTRY)
    if not bundle or not entry:
        return None
    built = Path(bundle).stat().st_mtime
    if any(module.stat().st_mtime > built for module in Path(entry).parent.glob("*.js")):
        return None
    return BUNDLE
