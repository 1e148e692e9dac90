"""OGC API - Features views: parse, call one domain function, shape the document. Cached like the REST API."""

import json

from django.conf import settings
from django.urls import reverse
from django.views.decorators.http import require_safe

from ..api import caching, geojson, params
from ..api.catalogue import get_layer, layer_with_extent, layers_with_extent
from ..api.errors import NotFound, handles_map_errors
from ..api.filters import FilterCrs, parse_filter
from ..api.responses import json_response, json_text_response
from ..api.selection import Selection
from . import crs, documents


def _base(request):
    return request.build_absolute_uri(reverse("ogc-landing")).rstrip("/")


def _doc(doc, content_type=documents.JSON):
    return json_response(doc, content_type)


def _catalogue_view(request, name, build):
    """A document that changes only with the layer rows (and the host its links name)."""
    etag = caching.etag_for("ogc", name, caching.catalogue_fingerprint(), _base(request))
    return caching.conditional(request, etag, build)


@require_safe
@handles_map_errors
def landing(request):
    return _catalogue_view(request, "landing", lambda: _doc(documents.landing_page(_base(request))))


@require_safe
@handles_map_errors
def conformance(request):
    return _catalogue_view(request, "conformance", lambda: _doc(documents.conformance()))


@require_safe
@handles_map_errors
def api(request):
    def build():
        doc = documents.openapi(
            layers_with_extent(), _base(request), settings.FEATURES_MAX_LIMIT, settings.OGC_DEFAULT_LIMIT
        )
        return _doc(doc, documents.OPENAPI)

    return _catalogue_view(request, "api", build)


@require_safe
@handles_map_errors
def collections(request):
    return _catalogue_view(
        request, "collections", lambda: _doc(documents.collections(layers_with_extent(), _base(request)))
    )


@require_safe
@handles_map_errors
def collection(request, slug):
    layer = get_layer(slug)
    etag = caching.etag_for("ogc-collection", layer.pk, layer.version, caching.catalogue_fingerprint(), _base(request))
    return caching.conditional(
        request, etag, lambda: _doc(documents.collection(layer_with_extent(slug), _base(request)))
    )


@require_safe
@handles_map_errors
def queryables(request, slug):
    layer = get_layer(slug)
    etag = caching.etag_for("ogc-queryables", layer.pk, caching.catalogue_fingerprint(), _base(request))
    return caching.conditional(
        request, etag, lambda: _doc(documents.queryables(layer, _base(request)), documents.SCHEMA)
    )


def _selection(layer, query):
    """The features an items request selects: bbox (in bbox-crs), the filterable fields, a CQL2 filter."""
    kind = layer.kind_spec
    bbox_crs = crs.parse_crs(query.get("bbox-crs"), "bbox-crs")
    filter_crs = crs.parse_crs(query.get("filter-crs"), "filter-crs")
    bbox = params.parse_bbox(query.get("bbox"), geographic=bbox_crs.geographic, northing_first=bbox_crs.northing_first)
    condition = parse_filter(
        query.get("filter"),
        query.get("filter-lang"),
        kind,
        FilterCrs(filter_crs.srid, filter_crs.northing_first, filter_crs.geographic),
    )
    return Selection(
        layer.pk,
        bbox=bbox,
        bbox_srid=bbox_crs.srid,
        filters=tuple(params.parse_filters(query, kind, strict=False)),
        condition=condition,
    )


def _with_crs(response, output_crs):
    response["Content-Crs"] = output_crs.header
    return response


@require_safe
@handles_map_errors
def items(request, slug):
    layer = get_layer(slug)
    kind = layer.kind_spec
    query = request.GET
    output_crs = crs.parse_crs(query.get("crs"), "crs")
    selection = _selection(layer, query)
    limit = params.parse_limit(query.get("limit"), default=settings.OGC_DEFAULT_LIMIT, clamp=True)
    offset = params.parse_offset(query.get("offset"))
    base = _base(request)
    etag = caching.etag_for("ogc-items", layer.pk, layer.version, caching.query_key(request), base)

    def build():
        features, returned, more = geojson.feature_page(
            selection, kind=kind, limit=limit, offset=offset, crs=output_crs
        )
        # The last page tells the total for free; otherwise count.
        matched = offset + returned if returned and not more else geojson.count_features(selection)
        href = f"{base}/collections/{slug}/items"
        query_copy = query.copy()
        query_copy["limit"] = str(limit)
        links = [
            {"rel": "self", "type": documents.GEOJSON, "href": f"{href}?{query_copy.urlencode()}"},
            {"rel": "collection", "type": documents.JSON, "href": f"{base}/collections/{slug}"},
        ]
        if more:
            query_copy["offset"] = str(offset + limit)
            links.append({"rel": "next", "type": documents.GEOJSON, "href": f"{href}?{query_copy.urlencode()}"})
        head = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned, "links": links}
        body = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + f',"features":{features}}}'
        return _with_crs(json_text_response(body, documents.GEOJSON), output_crs)

    return caching.conditional(request, etag, build)


@require_safe
@handles_map_errors
def item(request, slug, feature_id):
    layer = get_layer(slug)
    try:
        pk = int(feature_id)
    except ValueError:
        raise NotFound(f"no feature {feature_id!r} in {slug}") from None
    output_crs = crs.parse_crs(request.GET.get("crs"), "crs")
    base = _base(request)
    etag = caching.etag_for("ogc-item", layer.pk, layer.version, pk, base, output_crs.uri)

    def build():
        text = geojson.one_feature(layer, pk, crs=output_crs) if 0 < pk < 2**63 else None
        if text is None:
            raise NotFound(f"no feature {feature_id!r} in {slug}")
        links = [
            {"rel": "self", "type": documents.GEOJSON, "href": f"{base}/collections/{slug}/items/{pk}"},
            {"rel": "collection", "type": documents.JSON, "href": f"{base}/collections/{slug}"},
        ]
        body = text[:-1] + ',"links":' + json.dumps(links, ensure_ascii=False) + "}"
        return _with_crs(json_text_response(body, documents.GEOJSON), output_crs)

    return caching.conditional(request, etag, build)
