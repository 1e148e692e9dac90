"""Redis as a cache that may fail: a request never fails or waits long because Redis is down.

Everything kept in the cache can be rebuilt (tiles are rendered again, documents queried again), so a
Redis error is a miss on read and nothing on write. After one, Redis is left alone for
CACHE_RETRY_SECONDS in this process, so a Redis that hangs costs one socket timeout, not one per call.
"""

import logging
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)


class TolerantRedisCache(RedisCache):
    _down_until = 0.0  # monotonic time; per process, shared by the threads

    def _guarded(self, default, method, *args, **kwargs):
        if time.monotonic() < TolerantRedisCache._down_until:
            return default
        try:
            return method(*args, **kwargs)
        except Exception as exc:  # redis.ConnectionError, TimeoutError, a full server: all a miss
            TolerantRedisCache._down_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
            log.warning("cache unavailable for %s s: %s", settings.CACHE_RETRY_SECONDS, exc)
            return default

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def add(self, *args, **kwargs):
        return self._guarded(False, super().add, *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._guarded(None, super().set, *args, **kwargs)

    def set_many(self, data, *args, **kwargs):
        return self._guarded(list(data), super().set_many, data, *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._guarded(False, super().touch, *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._guarded(False, super().delete, *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._guarded(None, super().delete_many, *args, **kwargs)

    def clear(self):
        return self._guarded(False, super().clear)
