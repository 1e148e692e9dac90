"""Per request: time it, count it by route in the metrics and, with REQUEST_LOG, log it as one line.

The middleware covers Django's path; the tile short path (layers/tiles/fastpath.py) calls
`observe` itself, with the route name its URL pattern has on the full path (`tile`).
"""

import time

from django.conf import settings

from . import logs, metrics


def observe(request_id, method, route, path, status, started):
    seconds = time.perf_counter() - started
    metrics.record_request(route, method, status, seconds)
    if settings.REQUEST_LOG:
        logs.log_request(request_id, method, route, path, status, seconds)


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else metrics.UNMATCHED


class RequestTelemetry:
    """Outermost middleware, so the time includes every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        request.request_id = logs.request_id_of(request.META)
        response = self.get_response(request)
        # The proxy's id goes back to the client, who can quote it; none is invented for the response,
        # so both paths of a tile answer with the same headers.
        if "HTTP_X_REQUEST_ID" in request.META:
            response["X-Request-ID"] = request.request_id
        observe(request.request_id, request.method, route_of(request), request.path, response.status_code, started)
        return response
