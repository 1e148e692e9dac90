"""OGC API - Features Part 1 documents: landing page, conformance, collections and the OpenAPI 3.0 definition.

Every layer is a collection named by its slug; features are the same GeoJSON as the REST API's.
"""

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


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
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            {"rel": "self", "type": JSON, "title": layer.name_en, "href": href},
            {"rel": "items", "type": GEOJSON, "title": f"{layer.name_en} (GeoJSON)", "href": f"{href}/items"},
        ],
    }
    if layer.licence:
        doc["license"] = layer.licence
    if extent:
        doc["extent"] = {"spatial": {"bbox": [[round(v, 6) for v in extent]], "crs": CRS84}}
    return doc


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
        items = _get(f"{layer.name_en}: features", f"items_{slug}", GEOJSON)
        items["get"]["parameters"] = [_ref("bbox"), _ref("limit"), _ref("offset"), *filters]
        paths[f"/collections/{slug}/items"] = items
        one = _get(f"{layer.name_en}: one feature", f"item_{slug}", GEOJSON)
        one["get"]["parameters"] = [_ref("featureId")]
        paths[f"/collections/{slug}/items/{{featureId}}"] = one
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "大阪府 広域デジタルマップ OGC API - Features",
            "version": "1.0.0",
            "description": "OGC API - Features - Part 1: Core, with GeoJSON and OpenAPI 3.0.",
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
                    "description": "minx,miny,maxx,maxy in CRS84",
                    "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
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
