"""The cache backends (marketplace/cache.py): one Redis client a process,
and the window counter that the rate limits count in, on Redis and in
memory."""

import time
import uuid

import pytest

from marketplace.cache import LocMemCache, RedisCache


@pytest.fixture(params=["redis", "memory"])
def counter_cache(request):
    if request.param == "redis":
        return RedisCache(request.getfixturevalue("redis_url"), {"KEY_PREFIX": "nanum-test"})
    return LocMemCache(f"test-{uuid.uuid4()}", {})


def test_a_window_counts_each_event_once_and_keys_apart(counter_cache):
    key, other = f"count:{uuid.uuid4()}", f"count:{uuid.uuid4()}"
    assert [counter_cache.count_in_window(key, 10) for _ in range(3)] == [1, 2, 3]
    assert counter_cache.count_in_window(other, 10) == 1
    assert counter_cache.get(key) == 3  # readable as any cached number


def test_a_window_closes_after_its_seconds_from_the_first_event(counter_cache):
    key = f"count:{uuid.uuid4()}"
    assert counter_cache.count_in_window(key, 1) == 1
    time.sleep(0.6)
    assert counter_cache.count_in_window(key, 1) == 2  # the window is not lengthened
    time.sleep(0.6)
    assert counter_cache.count_in_window(key, 1) == 1  # a new one


def test_a_process_has_one_redis_client_however_many_cache_objects(redis_url):
    """Django makes a cache object per request and per socket under ASGI:
    they must not each open their own connections to Redis."""
    first = RedisCache(redis_url, {"KEY_PREFIX": "nanum-test"})
    second = RedisCache(redis_url, {"KEY_PREFIX": "nanum-test"})
    assert first._cache is second._cache
    other_options = RedisCache(redis_url, {"OPTIONS": {"db": 1}})
    assert other_options._cache is not first._cache


def test_a_key_left_without_expiry_gets_the_window(counter_cache):
    """Made afresh with no expiry (a count that raced its key's end, or a
    plain set): the next count gives it the window's, so the limit ends."""
    key = f"count:{uuid.uuid4()}"
    counter_cache.set(key, 5, timeout=None)
    assert counter_cache.count_in_window(key, 1) == 6
    time.sleep(1.2)
    assert counter_cache.get(key) is None
