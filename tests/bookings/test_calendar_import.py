"""A lender's external calendar imported as blackouts: fetched only from
addresses that were checked, every redirect checked again, within a size
and a time limit. Real HTTP servers on 127.0.0.1, no outside network."""

import datetime as dt
import http.server
import ssl
import threading
import time
from datetime import timedelta

import icalendar
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bookings.models import CalendarFeed
from bookings.services.booking import booking_request
from bookings.services.calendar import (
    MAX_IMPORT_BYTES,
    calendar_import_refresh,
    calendar_import_set,
)
from listings.models import Blackout
from marketplace.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_address_checks(settings):
    """As in production, private addresses are refused; each test lets
    through exactly the socket addresses of the servers it allows."""
    settings.NANUM_CALENDAR_IMPORT_ALLOW_PRIVATE = False
    settings.NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES = []
    settings.NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS = 5


class LocalServer(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that counts the connections it accepts
    and keeps the requests it gets; `answer(handler)` writes each reply."""

    def __init__(self, answer, tls: ssl.SSLContext | None = None):
        self.answer = answer
        self.connections = 0
        self.requests = []
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.port = self.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path="/company.ics", *, host="127.0.0.1", scheme="http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def verify_request(self, request, client_address):
        self.connections += 1
        return True

    def stop(self):
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self.thread.join()


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append({"path": self.path, "host": self.headers["Host"]})
        try:
            self.server.answer(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the importer hung up, as it should past a limit

    def log_message(self, *args):
        pass


@pytest.fixture
def serve(settings):
    """serve(answer, allowed=True): start a LocalServer; an allowed one's
    port on loopback (127.0.0.1, and ::1 where "localhost" also means it) is
    let through the address check. All stop afterwards."""
    servers = []

    def start(answer, *, allowed=True, tls=None) -> LocalServer:
        server = LocalServer(answer, tls)
        servers.append(server)
        if allowed:
            settings.NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES = [
                *settings.NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES, server.address,
                f"[::1]:{server.port}"]
        return server

    yield start
    for server in servers:
        server.stop()


def ics_with(*periods) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//company//")
    calendar.add("version", "2.0")
    for n, (start, end) in enumerate(periods):
        event = icalendar.Event()
        event.add("uid", f"{n}@company")
        event.add("summary", "Booked elsewhere")
        event.add("dtstart", start)
        event.add("dtend", end)
        calendar.add_component(event)
    return calendar.to_ical()


def calendar(body: dict):
    """Answers with body["ics"], read at each request so a test can change it."""
    def answer(request):
        request.send_response(200)
        request.send_header("Content-Type", "text/calendar")
        request.send_header("Content-Length", str(len(body["ics"])))
        request.end_headers()
        request.wfile.write(body["ics"])
    return answer


def redirect_to(location: str, status: int = 302):
    def answer(request):
        request.send_response(status)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()
    return answer


def refused_import(feed) -> str:
    """Refresh, expect nothing imported, and return the reason recorded."""
    assert calendar_import_refresh(feed=feed) == 0
    feed.refresh_from_db()
    assert feed.import_error and feed.imported_at is None
    assert not Blackout.objects.filter(listing_id=feed.listing_id).exists()
    return feed.import_error


# --- a normal calendar ------------------------------------------------------


def test_external_calendar_events_become_blackouts_that_block_bookings(
        serve, drill, owner, member, period):
    body = {"ics": ics_with((period[0], period[0] + timedelta(hours=3)))}
    server = serve(calendar(body))
    feed = calendar_import_set(actor=owner, listing=drill, url=server.url())

    assert calendar_import_refresh(feed=feed) == 1
    blackout = Blackout.objects.get(listing=drill)
    assert blackout.source == "calendar" and blackout.starts_at == period[0]
    with pytest.raises(ValidationFailed, match="not available"):
        booking_request(actor=member, listing_id=drill.pk, start=period[0], end=period[1])
    assert server.requests == [{"path": "/company.ics", "host": server.address}]

    # The company's calendar changes: the next refresh follows it.
    body["ics"] = ics_with()
    assert calendar_import_refresh(feed=feed) == 0
    assert not Blackout.objects.filter(listing=drill).exists()


def test_a_broken_calendar_keeps_the_old_blackouts_and_says_why(serve, drill, owner, period):
    body = {"ics": ics_with((period[0], period[1]))}
    feed = calendar_import_set(actor=owner, listing=drill, url=serve(calendar(body)).url())
    calendar_import_refresh(feed=feed)
    body["ics"] = b"this is not a calendar"
    calendar_import_refresh(feed=feed)
    feed.refresh_from_db()
    assert feed.import_error
    assert Blackout.objects.filter(listing=drill).count() == 1


def test_stopping_the_import_removes_its_blackouts(serve, drill, owner, period):
    body = {"ics": ics_with((period[0], period[1]))}
    feed = calendar_import_set(actor=owner, listing=drill, url=serve(calendar(body)).url())
    calendar_import_refresh(feed=feed)

    feed = calendar_import_set(actor=owner, listing=drill, url="")
    assert feed.import_url == ""
    assert not Blackout.objects.filter(listing=drill).exists()


def test_only_the_lender_names_the_external_calendar(drill, member):
    with pytest.raises(Forbidden):
        calendar_import_set(actor=member, listing=drill, url="http://127.0.0.1:9/x.ics")
    assert not CalendarFeed.objects.filter(listing=drill).exists()


def test_a_redirect_to_an_allowed_address_is_followed(serve, drill, owner, period):
    body = {"ics": ics_with((period[0], period[1]))}
    server = serve(calendar(body))
    hop = serve(redirect_to(server.url("/moved.ics"), status=301))
    feed = calendar_import_set(actor=owner, listing=drill, url=hop.url())

    assert calendar_import_refresh(feed=feed) == 1
    assert [r["path"] for r in server.requests] == ["/moved.ics"]


# --- addresses inside our own network -------------------------------------


@pytest.mark.parametrize("target", [
    "{internal}",                               # loopback, not the allowed port
    "http://localhost:{port}/x.ics",            # a name resolving to loopback
    "http://[::ffff:127.0.0.1]:{port}/x.ics",   # the same, as IPv4-mapped IPv6
    "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
    "http://10.0.0.1/x.ics",
])
def test_a_redirect_to_a_private_address_is_refused_and_never_fetched(
        serve, drill, owner, target):
    internal = serve(calendar({"ics": ics_with()}), allowed=False)
    outside = serve(redirect_to(target.format(internal=internal.url(), port=internal.port)))
    feed = calendar_import_set(actor=owner, listing=drill, url=outside.url())

    started = time.monotonic()
    reason = refused_import(feed)
    assert "redirects to one that is not reachable from the internet" in reason
    assert time.monotonic() - started < 2  # refused, not attempted and timed out
    assert len(outside.requests) == 1
    assert internal.connections == 0 and internal.requests == []


def test_endless_redirects_are_refused(serve, drill, owner):
    loop = serve(lambda request: redirect_to(request.path + "x")(request))
    feed = calendar_import_set(actor=owner, listing=drill, url=loop.url("/a"))

    assert "redirects too many times" in refused_import(feed)
    assert len(loop.requests) == 4  # the address and three redirects


@pytest.mark.parametrize("host", [
    "localhost", "127.0.0.1", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:a00:1]",
    "0.0.0.0", "[::]", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "[fe80::1]", "[fc00::1]", "224.0.0.1", "[ff02::1]", "240.0.0.1",
    "[2002:7f00:1::]",  # 6to4 around 127.0.0.1
])
def test_an_address_inside_our_network_is_refused_and_not_stored(
        serve, drill, owner, host):
    server = serve(calendar({"ics": ics_with()}), allowed=False)
    with pytest.raises(ValidationFailed, match="not reachable from the internet") as refused:
        calendar_import_set(actor=owner, listing=drill, url=server.url(host=host))
    assert refused.value.extra["fields"] == {"import_url": [refused.value.message]}
    assert not CalendarFeed.objects.filter(listing=drill).exclude(import_url="").exists()
    assert server.connections == 0


def test_a_name_that_resolves_privately_at_refresh_time_is_not_fetched(
        serve, drill, owner, settings):
    """The address checked when it was saved may lead elsewhere later."""
    server = serve(calendar({"ics": ics_with()}))
    feed = calendar_import_set(actor=owner, listing=drill, url=server.url(host="localhost"))
    settings.NANUM_CALENDAR_IMPORT_ALLOWED_ADDRESSES = []

    assert "not reachable from the internet" in refused_import(feed)
    assert server.connections == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.ics",
                                 "gopher://127.0.0.1:70/", "http:///x.ics"])
def test_only_web_addresses_are_accepted(drill, owner, url):
    with pytest.raises(ValidationFailed, match="https://"):
        calendar_import_set(actor=owner, listing=drill, url=url)


def test_a_later_refusal_keeps_the_saved_address(serve, drill, owner):
    server = serve(calendar({"ics": ics_with()}))
    calendar_import_set(actor=owner, listing=drill, url=server.url())
    with pytest.raises(ValidationFailed):
        calendar_import_set(actor=owner, listing=drill, url="http://10.0.0.1/x.ics")
    assert CalendarFeed.objects.get(listing=drill).import_url == server.url()


# --- size and time ------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
def test_a_calendar_over_the_size_limit_is_refused(serve, drill, owner, period, declared):
    body = {"ics": ics_with((period[0], period[1]))}

    def answer(request):
        if len(request.server.requests) == 1:
            return calendar(body)(request)
        huge = b"X" * (MAX_IMPORT_BYTES + 1)
        request.send_response(200)
        if declared:
            request.send_header("Content-Length", str(len(huge)))
        request.end_headers()
        request.wfile.write(huge)

    feed = calendar_import_set(actor=owner, listing=drill, url=serve(answer).url())
    assert calendar_import_refresh(feed=feed) == 1

    assert calendar_import_refresh(feed=feed) == 0
    feed.refresh_from_db()
    assert "larger than 1 MB" in feed.import_error
    assert Blackout.objects.filter(listing=drill).count() == 1  # the last good import


def never_answers(request):
    request.server.stopping.wait(10)


def trickles_the_body(request):
    request.send_response(200)
    request.end_headers()
    while not request.server.stopping.wait(0.1):
        request.wfile.write(b"X")


def trickles_the_headers(request):
    for byte in b"HTTP/1.0 200 OK\r\nX-Slow: " + b"x" * 1000:
        if request.server.stopping.wait(0.1):
            return
        request.wfile.write(bytes([byte]))


@pytest.mark.parametrize("answer", [never_answers, trickles_the_body, trickles_the_headers])
def test_a_slow_calendar_server_is_cut_off_at_the_time_limit(serve, drill, owner, settings,
                                                             answer):
    settings.NANUM_CALENDAR_IMPORT_TIMEOUT_SECONDS = 1
    server = serve(answer)
    feed = calendar_import_set(actor=owner, listing=drill, url=server.url())

    started = time.monotonic()
    reason = refused_import(feed)
    assert time.monotonic() - started < 2.5
    assert "did not answer within 1 second" in reason
    assert server.connections == 1


# --- https ------------------------------------------------------------------


def certificate_for(name: str, folder) -> tuple[str, str]:
    """A self-signed certificate for `name`, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


@pytest.fixture
def tls_server(serve, tmp_path, monkeypatch):
    """tls_server(certificate_name, answer): an HTTPS LocalServer whose
    self-signed certificate the importer trusts; `.names` are the SNI names."""
    def start(certificate_name: str, answer) -> LocalServer:
        cert_file, key_file = certificate_for(certificate_name, tmp_path)
        monkeypatch.setenv("SSL_CERT_FILE", cert_file)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        names = []
        context.sni_callback = lambda _socket, name, _context: names.append(name)
        server = serve(answer, tls=context)
        server.names = names
        return server
    return start


def test_https_connects_to_the_checked_address_and_verifies_the_name(
        tls_server, drill, owner, period):
    server = tls_server("localhost", calendar({"ics": ics_with((period[0], period[1]))}))
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=server.url(scheme="https", host="localhost"))

    assert calendar_import_refresh(feed=feed) == 1
    assert server.names == ["localhost"]
    assert server.requests == [{"path": "/company.ics", "host": f"localhost:{server.port}"}]


def test_https_with_a_certificate_for_another_name_is_refused(tls_server, drill, owner):
    server = tls_server("calendar.example", calendar({"ics": ics_with()}))
    feed = calendar_import_set(actor=owner, listing=drill,
                               url=server.url(scheme="https", host="localhost"))

    reason = refused_import(feed)
    assert "could not be fetched" in reason and "certificate" in reason
    assert server.requests == []
