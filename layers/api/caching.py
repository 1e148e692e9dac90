"""HTTP caching for the read endpoints: strong ETags from layer versions, 304s, Cache-Control,
and the server-side tile cache (Django's cache framework: Redis with REDIS_URL, process memory otherwise).

A publish bumps `Layer.version`; every ETag and cache key carries it, so nothing stale outlives a publish.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from mapapp import metrics

IMMUTABLE = "public, max-age=31536000, immutable"
# A gzipped body is another representation, so it gets its own strong ETag (as Apache's mod_deflate
# does): this suffix inside the quotes (mapapp.middleware.CompressResponses). Both count as a match.
GZIP_ETAG_SUFFIX = "-gzip"


def short_lived():
    return f"public, max-age={settings.API_CACHE_SECONDS}"


def etag_for(*parts) -> str:
    """A strong ETag (quoted) from the parts that decide a response's bytes."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


def query_key(request, ignore=()) -> str:
    """The query string in a canonical order, so `a=1&b=2` and `b=2&a=1` share an ETag and a cache entry."""
    items = sorted((k, v) for k, values in request.GET.lists() if k not in ignore for v in values)
    return "&".join(f"{k}={v}" for k, v in items)


def catalogue_fingerprint() -> str:
    """Changes whenever any layer row changes: a publish (version, updated_at) or an edit in the admin."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(coalesce(string_agg(l::text, '|' ORDER BY l.id), '')) FROM layers_layer l")
        return cursor.fetchone()[0]


def not_modified(request, etag) -> HttpResponse | None:
    """304 when the client already holds this ETag (If-None-Match, weak comparison as RFC 9110 asks)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return None
    tags = {identity_etag(t) for t in header.split(",")}
    if etag in tags or "*" in tags:
        return HttpResponse(status=304)
    return None


def identity_etag(tag):
    """A client's ETag as this server made it: weakness (W/) and the gzip suffix (mapapp.middleware) removed."""
    tag = tag.strip().removeprefix("W/")
    quoted = tag.endswith('"')
    core = tag[:-1] if quoted else tag
    core = core.removesuffix(GZIP_ETAG_SUFFIX)
    return (core + '"') if quoted else core


def finish(response, etag, cache_control=None, vary_accept=False):
    """Headers every cacheable read response carries."""
    response["ETag"] = etag
    response["Cache-Control"] = cache_control or short_lived()
    if vary_accept:
        patch_vary_headers(response, ["Accept"])
    return response


def conditional(request, etag, build, cache_control=None):
    """304 if the client holds `etag`, else `build()` with ETag and Cache-Control set."""
    response = not_modified(request, etag) or build()
    if response.status_code in (200, 204, 304):
        finish(response, etag, cache_control)
    return response


# ---------------------------------------------------------------- server-side tile cache


def tile_cache_key(slug, version, z, x, y) -> str:
    return f"tile:{slug}:{version}:{z}:{x}:{y}"


def tile_cache_enabled() -> bool:
    return settings.TILE_CACHE_SECONDS > 0


def cached_tile(slug, version, z, x, y):
    """The cached bytes (b"" for an empty tile) or None."""
    if not tile_cache_enabled():
        return None
    found = cache.get(tile_cache_key(slug, version, z, x, y))
    if found is not None:
        metrics.record_tile_cache(hit=True)
    return found


def store_tile(slug, version, z, x, y, tile: bytes):
    """A rendered tile into the cache: a miss (counted here, as a request may look twice before rendering)."""
    if settings.TILE_CACHE_SECONDS > 0:
        metrics.record_tile_cache(hit=False)
        cache.set(tile_cache_key(slug, version, z, x, y), tile, settings.TILE_CACHE_SECONDS)


def cached_document(key, build, timeout=None):
    """A small derived document (catalogue, collections) cached under a version-bearing key."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout or settings.TILE_CACHE_SECONDS or 300)
    return value
