"""OGC API - Features documents: landing page, conformance, collections, queryables and the OpenAPI 3.0 definition.

Every layer is a collection named by its slug; features are the same GeoJSON as the REST API's.
"""

from ..api.filters import LANGUAGES
from ..api.queryables import json_schema
from . import crs

# Exactly what is implemented: Part 1 without HTML and GML, Part 2, Part 3 with CQL2 text and JSON
# (basic CQL2, LIKE/BETWEEN/IN, all S_ functions on any geometry literal, the A_ array functions) —
# not CASEI/ACCENTI, temporal or arithmetic operators, property-to-property comparisons or queryables
# as query parameters (only the filterable fields are).
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
]
CRS84 = crs.CRS84_URI
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def landing_page(base):
    return {
        "title": "大阪府 広域デジタルマップ / Osaka wide-area map",
        "description": "Shelters, hazard zones, childcare, parks and clinics of Osaka Prefecture's 43 municipalities.",
        "links": [
            {"rel": "self", "type": JSON, "title": "This document", "href": f"{base}/"},
            {"rel": "service-desc", "type": OPENAPI, "title": "The API definition", "href": f"{base}/api"},
            {"rel": "conformance", "type": JSON, "title": "Conformance classes", "href": f"{base}/conformance"},
            {"rel": "data", "type": JSON, "title": "Collections", "href": f"{base}/collections"},
        ],
    }


def conformance():
    return {"conformsTo": CONFORMANCE}


def collection(layer, base):
    """One layer as a collection; `layer` carries `extent` (from catalogue.layers_with_extent)."""
    href = f"{base}/collections/{layer.slug}"
    extent = getattr(layer, "extent", None)
    doc = {
        "id": layer.slug,
        "title": layer.name_ja,
        "description": f"{layer.name_en}. {layer.description_en}".strip(),
        "attribution": layer.attribution,
        "itemType": "feature",
        "crs": crs.offered_uris(),
        "storageCrs": crs.storage_crs().uri,
        "links": [
            {"rel": "self", "type": JSON, "title": layer.name_en, "href": href},
            {"rel": "items", "type": GEOJSON, "title": f"{layer.name_en} (GeoJSON)", "href": f"{href}/items"},
            {"rel": QUERYABLES_REL, "type": SCHEMA, "title": "Queryables", "href": f"{href}/queryables"},
        ],
    }
    if layer.licence:
        doc["license"] = layer.licence
    if extent:
        doc["extent"] = {"spatial": {"bbox": [[round(v, 6) for v in extent]], "crs": CRS84}}
    return doc


def queryables(layer, base):
    """What a filter on this collection may name (Part 3, /req/queryables)."""
    href = f"{base}/collections/{layer.slug}/queryables"
    return json_schema(layer.kind_spec, href, f"{layer.name_ja} / {layer.name_en}")


def collections(layers, base):
    return {
        "links": [{"rel": "self", "type": JSON, "title": "Collections", "href": f"{base}/collections"}],
        "collections": [collection(layer, base) for layer in layers],
    }


def _ref(name):
    return {"$ref": f"#/components/parameters/{name}"}


def openapi(layers, base, max_limit, default_limit):
    """The OpenAPI 3.0 definition of this OGC API, one items path per collection (as GDAL and QGIS read it)."""
    paths = {
        "/": _get("Landing page", "LandingPage", JSON),
        "/conformance": _get("Conformance classes", "Conformance", JSON),
        "/api": _get("This API definition", "API", OPENAPI),
        "/collections": _get("The feature collections", "Collections", JSON),
    }
    for layer in layers:
        kind = layer.kind_spec
        slug = layer.slug
        paths[f"/collections/{slug}"] = _get(f"{layer.name_en}: collection", f"describe_{slug}", JSON)
        filters = [
            {
                "name": f.name,
                "in": "query",
                "required": False,
                "description": f"{f.label_en} / {f.label_ja}",
                "schema": {"type": "string", **({"enum": [c.value for c in f.codes]} if f.codes else {})},
            }
            for f in kind.filterable_fields
        ]
        paths[f"/collections/{slug}/queryables"] = _get(f"{layer.name_en}: queryables", f"queryables_{slug}", SCHEMA)
        items = _get(f"{layer.name_en}: features", f"items_{slug}", GEOJSON)
        items["get"]["parameters"] = [
            *(_ref(n) for n in ("bbox", "bbox-crs", "crs", "limit", "offset", "filter", "filter-lang", "filter-crs")),
            *filters,
        ]
        paths[f"/collections/{slug}/items"] = items
        one = _get(f"{layer.name_en}: one feature", f"item_{slug}", GEOJSON)
        one["get"]["parameters"] = [_ref("featureId"), _ref("crs")]
        paths[f"/collections/{slug}/items/{{featureId}}"] = one
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "大阪府 広域デジタルマップ OGC API - Features",
            "version": "1.0.0",
            "description": "OGC API - Features - Part 1: Core, with GeoJSON and OpenAPI 3.0; Part 2: CRS by "
            "reference (CRS84, EPSG:4326, JGD2011 and its plane-rectangular zones); Part 3: queryables and CQL2 "
            "filters (cql2-text, cql2-json).",
            "license": {"name": "See each collection's license and attribution"},
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "parameters": {
                "bbox": {
                    "name": "bbox",
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "description": "minimum and maximum of axis 1 and 2 in bbox-crs (CRS84: lon,lat,lon,lat)",
                    "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                },
                "bbox-crs": _crs_parameter("bbox-crs", "The CRS of bbox"),
                "crs": _crs_parameter("crs", "The CRS of the answer's coordinates (axis order as EPSG defines it)"),
                "filter-crs": _crs_parameter("filter-crs", "The CRS of the filter's geometry literals"),
                "filter": {
                    "name": "filter",
                    "in": "query",
                    "required": False,
                    "description": "A CQL2 filter on the collection's queryables, e.g. designation = 'shelter'",
                    "schema": {"type": "string"},
                },
                "filter-lang": {
                    "name": "filter-lang",
                    "in": "query",
                    "required": False,
                    "description": "cql2-text (default) or cql2-json; cql-text is the pre-1.0 name of cql2-text",
                    "schema": {"type": "string", "enum": list(LANGUAGES), "default": "cql2-text"},
                },
                "limit": {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
                },
                "offset": {
                    "name": "offset",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 0, "default": 0},
                },
                "featureId": {"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer"}},
            },
        },
    }


def _crs_parameter(name, description):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "format": "uri", "enum": crs.offered_uris(), "default": CRS84},
    }


def _get(summary, operation_id, media_type):
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "responses": {
                "200": {"description": summary, "content": {media_type: {"schema": {"type": "object"}}}},
                "400": {"description": "Bad request"},
                "404": {"description": "Not found"},
            },
        }
    }
