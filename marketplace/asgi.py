"""ASGI entry point: daphne serves pages and sockets from here by default.

At scale the same application serves only `/ws/` behind a proxy, while pages
and the API run on WSGI workers (README.md, "Running at scale").
"""

import os

from django.core.asgi import get_asgi_application

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
