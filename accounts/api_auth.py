from allauth.headless.contrib.rest_framework.authentication import (
    XSessionTokenAuthentication,
)


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's app session token (`X-Session-Token`), answering 401.

    Naming a challenge makes DRF answer a missing login with 401
    `not_authenticated` rather than 403 (shared/API.md).
    """

    def authenticate_header(self, request):
        return "X-Session-Token"
