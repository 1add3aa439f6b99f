"""Request limits: JSON bodies up to 1 MB, photos up to 10 MB, URLs up to
8 KB; past them a refusal in the error shape (413, 414), also through the
real server (daphne), which used to drop a long URL's connection."""

import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image
from rest_framework.exceptions import APIException

from marketplace.parsers import JSONParser
from tests.fixtures.bookings import make_listing
from tests.harness import ROOT, free_port, wait_for_port

pytestmark = pytest.mark.django_db

ONE_MB = 1024 * 1024


def over_a_megabyte() -> str:
    return json.dumps({"target_type": "listing", "target_id": 1, "reason": "x" * ONE_MB})


def test_a_json_body_over_one_megabyte_is_a_413(api_as, member):
    response = api_as(member).post("/api/v1/reports/", over_a_megabyte(),
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json() == {"code": "request_too_large",
                               "detail": "The request is larger than 1 MB."}


def test_a_large_body_to_the_app_sign_in_is_a_413(db):
    response = Client().post("/_allauth/app/v1/auth/login", over_a_megabyte(),
                             content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_the_parser_counts_what_it_reads_when_no_length_is_declared(settings):
    # A chunked body has no Content-Length: the parser stops at the limit.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    with pytest.raises(APIException) as refused:
        JSONParser().parse(io.BytesIO(b'{"reason": "' + b"x" * 200 + b'"}'))
    assert refused.value.status_code == 413
    assert JSONParser().parse(io.BytesIO(b'{"reason": "short"}')) == {"reason": "short"}


def test_a_body_under_the_limit_is_read(api_as, member):
    body = json.dumps({"target_type": "listing", "target_id": 1, "reason": "x" * 2900})
    response = api_as(member).post("/api/v1/reports/", body, content_type="application/json")
    assert response.status_code != 413


def test_a_photo_of_several_megabytes_still_uploads(api_as, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    listing = make_listing(owner)
    buffer = io.BytesIO()
    # Noise does not compress: a PNG of about 3 MB.
    Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000)).save(buffer, "PNG")
    assert buffer.tell() > 2 * ONE_MB
    buffer.seek(0)
    buffer.name = "noise.png"
    response = api_as(owner).post(f"/api/v1/listings/{listing.pk}/photos/",
                                  {"image": buffer}, format="multipart")
    assert response.status_code == 201


def test_a_90_kb_url_is_a_414(api):
    response = api.get("/api/v1/listings/", {"q": "x" * 90_000}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 414
    assert response.json() == {"code": "uri_too_long", "detail": "The address is too long."}


def test_an_ordinary_long_search_is_served(api):
    assert api.get("/api/v1/listings/", {"q": "x" * 2000}).status_code == 200


@pytest.fixture(scope="module")
def daphne_server():
    """daphne in its own process, serving marketplace.asgi as production does."""
    port = free_port()
    log = open(Path(tempfile.gettempdir()) / f"nanum-limits-server-{port}.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "marketplace.asgi:application"],
        cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=60)
    except RuntimeError:
        server.kill()
        log.seek(0)
        pytest.fail("daphne did not start:\n" + log.read()[-4000:])
    yield port
    server.terminate()
    server.wait(timeout=20)
    log.close()


def test_daphne_answers_a_90_kb_url_with_a_414_in_the_error_shape(daphne_server):
    connection = http.client.HTTPConnection("127.0.0.1", daphne_server, timeout=20)
    connection.request("GET", "/api/v1/listings/?q=" + "x" * 90_000,
                       headers={"Accept-Language": "en"})
    response = connection.getresponse()
    assert response.status == 414
    assert json.loads(response.read()) == {"code": "uri_too_long",
                                           "detail": "The address is too long."}
    connection.close()
