"""What the two sockets share: their close codes and how they reach the
database."""

from functools import partial

from channels.db import database_sync_to_async

# Close codes in the application range (4000-4999), after HTTP's.
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_NOT_FOUND = 4404

# Database work on the event loop's worker pool, not on the one thread
# asgiref keeps for thread-sensitive code: one socket's queries do not wait
# behind another's. A socket handles its frames one at a time, so one
# person's writes still happen in the order they were sent.
off_loop = partial(database_sync_to_async, thread_sensitive=False)
