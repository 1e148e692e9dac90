"""Reads from PostgreSQL streaming replicas, writes to the primary (DATABASE_REPLICA_URLS).

Only requests that cannot care about a replica's lag read from one: safe methods (GET, HEAD,
OPTIONS) of anonymous residents, outside the staff, admin, login and import pages
(DATABASE_PRIMARY_PATHS). Everything else reads from the primary:

- the import worker, management commands and shells (outside any request);
- a request with a session (staff are logged in) or a non-safe method;
- the rest of a request, once it has written;
- a client for REPLICA_PIN_SECONDS after it wrote (a short-lived cookie), so the staff member or
  municipal system that just changed a shelter's status reads it back from the primary, also from
  the public status feed (read-your-writes).
"""

import random
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections, router

PIN_COOKIE = "primary_until"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _Reads:
    __slots__ = ("replica", "wrote")

    def __init__(self, replica):
        self.replica = replica
        self.wrote = False


# None outside a request: read from the primary.
_reads: ContextVar[_Reads | None] = ContextVar("mapapp_db_reads", default=None)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _reads.get()
        replicas = settings.DATABASE_REPLICAS
        if reads is None or not reads.replica or reads.wrote or not replicas:
            return "default"
        return replicas[0] if len(replicas) == 1 else random.choice(replicas)  # noqa: S311 - spreading load

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # replicas follow the primary's WAL


@contextmanager
def replica_reads(allowed=True):
    """Inside: this request may read from a replica (until it writes)."""
    reads = _Reads(allowed)
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)


def may_read_replica(request) -> bool:
    if request.method not in SAFE_METHODS or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return False
    if _pinned(request.COOKIES.get(PIN_COOKIE)):
        return False
    return not any(re.match(pattern, request.path_info) for pattern in settings.DATABASE_PRIMARY_PATHS)


def _pinned(value) -> bool:
    try:
        return float(value) > time.time()
    except (TypeError, ValueError):
        return False


class ReadYourWrites:
    """Chooses where the request reads; after a write, pins the client to the primary for a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        with replica_reads(may_read_replica(request)) as reads:
            response = self.get_response(request)
        if reads.wrote:
            seconds = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def read_connection():
    """The connection for a raw-SQL read (tiles, GeoJSON, answers): the router's choice, as the ORM's."""
    return connections[router.db_for_read(None)]
