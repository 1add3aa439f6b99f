"""The cache backends: Django's, with one client a process and a counter
for rate limits.

Django keeps a cache object per context, not per thread (unlike database
connections): under an ASGI server every request and every socket has its
own context, so with Django's RedisCache each made its own connection pool
and its own connection to Redis, one a socket's first message and one an
HTTP request (throttles, the rate limit, the search vocabulary). This
RedisCache gives all of a process's cache objects for the same servers and
options one client, whose pool redis-py makes safe across threads (and
renews after a fork).

`count_in_window(key, seconds)` counts one more event in a window of
`seconds` that opens with the first one and returns the count so far:
atomic, and on Redis one round trip (INCR, then EXPIRE NX in the same
pipeline), so every process counts the same window. A key left with no
expiry gets the window's.
"""

import pickle
import threading

from django.core.cache.backends import locmem, redis
from django.utils.functional import cached_property

_clients: dict = {}
_making = threading.Lock()


class RedisCache(redis.RedisCache):
    @cached_property
    def _cache(self):
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _making:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def count_in_window(self, key: str, seconds: int) -> int:
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, seconds, nx=True)
        count, _expiry_set = pipe.execute()
        return count


class LocMemCache(locmem.LocMemCache):
    def count_in_window(self, key: str, seconds: int) -> int:
        key = self.make_and_validate_key(key)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
            if key in self._cache:
                count = pickle.loads(self._cache[key]) + 1
                self._cache[key] = pickle.dumps(count, self.pickle_protocol)
                if self._expire_info.get(key) is None:  # as EXPIRE NX: kept with none
                    self._expire_info[key] = self.get_backend_timeout(seconds)
            else:
                count = 1
                self._set(key, pickle.dumps(count, self.pickle_protocol), seconds)
        return count
