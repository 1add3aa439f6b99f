"""The channel layers: on Redis (REDIS_URL set, any number of processes)
and in memory (one process). The settings and the tests take their
configuration from here.

On Redis, channels-redis's Pub/Sub layer: a message to a conversation is
published once and each server process hands it to its own sockets in
that conversation. channels-redis's other layer keeps a queue in Redis for
every socket, and each process pops its sockets' copies one round trip at
a time: at 1,000 sockets and 25 messages a second that alone put p99
delivery at 90-150 ms (python -m bench messaging; under 50 ms with this
one). Pub/Sub delivers at most once, to the processes connected at that
moment; what is live is also stored (messages, notifications), so a push
that misses loses nothing but its immediacy.

In memory: Channels' in-memory layer, cleaning up less often.

Channels' layer walks every channel and every group membership on each
send to a group and each receive, to drop expired messages and
memberships. With a thousand open sockets a message's ten deliveries made
ten such walks, which cost more than the message itself (about half the
server's time in `python -m bench messaging`). Here the walk runs at most
once every CLEAN_EVERY seconds: a message still expires (60 s by default),
a second late at most, and a membership after its day.
"""

import time

from channels import layers


def redis_layer(url: str, prefix: str = "nanum.asgi.") -> dict:
    return {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": prefix}}


def memory_layer() -> dict:
    return {"BACKEND": "marketplace.channel_layers.InMemoryChannelLayer"}


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    CLEAN_EVERY = 1.0
    _cleaned_at = None

    def _clean_expired(self):
        now = time.monotonic()
        if self._cleaned_at is not None and now - self._cleaned_at < self.CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()
