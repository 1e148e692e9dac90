"""Answers for residents over HTTP: search, nearest, the hazard report and its accessible page (/here).

Thin views: parse and check the parameters, call one domain function, shape the response.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from ..api import caching, params
from ..api.errors import InvalidParameter
from ..api.responses import GEOJSON, json_response
from ..api.selection import Selection
from ..api.views import ERROR, ReadView
from ..models import Layer
from ..status.service import feed_fingerprint
from ..status.views import live_cache_control
from .hazard_report import (
    DISTANCE_BASIS,
    HTML_LANG,
    LANGUAGE_NAMES,
    LANGUAGES,
    distance_text,
    hazard_report_at,
    in_language,
    overlapping_text,
    report_fingerprint,
    shelters_heading,
    status_text,
)
from .nearest import (
    DISASTERS_FIELD,
    SHELTER_DISASTER_FOR_HAZARD,
    STATUS_VALUES,
    NearestQuery,
    hazard_layers,
    nearest_features,
)
from .search import SearchQuery, search

SEARCH_DEFAULT_LIMIT = 10
SEARCH_MAX_LIMIT = 50
NEAREST_DEFAULT_LIMIT = 5
NEAREST_MAX_LIMIT = 50


# ---------------------------------------------------------------- parameters of these endpoints

POINT_PARAMETERS = [
    OpenApiParameter(
        "lat", {"type": "number", "minimum": -90, "maximum": 90}, required=True, description="latitude, WGS 84 degrees"
    ),
    OpenApiParameter(
        "lon",
        {"type": "number", "minimum": -180, "maximum": 180},
        required=True,
        description="longitude, WGS 84 degrees",
    ),
]


def parse_lang(value, default="ja"):
    """`lang`: ja, en or easy (やさしい日本語); absent means the request's language."""
    return params.parse_choice(value, "lang", tuple(LANGUAGES), default if default in LANGUAGES else "ja")


def parse_layer_slugs(value):
    """`layer=shelters,clinics`: the layers to search; absent means all."""
    layers = Layer.objects.order_by("sort_order", "slug")
    if value in (None, ""):
        return list(layers)
    slugs = [s.strip() for s in value.split(",") if s.strip()]
    found = {layer.slug: layer for layer in layers.filter(slug__in=slugs)}
    unknown = [s for s in slugs if s not in found]
    if unknown or not slugs:
        raise InvalidParameter(f"unknown layer(s): {', '.join(unknown) or '(none given)'}", parameter="layer")
    return [found[s] for s in slugs]


# ---------------------------------------------------------------- search


class Search(ReadView):
    @extend_schema(
        summary="Search names, readings, addresses and places",
        operation_id="search",
        description="Type-ahead search across layers (or the chosen ones) and municipalities and wards. "
        "Japanese-aware: NFKC, full/half width, hiragana/katakana, small kana, long vowels, ケ/ヶ/が and spaces "
        "are folded; prefix, substring and (from three characters) fuzzy matches. Ranked by match quality, "
        "places first, then distance from lat/lon. A GeoJSON FeatureCollection; each feature has "
        "`result_type` (feature, municipality, ward), `layer`, `municipality`, `match` and `highlight` "
        "(field, text and code-point ranges of what matched). Polygons come as a point on their surface "
        "with a `bbox`.",
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": 100},
                required=True,
                description="what to look for, 1–100 characters",
            ),
            OpenApiParameter("layer", str, description="comma-separated layer slugs (default: all)"),
            OpenApiParameter("municipality", str, description="5- or 6-digit municipality code"),
            OpenApiParameter("lat", float, description="rank nearer results first (with lon)"),
            OpenApiParameter("lon", float),
            OpenApiParameter("places", bool, description="include municipalities and wards (default true)"),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": SEARCH_MAX_LIMIT},
                description=f"1–{SEARCH_MAX_LIMIT} (default {SEARCH_DEFAULT_LIMIT})",
            ),
        ],
        responses={(200, GEOJSON): OpenApiTypes.OBJECT, 400: ERROR},
    )
    def get(self, request):
        query = request.GET
        text = params.parse_query_text(query.get("q"))
        if text is None:
            raise InvalidParameter("q is required", parameter="q")
        search_query = SearchQuery(
            text,
            tuple(layer.pk for layer in parse_layer_slugs(query.get("layer"))),
            municipality_code=params.parse_municipality_code(query.get("municipality")),
            near=params.parse_optional_point(query),
            places=params.parse_flag(query.get("places"), "places", True),
            limit=params.parse_limit(query.get("limit"), maximum=SEARCH_MAX_LIMIT, default=SEARCH_DEFAULT_LIMIT),
        )
        if not search_query.key:
            raise InvalidParameter("q holds nothing to search for", parameter="q")
        etag = caching.etag_for("search", caching.catalogue_fingerprint(), caching.query_key(request))

        def build():
            features = search(search_query)
            doc = {"type": "FeatureCollection", "query": text, "numberReturned": len(features), "features": features}
            return json_response(doc, GEOJSON)

        return caching.conditional(request, etag, build)


