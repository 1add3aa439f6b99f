"""Who is on the other end of a WebSocket: session cookie or app token."""

from urllib.parse import parse_qs

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier


@database_sync_to_async
def _user_for_session_token(token: str):
    found = authenticate_by_x_session_token(token)
    return found[0] if found else None


def _query_token(scope) -> str:
    query = parse_qs(scope.get("query_string", b"").decode())
    return (query.get("token") or [""])[0]


class SocketOriginValidator:
    """Browsers always send an Origin: a foreign one is refused (the page of
    another site must not ride on the person's cookie). Native apps send
    none; they may connect without one only with a valid `?token=`, which no
    other site's page can know. No Origin and no valid token: refused."""

    def __init__(self, inner):
        self.inner = inner
        self.browser = AllowedHostsOriginValidator(inner)

    async def __call__(self, scope, receive, send):
        has_origin = any(name == b"origin" for name, _ in scope.get("headers", ()))
        if scope["type"] != "websocket" or has_origin:
            return await self.browser(scope, receive, send)
        token = _query_token(scope)
        if token and await _user_for_session_token(token) is not None:
            return await self.inner(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


class SessionOrTokenAuthMiddleware:
    """Browsers send the session cookie; apps send `?token=<X-Session-Token>`."""

    def __init__(self, inner):
        self.inner = inner
        self.with_cookie = AuthMiddlewareStack(self._with_token)

    async def __call__(self, scope, receive, send):
        return await self.with_cookie(scope, receive, send)

    async def _with_token(self, scope, receive, send):
        token = _query_token(scope)
        if token:
            user = await _user_for_session_token(token)
            if user is not None:
                scope = dict(scope, user=user)
        return await self.inner(scope, receive, send)
