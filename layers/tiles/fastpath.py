"""A short path for tile requests, around Django's middleware and URL resolver.

Tiles are the hottest, simplest requests: public, no session, no cookies, no templates, no
language. Under disaster traffic Django's middleware stack costs more CPU than a cached tile does,
so GET/HEAD tile URLs go straight to the tile view; everything else (and any tile request that needs
an HTTPS redirect) takes the normal path. The headers the middleware would add to a tile are added
here, and a test checks that both paths answer the same.
"""

import re
import time

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest

from mapapp import logs, routers, telemetry

from .views import tile

TILE_PATH = re.compile(r"^/tiles/(?P<slug>[-\w]+)/(?P<z>[^/]+)/(?P<x>[^/]+)/(?P<y>[^/]+)\.pbf$")


class TileFastPath:
    def __init__(self, django_app):
        self.django_app = django_app

    def __call__(self, environ, start_response):
        match = TILE_PATH.match(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD")
        if match is None or method not in ("GET", "HEAD"):
            return self.django_app(environ, start_response)
        request = WSGIRequest(environ)
        if "\x00" in environ.get("QUERY_STRING", "") or (settings.SECURE_SSL_REDIRECT and not request.is_secure()):
            return self.django_app(environ, start_response)
        started = time.perf_counter()
        request_id = logs.request_id_of(environ)
        status = 500
        # The signals close stale database connections before and after, as Django's handler does.
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            with routers.replica_reads(bool(settings.DATABASE_REPLICAS)):
                response = tile(request, **match.groupdict())
            status = response.status_code
            _add_middleware_headers(request, response)
            if "HTTP_X_REQUEST_ID" in environ:
                response["X-Request-ID"] = request_id
            response["Content-Length"] = str(len(response.content))
            headers = [*response.items()]
            start_response(f"{response.status_code} {response.reason_phrase}", headers)
            return [b""] if method == "HEAD" else [response.content]
        finally:
            signals.request_finished.send(sender=self.__class__)
            telemetry.observe(request_id, method, "tile", request.path, status, started)


def _add_middleware_headers(request, response):
    """What the security, clickjacking and CORS middleware add to a public, credential-free response.

    Unlike the normal path there is no `Vary: Accept-Language, Origin`: a tile is the same in every
    language, and `Access-Control-Allow-Origin: *` goes on every tile, so no cache need key on either.
    """
    response.setdefault("X-Content-Type-Options", "nosniff")
    response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        response.setdefault("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
    if settings.SECURE_REFERRER_POLICY:
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
    if settings.SECURE_HSTS_SECONDS and request.is_secure():
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        response.setdefault("Strict-Transport-Security", value)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = ", ".join(settings.CORS_EXPOSE_HEADERS)
