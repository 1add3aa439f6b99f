"""The localstripe the payment tests run against: a working Stripe API for the
stripe library, emptied for each test, reachable on loopback only, and
writing nothing to disk."""

import errno
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import requests
import stripe

PICKLE = Path("/tmp/localstripe.pickle")  # where plain localstripe saves its store


def client(settings) -> stripe.StripeClient:
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY,
                               base_addresses={"api": settings.STRIPE_API_BASE})


def test_stripe_mode_points_settings_at_localstripe(stripe_mode, settings):
    assert settings.STRIPE_API_BASE == stripe_mode
    assert settings.STRIPE_SECRET_KEY.startswith("sk_test_")
    assert settings.STRIPE_PUBLISHABLE_KEY.startswith("pk_test_")
    assert settings.STRIPE_WEBHOOK_SECRET.startswith("whsec_")
    assert urlsplit(stripe_mode).hostname == "127.0.0.1"


def test_the_stripe_library_creates_a_customer_and_a_payment_intent(stripe_mode, settings):
    before = PICKLE.stat().st_mtime_ns if PICKLE.exists() else None
    stripe_client = client(settings)

    customer = stripe_client.v1.customers.create(
        params={"email": "member@example.org", "name": "Member Lee"})
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 15000, "currency": "krw", "customer": customer.id,
                "metadata": {"booking": "42"}})

    again = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert customer.id.startswith("cus_")
    assert again.id == intent.id and again.id.startswith("pi_")
    assert (again.amount, again.currency, again.customer) == (15000, "krw", customer.id)
    assert again.metadata["booking"] == "42"
    assert again.status == "requires_payment_method"
    assert again.client_secret.startswith(f"{intent.id}_secret_")
    # The store stays in memory: localstripe's save-to-disk is switched off.
    assert (PICKLE.stat().st_mtime_ns if PICKLE.exists() else None) == before


def test_each_test_starts_with_an_empty_store(stripe_mode, settings):
    # Runs after the test above, which left a customer behind.
    stripe_client = client(settings)
    assert stripe_client.v1.customers.list().data == []
    stripe_client.v1.customers.create(params={"email": "owner@example.org"})
    assert len(stripe_client.v1.customers.list().data) == 1

    requests.delete(f"{stripe_mode}/_config/data", timeout=10).raise_for_status()
    assert stripe_client.v1.customers.list().data == []


def test_an_unknown_key_is_refused(stripe_mode):
    answer = requests.get(f"{stripe_mode}/v1/customers", timeout=10)
    assert answer.status_code == 401


# --- loopback only -------------------------------------------------------------


def _other_addresses() -> set[str]:
    """This machine's IPv4 addresses that are not loopback."""
    found = set()
    with_name = socket.gethostname()
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(with_name, None, socket.AF_INET))
    except socket.gaierror:
        pass
    # The address of the interface a packet out would leave by (a UDP
    # "connect" sends nothing).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            found.add(s.getsockname()[0])
        except OSError:
            pass
    return {a for a in found if not a.startswith("127.") and a != "0.0.0.0"}


def _listening(table: str, port: int) -> list[str]:
    """Local addresses (hex, as the kernel writes them) of the sockets that
    listen on `port` in /proc/net/tcp or tcp6."""
    path = Path("/proc/net") / table
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines()[1:]:
        fields = line.split()
        address, port_hex = fields[1].rsplit(":", 1)
        if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: LISTEN
            found.append(address)
    return found


def _connects(family: int, address: str, port: int) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            return s.connect_ex((address, port)) == 0
    except OSError as exc:  # no IPv6 on this machine, for one
        assert exc.errno in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL), exc
        return False


def test_localstripe_listens_on_loopback_only(localstripe_url):
    port = urlsplit(localstripe_url).port
    assert _connects(socket.AF_INET, "127.0.0.1", port)

    # The kernel's own table: one IPv4 listener, on 127.0.0.1, none on IPv6.
    assert Path("/proc/net/tcp").exists(), "the bound address is read from /proc/net/tcp"
    assert _listening("tcp", port) == ["0100007F"]  # 127.0.0.1, little-endian hex
    assert _listening("tcp6", port) == []
    assert not _connects(socket.AF_INET6, "::1", port)

    # And from outside loopback, through whatever other address the machine has.
    for address in _other_addresses():
        assert not _connects(socket.AF_INET, address, port), f"localstripe answers on {address}"


def test_localstripe_is_this_projects_wrapper(localstripe_url):
    # A stray `localstripe` started by hand (binding '::') on the port would
    # also answer; the listener must be a process of tests.localstripe_server.
    port = urlsplit(localstripe_url).port
    inodes = {line.split()[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
              if int(line.split()[1].rsplit(":", 1)[1], 16) == port and line.split()[3] == "0A"}
    owners = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            owners.append(Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"))
    assert owners, "no process found that owns the listening socket"
    assert all(b"tests.localstripe_server" in cmd for cmd in owners), owners
