"""The REST API documents itself (drf-spectacular); the docs page loads nothing from a CDN."""

import re


def test_openapi_schema_lists_the_read_endpoints(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/layers/", "/api/layers/{slug}/", "/api/layers/{slug}/features/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/layers/{slug}/features/"]["get"]["parameters"]}
    assert {"bbox", "municipality", "q", "limit", "offset", "fields", "format", "encoding"} <= parameters


def test_swagger_ui_is_served_from_our_static_files(client, db):
    html = client.get("/api/docs/").content.decode()
    # The set-up script is a file of its own (the Content-Security-Policy allows no inline script).
    assert "/api/schema/" in client.get("/api/docs/", {"script": ""}).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    bundle = next(s for s in sources if s.endswith("swagger-ui-bundle.js"))
    assert bundle.startswith("/static/")
