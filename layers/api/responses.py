"""JSON bodies as the read endpoints send them: compact, UTF-8, Japanese left unescaped."""

import json

from django.http import HttpResponse

GEOJSON = "application/geo+json"


def json_text_response(text: str, content_type="application/json", status=200) -> HttpResponse:
    """A body that is already JSON text (cached documents, SQL-built GeoJSON)."""
    return HttpResponse(text, content_type=f"{content_type}; charset=utf-8", status=status)


def json_response(doc, content_type="application/json", status=200) -> HttpResponse:
    return json_text_response(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), content_type, status)
