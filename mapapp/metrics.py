"""Prometheus metrics, served at /metrics to operators only (METRICS_TOKEN, METRICS_ALLOWED_IPS).

Request time is labelled by URL route name (`tile`, `layer-features`, `shelter-status-feed`), never by
raw path, so the number of series stays bounded whatever URLs clients invent.

granian runs several worker processes. With PROMETHEUS_MULTIPROC_DIR set (scripts/serve.sh sets it
and empties it at start) every process writes its values to files there and a scrape adds them up
(prometheus_client's multiprocess mode), so /metrics describes the whole server, not the one process
that answered. Without it (tests, `manage.py runserver`) the values are the process's own.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUEST_SECONDS = Histogram(
    "mapapp_http_request_duration_seconds",
    "Time to answer a request, by URL route name",
    ["route", "method"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RESPONSES = Counter(
    "mapapp_http_responses", "Responses by URL route name and status code", ["route", "method", "status"]
)
TILE_CACHE = Counter(
    "mapapp_tile_cache", "Server-side tile cache: a tile found (hit) or rendered and stored (miss)", ["result"]
)
STATUS_UPDATES = Counter(
    "mapapp_shelter_status_updates",
    "Shelter status updates: accepted, stale (409), refused (403) or invalid (400)",
    ["result"],
)

METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
UNMATCHED = "unmatched"  # no URL pattern matched (404s, redirects to a trailing slash)


# (route, method, status) → its two series; routes, methods and codes are few, so this stays small.
# Looking a series up by its labels takes a lock and checks each value; this spares the tile short path that.
_series: dict[tuple, tuple] = {}


def record_request(route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status)
    series = _series.get(key)
    if series is None:
        label = method if method in METHODS else "other"
        series = (REQUEST_SECONDS.labels(route, label), RESPONSES.labels(route, label, str(status)))
        if label != "other":  # a client's invented methods must not grow the table
            _series[key] = series
    series[0].observe(seconds)
    series[1].inc()


def record_tile_cache(hit: bool) -> None:
    TILE_CACHE.labels("hit" if hit else "miss").inc()


def record_status_update(result: str) -> None:
    STATUS_UPDATES.labels(result).inc()


class ImportRunCollector:
    """Import runs by status, counted in the database at scrape time.

    The worker that runs an import may be another process on another machine (scripts/worker.sh), so
    its own counters would never reach this server's /metrics; the ImportRun table sees every run.
    `queued` is the queue's depth, the number to add workers by.
    """

    def collect(self):
        from importers.models import ImportRun

        family = GaugeMetricFamily(
            "mapapp_import_runs", "Import runs by status (queued: the queue's depth)", labels=["status"]
        )
        try:
            counts = dict(ImportRun.objects.order_by().values_list("status").annotate(n=Count("id")))
        except DatabaseError:  # /metrics must still answer while the database is away
            return
        for status in ImportRun.Status.values:
            family.add_metric([status], counts.get(status, 0))
        yield family


_DATABASE_METRICS = CollectorRegistry(auto_describe=False)
_DATABASE_METRICS.register(ImportRunCollector())


def exposition() -> bytes:
    """The text format: every process's metrics (in multiprocess mode, added up), then the database's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_DATABASE_METRICS)


def may_read_metrics(request) -> bool:
    """A bearer token equal to METRICS_TOKEN, or a direct connection from METRICS_ALLOWED_IPS.

    A request that came through a proxy (X-Forwarded-For, Forwarded, X-Real-IP) never passes on its
    address: behind nginx on the same machine every request comes from 127.0.0.1.
    """
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].encode(), token.encode()):
        return True
    if any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP")):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS)


@require_safe
def metrics_view(request):
    if not may_read_metrics(request):
        response = HttpResponse("metrics are for operators: send METRICS_TOKEN as a bearer token\n", status=403)
        response["Content-Type"] = "text/plain; charset=utf-8"
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
