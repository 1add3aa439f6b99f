"""Private photos (issue 15): listing photos only for those who may see the
listing, condition photos only for the booking's parties, never straight
from /media/; unguessable file names; the proxy sends the file at scale."""

import re
from pathlib import PurePosixPath

import pytest

from bookings.services.condition import condition_report_add
from community_rules.models import Community, Membership
from listings.services.photo import listing_photo_add
from tests.fixtures.bookings import make_listing
from tests.listings.conftest import image_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NANUM_PROTECTED_MEDIA = ""
    return settings.MEDIA_ROOT


@pytest.fixture
def circle(owner, member):
    circle = Community.objects.create(name="Mapo Circle", slug="mapo-circle")
    Membership.objects.create(community=circle, user=owner, role="owner", status="active")
    Membership.objects.create(community=circle, user=member, status="active")
    return circle


@pytest.fixture
def hidden_photo(owner, circle):
    """A photo of a listing shared only in `circle`."""
    listing = make_listing(owner, title="Members only", visibility="communities")
    listing.communities.add(circle)
    return listing_photo_add(actor=owner, listing=listing, image=image_file("PNG"))


@pytest.fixture
def public_photo(owner):
    listing = make_listing(owner, title="Tent")
    return listing_photo_add(actor=owner, listing=listing, image=image_file("JPEG"))


@pytest.fixture
def condition_photo(picked_up, owner):
    report = condition_report_add(actor=owner, booking=picked_up, stage="pickup",
                                  condition="as_listed", photos=[image_file("PNG")])
    return report.photos.get()


def as_(client, user):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def raw_paths(photo) -> list[str]:
    return [f"/media/{photo.image.name}", f"/media/{photo.thumbnail.name}"]


def test_a_community_only_photo_is_404_for_outsiders_and_anonymous(
        client, hidden_photo, outsider):
    for person in (None, outsider):
        as_(client, person)
        for url in (hidden_photo.image_url, hidden_photo.thumbnail_url,
                    *raw_paths(hidden_photo)):
            assert client.get(url).status_code == 404, (person, url)


def test_a_member_of_the_community_gets_the_photo(client, hidden_photo, member):
    as_(client, member)
    for url, file in ((hidden_photo.image_url, hidden_photo.image),
                      (hidden_photo.thumbnail_url, hidden_photo.thumbnail)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert "private" in response["Cache-Control"]
        with file.open("rb") as stored:
            assert body(response) == stored.read()
    # Not from /media/ either, not even by a detour through another folder.
    for url in (*raw_paths(hidden_photo), f"/media/avatars/../{hidden_photo.image.name}"):
        assert client.get(url).status_code == 404, url


def test_a_public_photo_is_shown_to_anyone_and_may_be_cached(client, public_photo):
    response = client.get(public_photo.image_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "public" in response["Cache-Control"]
    with public_photo.image.open("rb") as stored:
        assert body(response) == stored.read()
    assert client.get(public_photo.thumbnail_url).status_code == 200
    for url in raw_paths(public_photo):
        assert client.get(url).status_code == 404, url


def test_unknown_sizes_and_photos_are_404(client, public_photo):
    assert client.get(f"/photos/listing/{public_photo.pk}/huge/").status_code == 404
    assert client.get(f"/photos/listing/{public_photo.pk + 100}/full/").status_code == 404


def test_a_condition_photo_is_only_for_the_borrower_and_the_lender(
        client, condition_photo, owner, member, outsider):
    for person in (member, owner):  # borrower, lender
        as_(client, person)
        for url in (condition_photo.image_url, condition_photo.thumbnail_url):
            response = client.get(url)
            assert response.status_code == 200, (person, url)
            assert "private" in response["Cache-Control"]
        with condition_photo.image.open("rb") as stored:
            assert body(client.get(condition_photo.image_url)) == stored.read()
    for person in (None, outsider):
        as_(client, person)
        for url in (condition_photo.image_url, condition_photo.thumbnail_url):
            assert client.get(url).status_code == 404, (person, url)
    as_(client, member)
    for url in raw_paths(condition_photo):
        assert client.get(url).status_code == 404, url


def test_file_names_are_unguessable(hidden_photo, public_photo, condition_photo):
    names = [photo.image.name for photo in (hidden_photo, public_photo, condition_photo)]
    names += [photo.thumbnail.name for photo in (hidden_photo, public_photo, condition_photo)]
    for name in names:
        stem = PurePosixPath(name).stem
        assert re.fullmatch(r"[0-9a-f]{32}", stem), name
        assert "listing" not in PurePosixPath(name).name
        assert "condition" not in PurePosixPath(name).name
    assert len({PurePosixPath(name).stem for name in names}) == len(names)


def test_behind_nginx_the_proxy_sends_the_file(client, settings, hidden_photo, member,
                                               outsider, condition_photo):
    settings.NANUM_PROTECTED_MEDIA = "x-accel"
    as_(client, member)
    response = client.get(hidden_photo.image_url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-media/{hidden_photo.image.name}"
    assert response["Content-Type"] == "image/png"
    response = client.get(condition_photo.thumbnail_url)
    assert response["X-Accel-Redirect"] == f"/protected-media/{condition_photo.thumbnail.name}"
    as_(client, outsider)
    response = client.get(hidden_photo.image_url)
    assert response.status_code == 404 and not response.has_header("X-Accel-Redirect")


def test_with_x_sendfile_the_server_sends_the_file(client, settings, public_photo):
    settings.NANUM_PROTECTED_MEDIA = "x-sendfile"
    response = client.get(public_photo.image_url)
    assert response.status_code == 200 and response.content == b""
    assert response["X-Sendfile"] == public_photo.image.path


def test_pages_and_api_show_only_checked_photo_addresses(client, api_as, public_photo,
                                                        condition_photo, member):
    listing = public_photo.listing
    html = client.get(f"/listings/{listing.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert public_photo.image_url in html
    assert "/media/" not in html
    cards = client.get("/listings/?q=Tent", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert public_photo.thumbnail_url in cards and "/media/listings" not in cards
    as_(client, member)
    booking = condition_photo.report.booking
    html = client.get(f"/bookings/{booking.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert condition_photo.image_url in html and condition_photo.thumbnail_url in html
    assert "/media/" not in html
    detail = api_as(member).get(f"/api/v1/listings/{listing.pk}/").json()
    assert detail["thumbnail_url"] == public_photo.thumbnail_url
    assert detail["photos"][0]["url"] == public_photo.image_url
    report = api_as(member).post(f"/api/v1/bookings/{booking.pk}/condition-reports/",
                                 {"stage": "return", "condition": "as_listed",
                                  "photos": [image_file("PNG")]}, format="multipart")
    assert report.status_code == 201
    [photo] = report.json()["photos"]
    assert re.fullmatch(r"/photos/condition/\d+/full/", photo["url"])
    assert re.fullmatch(r"/photos/condition/\d+/thumb/", photo["thumbnail_url"])
    assert client.get(photo["url"]).status_code == 200
    as_(client, None)
    assert client.get(photo["url"]).status_code == 404


def test_avatars_are_still_served_from_media(client, media):
    (media / "avatars").mkdir(parents=True)
    (media / "avatars" / "kim.png").write_bytes(image_file("PNG").read())
    assert client.get("/media/avatars/kim.png").status_code == 200
