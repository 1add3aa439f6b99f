"""Who is asking, by address: behind NANUM_TRUSTED_PROXIES proxies (nginx,
a load balancer) every request comes from the last proxy, and the client
is the address the first one saw, in X-Forwarded-For. The API throttles
(marketplace/throttles.py) and allauth's rate limits (accounts/adapter.py)
read it here."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address. With n trusted proxies it is the n-th address
    from the right of X-Forwarded-For (what the outermost proxy saw;
    anything further left the client wrote itself). A request with fewer
    addresses did not come through the proxies: its own peer is the
    client. Without trusted proxies the header is not read at all."""
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NANUM_TRUSTED_PROXIES
    if proxies <= 0:
        return peer
    forwarded = [address.strip() for address in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if address.strip()]
    if len(forwarded) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(_host(forwarded[-proxies])))
    except ValueError:
        return peer  # a proxy that writes nonsense: count the peer


def _host(entry: str) -> str:
    """The address of an X-Forwarded-For entry, without a port some proxies
    add: 1.2.3.4:5678, [2001:db8::1]:443."""
    if entry.startswith("["):
        return entry[1:].partition("]")[0]
    if entry.count(":") == 1:
        return entry.partition(":")[0]
    return entry
