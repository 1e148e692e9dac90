"""The last good status feed (避難所開設状況), for when the database cannot answer in time.

Each feed the database answered is kept in process memory and in the shared cache (Redis in
production, so a fresh worker process has it too). When the database is down or slower than
STATUS_FEED_DB_TIMEOUT_MS, residents get that answer marked `stale` with `as_of`, and its age in the
`Age` header, instead of an error: the last known state, with how old it is, is what they need.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache

# Long enough to cover an outage; the answer says how old it is.
KEEP_SECONDS = 24 * 3600
# How often an unchanged feed's confirmation time is written to the shared cache.
SHARE_EVERY_SECONDS = 30

_memory: dict[str, dict] = {}


def _key(municipality_code):
    return f"status-feed:last-good:{municipality_code or 'all'}"


def remember(municipality_code, etag: str, body: dict | None = None) -> None:
    """The database just answered with the feed `etag` (and `body`, unless it was a 304): keep it."""
    key = _key(municipality_code)
    now = time.time()
    known = _memory.get(key)
    if body is None:
        if known is None or known["etag"] != etag:
            return  # a 304 for a feed this process never built: nothing to keep
        body = known["body"]
    if known is not None and known["etag"] == etag:
        known["at"] = now
        if now - known["shared_at"] < SHARE_EVERY_SECONDS:
            return
    entry = {"etag": etag, "body": body, "at": now, "shared_at": now}
    _memory[key] = entry
    cache.set(key, entry, KEEP_SECONDS)


def body_for(municipality_code, etag: str) -> dict | None:
    """The kept feed if it is the one `etag` names: an unchanged feed is built once, not per request."""
    key = _key(municipality_code)
    for entry in (_memory.get(key), cache.get(key)):
        if entry and entry["etag"] == etag:
            return entry["body"]
    return None


def last_good(municipality_code) -> tuple[dict, int] | None:
    """The newest kept answer marked stale (`as_of`: when the database last confirmed it) and its age
    in seconds; None if none was kept."""
    key = _key(municipality_code)
    candidates = [e for e in (_memory.get(key), cache.get(key)) if e]
    if not candidates:
        return None
    entry = max(candidates, key=lambda e: e["at"])
    as_of = datetime.fromtimestamp(entry["at"], UTC).astimezone().isoformat()
    return {**entry["body"], "stale": True, "as_of": as_of}, max(0, int(time.time() - entry["at"]))
