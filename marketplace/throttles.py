"""DRF's throttles, counting each client by the address of
marketplace/clients.py (DRF's own reading joins every X-Forwarded-For
entry, which a client can vary at will)."""

from rest_framework import throttling

from marketplace.clients import client_ip


class ClientAddress:
    def get_ident(self, request):
        return client_ip(request)


class AnonRateThrottle(ClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddress, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddress, throttling.ScopedRateThrottle):
    pass
