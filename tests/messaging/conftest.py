"""The channel layers the socket tests run on."""

import pytest
from channels.layers import get_channel_layer


@pytest.fixture
def redis_layer(settings, redis_url):
    """The real Redis layer, as at scale."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": "nanum-test"},
        }
    }
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    return layer


@pytest.fixture
def memory_layer(settings):
    """For refusals, decided before any layer is used: no refused socket is
    left reading from Redis when the test's loop closes."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "marketplace.channel_layers.InMemoryChannelLayer"}}
