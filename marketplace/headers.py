"""Response headers every answer carries: the content policy, the browser
features a page may use, and no caching of a signed-in person's API data."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.cache import add_never_cache_headers


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY), with the
    page's own host added to connect-src as ws:// or wss://: 'self' covers
    WebSockets to the same host only in browsers that follow CSP level 3,
    and a bare ws:/wss: scheme would let a script talk to any host."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        socket = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), socket]
        parts.update = update
        return parts


class PermissionsPolicy:
    """Sends settings.PERMISSIONS_POLICY ({feature: [allowed origins]}) as the
    Permissions-Policy header: features a page of ours never uses stay off,
    so a script that got in cannot switch on the camera."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreForSignedInAPI:
    """API answers to a signed-in caller hold that person's data: no shared
    cache or browser history may keep them (Cache-Control: no-store)."""

    API_PREFIXES = ("/api/", "/_allauth/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF puts the user its authenticators found (session or app token)
        # back on the Django request, so this sees token callers as well.
        user = getattr(request, "user", None)
        if (request.path_info.startswith(self.API_PREFIXES)
                and user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response
