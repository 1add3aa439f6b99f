"""The channel layers the socket tests run on."""

import pytest
from channels.layers import get_channel_layer

from marketplace import channel_layers


@pytest.fixture
def redis_layer(settings, redis_url):
    """The real Redis layer, as at scale."""
    settings.CHANNEL_LAYERS = {"default": channel_layers.redis_layer(redis_url, prefix="nanum-test.")}
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisPubSubChannelLayer"
    return layer


@pytest.fixture
def memory_layer(settings):
    """For refusals, decided before any layer is used: no refused socket is
    left reading from Redis when the test's loop closes."""
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}
