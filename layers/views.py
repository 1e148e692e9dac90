"""Read endpoints: thin views that parse parameters, call one domain function and shape the answer."""

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from . import geojson, params
from .catalogue import layer_catalogue
from .errors import NotFound, handles_map_errors
from .models import Layer

log = logging.getLogger(__name__)

GEOJSON = "application/geo+json"


def _json_text(text, content_type="application/json", status=200):
    return HttpResponse(text, content_type=f"{content_type}; charset=utf-8", status=status)


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


@require_GET
def layers_index(request):
    return JsonResponse({"layers": layer_catalogue()}, json_dumps_params={"ensure_ascii": False})


@require_GET
@handles_map_errors
def layer_features(request, slug):
    layer = Layer.objects.filter(slug=slug).first()
    if layer is None:
        raise NotFound(f"no layer {slug!r}")
    bbox = params.parse_bbox(request.GET.get("bbox"))
    code = params.parse_municipality_code(request.GET.get("municipality"))
    limit = params.parse_limit(request.GET.get("limit"))
    offset = params.parse_int(request.GET.get("offset"), "offset", 0, maximum=10_000_000)
    features = geojson.layer_features(layer, bbox=bbox, municipality_code=code, limit=limit, offset=offset)
    body = f'{{"type":"FeatureCollection","layer":"{layer.slug}","version":{layer.version},"features":{features}}}'
    return _json_text(body, GEOJSON)


@require_GET
def municipalities(request):
    return _json_text(geojson.municipality_boundaries(), GEOJSON)
