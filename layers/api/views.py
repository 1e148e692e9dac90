"""Read endpoints: thin views that parse parameters, call one domain function and shape the answer."""

import json
import logging
from urllib.parse import quote

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from ..models import Feature
from . import caching, exports, geojson, params
from .catalogue import (
    boundaries_credit,
    credit,
    describe_layer,
    get_layer,
    layer_catalogue,
    layer_with_extent,
)
from .errors import InvalidParameter, NotFound
from .filters import parse_filter
from .responses import GEOJSON, json_response, json_text_response
from .selection import Selection
from .serializers import FeatureSerializer

log = logging.getLogger(__name__)


@require_GET
def healthz(request):
    """200 with the database and PostGIS versions, or 503 when the database cannot answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version'), postgis_full_version()")
            server_version, postgis_version = cursor.fetchone()
    except DatabaseError as exc:
        log.warning("healthz: database unavailable: %s", exc)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": {
                "postgresql": server_version,
                "postgis": postgis_version.split('"')[1],
            },
        }
    )


# ---------------------------------------------------------------- REST API (documented by drf-spectacular)


# Every read answer may be an error in the one shape of api/errors.py; integrators need to see it.
ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description='A parameter it cannot use: {"error": {"code", "message", …}}')
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description='No such layer or feature: {"error": {"code", …}}')


class _FirstRenderer(BaseContentNegotiation):
    """The views write their own bodies; `?format=` is ours (csv), not DRF's renderer switch."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ReadView(APIView):
    """Public and read-only: no sessions, no authentication; errors take the one shape (api.errors)."""

    authentication_classes = ()
    permission_classes = ()
    content_negotiation_class = _FirstRenderer
    http_method_names = ["get", "head", "options"]


class LayerIndex(ReadView):
    @extend_schema(
        summary="Layer catalogue",
        operation_id="layers_list",
        description="Every layer with its version, feature count, bbox, licence, tile URL template (carrying the "
        "version) and its fields with types, ja/en labels, code lists and filter parameter names.",
        responses={200: OpenApiTypes.OBJECT, 400: ERROR},
    )
    def get(self, request):
        fingerprint = caching.catalogue_fingerprint()
        etag = caching.etag_for("catalogue", fingerprint, request.LANGUAGE_CODE)

        def build():
            text = caching.cached_document(
                f"catalogue:{fingerprint}:{request.LANGUAGE_CODE}",
                lambda: json.dumps(
                    {"layers": layer_catalogue(), "boundaries": boundaries_credit()}, ensure_ascii=False
                ),
            )
            return json_text_response(text)

        return caching.conditional(request, etag, build)


class LayerDetail(ReadView):
    @extend_schema(
        summary="One layer of the catalogue",
        operation_id="layer_retrieve",
        responses={200: OpenApiTypes.OBJECT, 400: ERROR, 404: NOT_FOUND},
    )
    def get(self, request, slug):
        layer = get_layer(slug)
        etag = caching.etag_for("layer", layer.pk, layer.version, caching.catalogue_fingerprint())
        return caching.conditional(request, etag, lambda: json_response(describe_layer(layer_with_extent(slug))))


_FEATURE_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minx,miny,maxx,maxy in lon/lat (EPSG:4326)"),
    OpenApiParameter("municipality", str, description="5-digit or 6-digit municipality code, e.g. 27205"),
    OpenApiParameter("q", str, description="part of the name or kana"),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": settings.FEATURES_MAX_LIMIT},
        description="page size, 1 to FEATURES_MAX_LIMIT (default 1000; CSV: all)",
    ),
    OpenApiParameter(
        "offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000}, description="features to skip"
    ),
    OpenApiParameter("fields", str, description="comma-separated properties to return"),
    OpenApiParameter("format", str, enum=["geojson", "csv"], description="csv: the standard open-data columns"),
    OpenApiParameter("encoding", str, enum=["utf-8", "cp932"], description="CSV encoding (UTF-8 has a BOM)"),
    OpenApiParameter(
        "filter",
        str,
        description="A CQL2 filter on the layer's queryables (its catalogue entry's `queryables_url`), e.g. "
        "`designation = 'shelter' AND capacity >= 100`; on the GeoJSON and the CSV alike",
    ),
    OpenApiParameter("filter-lang", str, enum=["cql2-text", "cql2-json"], description="default cql2-text"),
    OpenApiParameter(
        "<field>",
        str,
        description="Any filterable field of the layer's kind, by the names its catalogue entry lists under "
        "`filter_parameters` (e.g. disaster=flood, type=認可私立保育所, department=小児科). Comma-separated values "
        "match any of them; numeric fields also take <field>_min and <field>_max.",
    ),
]


