"""ASGI entry point: daphne serves pages and sockets from here by default.

At scale the same application serves only `/ws/` behind a proxy, while pages
and the API run on WSGI workers (README.md, "Running at scale").
"""

import gc
import os
import sys

from django.core.asgi import get_asgi_application

# One event loop thread serves every socket while the database work runs on
# worker threads. A worker back from a query waits for the interpreter lock,
# which a busy loop gives up only every switch interval (5 ms by default):
# with a dozen queries a message, that wait was most of a message's delivery
# time at a thousand sockets. Half a millisecond keeps the loop and the
# workers taking turns quickly (bench/messaging.py measures it).
sys.setswitchinterval(0.0005)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

# daphne (Twisted) answers a request line or headers past 16 KB with a bare
# 400 and closes at once, which clients still sending see as a dropped
# connection. Let up to 256 KB through, so RequestLimits answers 414 in the
# error shape (README.md, "Request limits").
try:
    from twisted.web.http import HTTPChannel
except ImportError:  # another ASGI server: its own limits apply
    pass
else:
    HTTPChannel.MAX_LENGTH = 256 * 1024
    HTTPChannel.totalHeadersSize = 256 * 1024 + 16 * 1024

    # Twisted also parses form and multipart bodies for itself (daphne never
    # reads the result) and answers a malformed one with a bare 400 before
    # Django sees it: leave bodies to Django, so the refusal has the error
    # shape (and an upload is not parsed twice).
    from daphne.http_protocol import WebRequest

    _web_request_init = WebRequest.__init__

    def _init_leaving_bodies_to_django(self, *args, **kwargs):
        _web_request_init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    WebRequest.__init__ = _init_leaving_bodies_to_django

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from accounts.socket_auth import SessionOrTokenAuthMiddleware, SocketOriginValidator  # noqa: E402
from messaging.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Own origin for browsers; no origin for apps that bring their token.
        "websocket": SocketOriginValidator(
            SessionOrTokenAuthMiddleware(URLRouter(websocket_urlpatterns))
        ),
    }
)

# The Korean analyzer loaded before the first request, not in it.
from listings.korean import warm_up  # noqa: E402

warm_up()

# A socket server lives long and allocates much (every query, every frame):
# what is loaded at start-up (Django, the apps, the libraries) is kept out
# of the collector's full passes, which otherwise walk all of it again and
# hold up every socket while they do (CPython's gc.freeze, for servers).
gc.collect()
gc.freeze()
