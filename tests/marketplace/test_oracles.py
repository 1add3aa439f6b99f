"""No oracles: what the caller may not see answers exactly as what does not
exist, and every refusal under /api/v1/ is JSON in the caller's language."""

import pytest
from django.test import Client
from django.utils import translation

from community_rules.models import Community, Membership
from tests.fixtures.bookings import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed_report(api_as, owner, member):
    library = Community.objects.create(name="Library", slug="library")
    Membership.objects.create(community=library, user=owner, role="owner", status="active")
    Membership.objects.create(community=library, user=member, status="active")
    listing = make_listing(member, title="Spam", visibility="communities")
    listing.communities.add(library)
    filed = api_as(owner).post("/api/v1/reports/", {
        "target_type": "listing", "target_id": listing.pk, "reason": "Advertising"})
    assert filed.status_code == 201
    return filed.json()["id"]


def test_handling_a_report_you_cannot_see_answers_as_a_missing_one(api_as, member,
                                                                   outsider, filed_report):
    for person in (member, outsider):
        existing = api_as(person).post(f"/api/v1/reports/{filed_report}/handle/",
                                       {"outcome": "dismiss"}, HTTP_ACCEPT_LANGUAGE="en")
        missing = api_as(person).post(f"/api/v1/reports/{filed_report + 1000}/handle/",
                                      {"outcome": "dismiss"}, HTTP_ACCEPT_LANGUAGE="en")
        assert existing.status_code == missing.status_code == 404
        assert existing.json() == missing.json() == {"code": "not_found",
                                                     "detail": "Not found."}


def test_the_moderator_still_handles_the_report(api_as, owner, filed_report):
    handled = api_as(owner).post(f"/api/v1/reports/{filed_report}/handle/",
                                 {"outcome": "dismiss"})
    assert handled.status_code == 200 and handled.json()["status"] == "dismissed"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_to_an_unknown_api_path_is_a_json_404_not_the_csrf_page(method, member):
    anonymous = Client(enforce_csrf_checks=True)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(member)
    for client in (anonymous, signed_in):
        response = getattr(client, method)("/api/v1/no-such-thing/", "{}",
                                           content_type="application/json",
                                           HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("language", ["en", "ko"])
def test_malformed_json_is_a_400_in_the_error_shape_and_the_callers_language(
        api_as, member, language):
    response = api_as(member).post("/api/v1/reports/", '{"target_type": "listing",',
                                   content_type="application/json",
                                   HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    with translation.override(language):
        expected = translation.gettext("The request body is not valid JSON.")
    assert response.json() == {"code": "validation_failed", "detail": expected, "fields": {}}
    # Not the parser's own English ("Expecting value: line 1 column ...").
    assert "Expecting" not in response.json()["detail"]


def test_a_form_body_that_cannot_be_parsed_is_refused_in_the_error_shape(api_as, member):
    # A multipart body without its boundary: DRF's error quotes Django's.
    response = api_as(member).post("/api/v1/reports/", b"--x\r\nbroken",
                                   content_type="multipart/form-data",
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"code": "validation_failed",
                               "detail": "The request body could not be read.", "fields": {}}
