"""Vector tiles over HTTP: one MVT tile (immutable under a versioned URL) and the TileJSON document."""

import logging

from django import db
from django.http import HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from ..api import caching, params
from ..api.catalogue import current_version, get_layer, layer_ref, layer_with_extent, tile_url_template
from ..api.errors import NotFound, ServiceUnavailable, handles_map_errors
from ..api.responses import json_response
from . import boundaries, clusters, mvt

MVT = "application/vnd.mapbox-vector-tile"

log = logging.getLogger(__name__)


def _tile_response(tile: bytes, etag, cache_control):
    if tile:
        response = HttpResponse(tile, content_type=MVT)
    else:
        response = HttpResponse(status=204)
        del response["Content-Type"]
    return caching.finish(response, etag, cache_control)


def _to_current_version(request, version):
    """An old version's tile URL: send the client to the current one rather than serve changed bytes under it."""
    response = HttpResponseRedirect(f"{request.path}?v={version}")
    response["Cache-Control"] = caching.short_lived()
    return response


@require_safe
@handles_map_errors
def tile(request, slug, z, x, y):
    """One MVT tile. With `?v=N` (the catalogue's URLs) it is immutable; a hot tile comes from the cache.

    When the database cannot render it, a cached tile of the last version this process saw is served.
    """
    z, x, y = params.parse_tile(z, x, y)
    wanted = params.parse_version(request.GET.get("v"))
    if wanted is not None:
        # The URL names the version, so the ETag and a cached tile need no database round trip.
        etag = caching.etag_for("tile", slug, wanted, z, x, y)
        if response := caching.not_modified(request, etag):
            return caching.finish(response, etag, caching.IMMUTABLE)
        cached = caching.cached_tile(slug, wanted, z, x, y)
        if cached is not None:
            return _tile_response(cached, etag, caching.IMMUTABLE)
    try:
        return _rendered_tile(request, slug, z, x, y, wanted)
    except db.Error as exc:
        version = wanted if wanted is not None else _last_version.get(slug)
        cached = caching.cached_tile(slug, version, z, x, y) if version is not None else None
        if cached is None:
            raise _unavailable(exc) from exc
        return _tile_response(cached, caching.etag_for("tile", slug, version, z, x, y), caching.short_lived())


# slug → the newest layer version this process has seen, for serving cached tiles while the database is away.
_last_version: dict[str, int] = {}


def _unavailable(exc):
    log.warning("tile: the database did not answer: %s", exc)
    return ServiceUnavailable("the tile cannot be drawn now; try again shortly", headers={"Retry-After": "5"})


def _rendered_tile(request, slug, z, x, y, wanted):
    cache_control = caching.IMMUTABLE if wanted is not None else caching.short_lived()
    ref = layer_ref(slug)
    if wanted is not None or caching.tile_cache_enabled() or "If-None-Match" in request.headers:
        version = current_version(ref)
        if version is None:
            ref = layer_ref(slug, fresh=True)
            version = current_version(ref)
        _last_version[slug] = version
        if wanted is not None and wanted != version:
            return _to_current_version(request, version)
        etag = caching.etag_for("tile", slug, version, z, x, y)
        if response := caching.not_modified(request, etag):
            return caching.finish(response, etag, cache_control)
        cached = caching.cached_tile(slug, version, z, x, y)
        if cached is not None:
            return _tile_response(cached, etag, cache_control)
    version, data = mvt.layer_tile(ref, z, x, y)
    if version is None:  # the layer went away or changed kind since this process first saw it
        version, data = mvt.layer_tile(layer_ref(slug, fresh=True), z, x, y)
        if version is None:
            raise NotFound(f"no layer {slug!r}")
    _last_version[slug] = version
    if wanted is not None and wanted != version:  # a publish landed in between: this is the next version
        return _to_current_version(request, version)
    caching.store_tile(slug, version, z, x, y, data)
    return _tile_response(data, caching.etag_for("tile", slug, version, z, x, y), cache_control)


@require_safe
@handles_map_errors
def tilejson(request, slug):
    layer = get_layer(slug)
    etag = caching.etag_for("tilejson", layer.pk, layer.version, request.get_host())

    def build():
        described = layer_with_extent(slug)
        url = request.build_absolute_uri(tile_url_template(layer)).replace("%7B", "{").replace("%7D", "}")
        return json_response(mvt.tilejson(layer, tiles_url=url, bounds=described.extent))

    return caching.conditional(request, etag, build)


@require_safe
@handles_map_errors
def cluster_tile(request, slug, z, x, y):
    """A point layer's clusters for one tile (clusters.py), narrowed by the features endpoint's filters.

    Immutable under `?v=N` like a tile; the filters are part of the URL, so of the ETag and the
    server-side cache key too. A cached one needs no database.
    """
    z, x, y = params.parse_tile(z, x, y)
    wanted = params.parse_version(request.GET.get("v"))
    query = caching.query_key(request)
    if wanted is not None:
        etag = caching.etag_for("clusters", slug, wanted, z, x, y, request.GET.urlencode())
        if response := caching.not_modified(request, etag):
            return caching.finish(response, etag, caching.IMMUTABLE)
        cached = caching.cached_tile(f"{slug}:clusters:{query}", wanted, z, x, y)
        if cached is not None:
            return _tile_response(cached, etag, caching.IMMUTABLE)
    try:
        ref = layer_ref(slug)
        filters = params.parse_filters(request.GET, ref.kind_spec)
        version, data = clusters.cluster_tile(ref, z, x, y, filters)
    except db.Error as exc:
        raise _unavailable(exc) from exc
    if version is None:
        raise NotFound(f"no layer {slug!r}")
    if wanted is not None and wanted != version:
        query = request.GET.copy()
        query["v"] = version
        response = HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
        response["Cache-Control"] = caching.short_lived()
        return response
    if wanted is not None:
        caching.store_tile(f"{slug}:clusters:{query}", version, z, x, y, data)
    etag = caching.etag_for("clusters", slug, version, z, x, y, request.GET.urlencode())
    if response := caching.not_modified(request, etag):
        return caching.finish(response, etag, caching.IMMUTABLE)
    return _tile_response(data, etag, caching.IMMUTABLE if wanted is not None else caching.short_lived())


@require_safe
@handles_map_errors
def boundary_tile(request, z, x, y):
    """The municipal outlines of one tile (boundaries.py): immutable under `?v=` the current digest."""
    z, x, y = params.parse_tile(z, x, y)
    try:
        current = boundaries.version()
        etag = caching.etag_for("boundaries", current, z, x, y)
        cache_control = caching.IMMUTABLE if request.GET.get("v") == current else caching.short_lived()
        if response := caching.not_modified(request, etag):
            return caching.finish(response, etag, cache_control)
        data = caching.cached_tile("boundaries", current, z, x, y)
        if data is None:
            data = boundaries.boundary_tile(z, x, y)
            caching.store_tile("boundaries", current, z, x, y, data)
    except db.Error as exc:
        raise _unavailable(exc) from exc
    return _tile_response(data, etag, cache_control)