class LayerFeatures(ReadView):
    @extend_schema(
        summary="A layer's features",
        description="GeoJSON FeatureCollection, paged with limit/offset and a `next` link; or CSV with format=csv.",
        parameters=_FEATURE_PARAMETERS,
        responses={
            (200, GEOJSON): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            (400, "application/json"): ERROR,
            (404, "application/json"): NOT_FOUND,
        },
    )
    def get(self, request, slug):
        layer = get_layer(slug)
        kind = layer.kind_spec
        query = request.GET
        output = (query.get("format") or "geojson").lower()
        if output not in ("geojson", "json", "csv"):
            raise InvalidParameter("format must be geojson or csv", parameter="format")
        selection = Selection(
            layer.pk,
            bbox=params.parse_bbox(query.get("bbox")),
            municipality_code=params.parse_municipality_code(query.get("municipality")),
            q=params.parse_query_text(query.get("q")),
            filters=tuple(params.parse_filters(query, kind)),
            condition=parse_filter(query.get("filter"), query.get("filter-lang"), kind),
        )
        etag = caching.etag_for("features", layer.pk, layer.version, caching.query_key(request))
        if output == "csv":
            encoding = (query.get("encoding") or "utf-8").lower()
            if encoding not in exports.ENCODINGS:
                raise InvalidParameter("encoding must be utf-8 or cp932", parameter="encoding")
            page = (params.parse_limit(query.get("limit")), params.parse_offset(query.get("offset")))
            if "limit" not in query:
                page = (None, page[1])  # the whole selection: an export is not paged unless asked
            return caching.conditional(request, etag, lambda: _csv_response(layer, selection, encoding, page))
        limit = params.parse_limit(query.get("limit"))
        offset = params.parse_offset(query.get("offset"))
        fields = params.parse_fields(query.get("fields"), kind)

        def build():
            features, returned, more = geojson.feature_page(
                selection, kind=kind, limit=limit, offset=offset, fields=fields
            )
            links = [{"rel": "self", "href": request.build_absolute_uri(), "type": GEOJSON}]
            if more:
                links.append({"rel": "next", "href": _with_query(request, offset=offset + limit), "type": GEOJSON})
            head = {
                "type": "FeatureCollection",
                "layer": layer.slug,
                "version": layer.version,
                "credit": credit(layer),
                "numberReturned": returned,
                "links": links,
            }
            body = json.dumps(head, ensure_ascii=False)[:-1] + f',"features":{features}}}'
            response = json_text_response(body, GEOJSON)
            if more:
                response["Link"] = f'<{links[-1]["href"]}>; rel="next"'
            return response

        return caching.conditional(request, etag, build)


def _with_query(request, **changes):
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _csv_response(layer, selection, encoding, page):
    codec = exports.ENCODINGS[encoding]
    charset = "Windows-31J" if codec == "cp932" else "utf-8"
    response = StreamingHttpResponse(
        exports.csv_chunks(selection, layer.kind_spec, encoding, limit=page[0], offset=page[1]),
        content_type=f"text/csv; charset={charset}",
    )
    response["Content-Disposition"] = f'attachment; filename="{layer.slug}-v{layer.version}.csv"'
    # CSV has no place for metadata: the credit the data's terms ask for travels in the headers (RFC 8187
    # for the Japanese text) and the licence as a Link.
    response["Data-Credit"] = "UTF-8''" + quote(" / ".join(v for v in credit(layer).values() if v))
    if layer.licence_url:
        response["Link"] = f'<{layer.licence_url}>; rel="license"'
    return response


class LayerFeature(ReadView):
    @extend_schema(
        summary="One feature of a layer",
        operation_id="layer_feature_retrieve",
        description="A GeoJSON Feature with the same properties as in the layer's FeatureCollection.",
        responses={(200, GEOJSON): OpenApiTypes.OBJECT, 400: ERROR, 404: NOT_FOUND},
    )
    def get(self, request, slug, feature_id):
        layer = get_layer(slug)
        etag = caching.etag_for("feature", layer.pk, layer.version, feature_id)

        def build():
            features = Feature.objects.select_related("municipality", "ward").filter(layer=layer)
            # bigint: a longer number names no feature (and must not reach PostgreSQL as one).
            found = features.filter(pk=feature_id).first() if 0 < feature_id < 2**63 else None
            if found is None:
                raise NotFound(f"no feature {feature_id} in layer {slug!r}")
            return json_response(FeatureSerializer(found).data, GEOJSON)

        return caching.conditional(request, etag, build)


class Municipalities(ReadView):
    @extend_schema(
        summary="The 43 municipal boundaries, simplified", responses={(200, GEOJSON): OpenApiTypes.OBJECT, 400: ERROR}
    )
    def get(self, request):
        body = caching.cached_document("municipalities", geojson.municipality_boundaries, timeout=3600)
        etag = caching.etag_for("municipalities", body)
        return caching.conditional(request, etag, lambda: json_text_response(body, GEOJSON))


layers_index = LayerIndex.as_view()
layer_detail = LayerDetail.as_view()
layer_features = LayerFeatures.as_view()
layer_feature = LayerFeature.as_view()
municipalities = Municipalities.as_view()