# ---------------------------------------------------------------- nearest

_NEAREST_OWN = ("lat", "lon", "layer", "status", "suitable_for")


class Nearest(ReadView):
    @extend_schema(
        summary="The features nearest to a point",
        operation_id="nearest",
        description="Sorted by straight-line distance in metres on the WGS 84 spheroid (`distance_m`), with the "
        "layer kind's filters as on the features endpoint. Shelters carry their live `status`; `status=open` "
        "keeps those open now; `suitable_for=<hazard>` keeps sites designated for that disaster type and not "
        "inside a hazard zone of that type.",
        parameters=[
            *POINT_PARAMETERS,
            OpenApiParameter(
                "layer", {"type": "string", "minLength": 1}, required=True, description="layer slug, e.g. shelters"
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": NEAREST_MAX_LIMIT},
                description=f"1–{NEAREST_MAX_LIMIT} (default {NEAREST_DEFAULT_LIMIT})",
            ),
            OpenApiParameter("municipality", str, description="5- or 6-digit municipality code"),
            OpenApiParameter("q", str, description="part of the name or kana"),
            OpenApiParameter("status", str, enum=list(STATUS_VALUES), description="live-status layers only"),
            OpenApiParameter(
                "suitable_for", str, enum=list(SHELTER_DISASTER_FOR_HAZARD), description="shelter layers only"
            ),
            OpenApiParameter("<field>", str, description="the layer's filters, e.g. disaster=tsunami, type=…"),
        ],
        responses={(200, GEOJSON): OpenApiTypes.OBJECT, 400: ERROR},
    )
    def get(self, request):
        query = request.GET
        lon, lat = params.parse_point(query)
        slug = (query.get("layer") or "").strip()
        if not slug:
            raise InvalidParameter("layer is required", parameter="layer")
        layer = parse_layer_slugs(slug)[0]
        kind = layer.kind_spec
        rest = query.copy()
        for name in _NEAREST_OWN:
            rest.pop(name, None)
        status = query.get("status") or None
        if status and not kind.live_status:
            raise InvalidParameter(f"layer {layer.slug} has no live status", parameter="status")
        if status and status not in STATUS_VALUES:
            raise InvalidParameter(f"status must be one of {', '.join(STATUS_VALUES)}", parameter="status")
        suitable_for = query.get("suitable_for") or None
        if suitable_for and DISASTERS_FIELD not in kind.fields_by_name:
            raise InvalidParameter(f"layer {layer.slug} has no disaster types", parameter="suitable_for")
        if suitable_for and suitable_for not in SHELTER_DISASTER_FOR_HAZARD:
            known = ", ".join(SHELTER_DISASTER_FOR_HAZARD)
            raise InvalidParameter(f"suitable_for must be one of {known}", parameter="suitable_for")
        nearest_query = NearestQuery(
            lon,
            lat,
            Selection(
                layer.pk,
                municipality_code=params.parse_municipality_code(query.get("municipality")),
                q=params.parse_query_text(query.get("q")),
                filters=tuple(params.parse_filters(rest, kind)),
            ),
            limit=params.parse_limit(query.get("limit"), maximum=NEAREST_MAX_LIMIT, default=NEAREST_DEFAULT_LIMIT),
            status=status,
            suitable_for=suitable_for,
            hazard_layer_ids=tuple(hazard_layers().values_list("pk", flat=True)) if suitable_for else (),
        )
        live = feed_fingerprint() if kind.live_status else ""
        etag = caching.etag_for("nearest", caching.catalogue_fingerprint(), live, caching.query_key(request))

        def build():
            features = nearest_features(nearest_query)
            doc = {
                "type": "FeatureCollection",
                "layer": layer.slug,
                "point": {"lat": lat, "lon": lon},
                "distance_basis": DISTANCE_BASIS,
                "numberReturned": len(features),
                "features": features,
            }
            return json_response(doc, GEOJSON)

        return caching.conditional(request, etag, build, live_cache_control() if kind.live_status else None)


# ---------------------------------------------------------------- hazard report


