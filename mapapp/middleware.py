import logging

from django import db
from django.conf import settings
from django.http import HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware

from layers.api.caching import GZIP_ETAG_SUFFIX
from layers.api.errors import InvalidParameter, ServiceUnavailable, error_response

log = logging.getLogger(__name__)


class RejectNulCharacters:
    """400 for a URL holding a NUL character: no text column can store one, so no view could use it.

    One check here instead of one per parameter: PostgreSQL refuses NUL in any string it is sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in request.META.get("QUERY_STRING", "") or _nul_in_query(request):
            return error_response(InvalidParameter("the URL contains a NUL character"))
        return self.get_response(request)


def _nul_in_query(request):
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


class CompressResponses(GZipMiddleware):
    """gzip for clients that accept it (a layer's GeoJSON shrinks ~8×), keeping ETags strong.

    Django's middleware weakens a strong ETag when it compresses; the read endpoints promise strong
    ones, so the compressed response's ETag is the original with GZIP_ETAG_SUFFIX inside the quotes.
    Bodies carry random padding against BREACH (Django's max_random_bytes).
    """

    def process_response(self, request, response):
        etag = response.get("ETag")
        was_encoded = response.has_header("Content-Encoding")
        response = super().process_response(request, response)
        if not etag or not etag.startswith('"') or was_encoded:
            return response
        gzip_etag = etag[:-1] + GZIP_ETAG_SUFFIX + '"'
        # A 304 names the representation the client holds.
        holds_gzip = response.status_code == 304 and gzip_etag in request.headers.get("If-None-Match", "")
        if response.get("Content-Encoding") == "gzip" or holds_gzip:
            response["ETag"] = gzip_etag
        return response


class RejectUnknownMethods:
    """405 for TRACE, CONNECT and any method the site has no use for, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in settings.ALLOWED_HTTP_METHODS:
            response = HttpResponseNotAllowed(settings.ALLOWED_HTTP_METHODS)
            response.content = b""
            return response
        return self.get_response(request)


class PolicyScope:
    """Where the Content-Security-Policy applies: HTML pages. Tiles, JSON and files carry none (the
    tile short path answers exactly as the full path does); the embeddable map (/embed/) may be framed
    by EMBED_FRAME_ANCESTORS, every other page by no one.

    Sits inside django-csp's middleware, which reads these marks on its way out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_page = response.get("Content-Type", "").startswith("text/html") and not 300 <= response.status_code < 400
        if not is_page:  # redirects and 304s render nothing either
            response._csp_exempt = True
        elif request.path.startswith("/embed/"):
            response._csp_replace = {"frame-ancestors": list(settings.EMBED_FRAME_ANCESTORS)}
            # XFrameOptionsMiddleware has already answered DENY on the way out; frame-ancestors decides.
            del response["X-Frame-Options"]
        return response


class DatabaseUnavailable:
    """503 with Retry-After, in the one error shape, when the database cannot answer (down, restarting,
    a statement cancelled by its timeout): the client should try again, not report a bug.

    Last in MIDDLEWARE, so it sees a view's exception first. Views that can answer without the
    database (the status feed, cached tiles) do so themselves before it comes to this.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (db.OperationalError, db.InterfaceError)):
            return None
        log.warning("database unavailable for %s: %s", request.path, exception)
        return unavailable_response()


def unavailable_response():
    error = ServiceUnavailable("the database is not answering; try again shortly")
    error.headers["Retry-After"] = str(DatabaseUnavailable.RETRY_AFTER_SECONDS)
    return error_response(error)
