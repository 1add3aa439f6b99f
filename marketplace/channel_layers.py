"""The channel layer of a single process (no REDIS_URL): Channels'
in-memory layer, cleaning up less often.

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


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    CLEAN_EVERY = 1.0
    _cleaned_at = None

    def _clean_expired(self):
        now = time.monotonic()
        if self._cleaned_at is not None and now - self._cleaned_at < self.CLEAN_EVERY:
            return
        self._cleaned_at = now
        super()._clean_expired()