def _report_etag(request, lon, lat, lang):
    return caching.etag_for(request.path, report_fingerprint(), lon, lat, lang)


class HazardsAt(ReadView):
    @extend_schema(
        summary="Hazards at a point, what to do, and the nearest suitable shelters",
        operation_id="hazards_at",
        description="For each hazard type in the hazard-zone layers: whether the point is inside a zone (its "
        "boundary counts as inside), the most severe level where zones overlap with its label, the "
        "recommended action, the nearest shelters designated for that hazard and outside its zones (distance, "
        "live status), and the source with its date and attribution. Also the municipality and ward, and "
        "`suggested_shelters`: where to go from the point, open and suitable shelters first, each with its `rank`, "
        "`suitable_for`, `suitable`, live `status` and `distance_m`, which is a straight line "
        "(`distance_basis`: there is no walking network). Texts in "
        "`lang`: ja, en or easy (やさしい日本語). A point outside Osaka Prefecture answers "
        "`inside_prefecture: false` with a message.",
        parameters=[
            *POINT_PARAMETERS,
            OpenApiParameter("lang", str, enum=list(LANGUAGES), description="default: the request's language"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERROR},
    )
    def get(self, request):
        lon, lat = params.parse_point(request.GET)
        lang = parse_lang(request.GET.get("lang"), request.LANGUAGE_CODE)
        etag = _report_etag(request, lon, lat, lang)

        def build():
            return json_response(hazard_report_at(lon, lat, lang))

        return caching.conditional(request, etag, build, live_cache_control())


search_view = Search.as_view()
nearest_view = Nearest.as_view()
hazards_at_view = HazardsAt.as_view()


# ---------------------------------------------------------------- the same report as an accessible page


@require_GET
def here(request):
    """/here?lat=…&lon=…&lang=…: the hazard report as plain, accessible HTML (no map, no script)."""
    try:
        lang = parse_lang(request.GET.get("lang"), request.LANGUAGE_CODE)
    except InvalidParameter:
        lang = "ja"
    context = {"lang": lang, "html_lang": HTML_LANG[lang], "languages": _language_links(request, lang)}
    context["lat"], context["lon"] = request.GET.get("lat", ""), request.GET.get("lon", "")
    if not context["lat"] and not context["lon"]:
        return _render_page(request, lang, context)
    try:
        lon, lat = params.parse_point(request.GET)
    except InvalidParameter as error:
        context["error_detail"] = error.message
        return _render_page(request, lang, context, status=400)
    etag = _report_etag(request, lon, lat, lang)

    def build():
        report = hazard_report_at(lon, lat, lang)
        with in_language(lang):
            context.update(report=report, hazards=[_hazard_for_page(h) for h in report["hazards"]])
        context["lat_text"], context["lon_text"] = f"{lat:.6f}", f"{lon:.6f}"
        return _render_page(request, lang, context)

    return caching.conditional(request, etag, build, live_cache_control())


def _render_page(request, lang, context, status=200):
    report = context.get("report") or {}
    places = [p for p in (report.get("municipality"), report.get("ward")) if p]
    if lang == "en":
        where = ", ".join(p["name"]["en"] for p in reversed(places))  # Kita Ward, Osaka City
    else:
        where = "".join(p["name"]["ja"] for p in places)  # 大阪市北区
    with in_language(lang):
        title = pgettext("hazard report", "Hazards at this place")
        context["page_title"] = f"{title} — {where}" if where else title
        response = render(request, "answers/here.html", context, status=status)
    response["Content-Language"] = HTML_LANG[lang]
    return response


def _language_links(request, current):
    links = []
    for code in LANGUAGES:
        query = {k: v for k, v in request.GET.items() if k in ("lat", "lon")}
        query["lang"] = code
        href = f"{reverse('here')}?{urlencode(query)}"
        links.append({"code": code, "html_lang": HTML_LANG[code], "name": LANGUAGE_NAMES[code], "href": href,
                      "current": code == current})  # fmt: skip
    return links


def _hazard_for_page(hazard):
    """What the page shows of one hazard, in the active language."""
    shown = dict(hazard)
    shown["shelters_heading"] = shelters_heading(hazard["short_name"])
    if hazard["zone_count"] > 1:
        shown["overlapping"] = overlapping_text(hazard["zone_count"])
    shown["shelter_items"] = [
        {
            "name": s["properties"]["name"],
            "address": s["properties"]["address"],
            "distance": distance_text(s["properties"]["distance_m"]),
            "status": status_text(s["properties"]) if "status" in s["properties"] else None,
        }
        for s in hazard["shelters"]
    ]
    return shown
