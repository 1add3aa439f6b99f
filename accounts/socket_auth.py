"""Who is on the other end of a WebSocket: session cookie or app token."""

from urllib.parse import parse_qs

from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async


@database_sync_to_async
def _user_for_session_token(token: str):
    found = authenticate_by_x_session_token(token)
    return found[0] if found else None


class SessionOrTokenAuthMiddleware:
    """Browsers send the session cookie; apps send `?token=<X-Session-Token>`."""

    def __init__(self, inner):
        self.inner = inner
        self.with_cookie = AuthMiddlewareStack(self._with_token)

    async def __call__(self, scope, receive, send):
        return await self.with_cookie(scope, receive, send)

    async def _with_token(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        token = (query.get("token") or [""])[0]
        if token:
            user = await _user_for_session_token(token)
            if user is not None:
                scope = dict(scope, user=user)
        return await self.inner(scope, receive, send)
