"""Every API refusal has the shape `{"code", "detail", ...}` (shared/API.md)."""

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_invalid_input_is_a_400_naming_the_fields(api_as, member):
    response = api_as(member).patch("/api/v1/me/", {"display_name": "x" * 200},
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["detail"] == "Some of the information is not valid."
    assert "display_name" in body["fields"]


def test_errors_speak_korean_to_a_korean_client(api):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.json()["code"] == "not_authenticated"
    assert "인증" in response.json()["detail"]


def test_domain_errors_become_their_status_and_code():
    from marketplace.api import exception_handler
    from marketplace.errors import BookingConflict, RuleViolation

    conflict = exception_handler(BookingConflict(), {})
    assert conflict.status_code == 409
    assert conflict.data["code"] == "booking_conflict"

    violation = RuleViolation(
        [{"rule": "max_loan_duration", "community": "mapo", "message": "At most 7 days."},
         {"rule": "members_only", "community": "mapo", "message": "Members only."}]
    )
    response = exception_handler(violation, {})
    assert response.status_code == 422
    assert response.data["code"] == "rule_violation"
    assert [v["rule"] for v in response.data["violations"]] == [
        "max_loan_duration", "members_only"]
    assert response.data["detail"] == "At most 7 days. Members only."


def test_the_openapi_document_describes_the_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/me/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["sessionToken"]["name"] == "X-Session-Token"


def test_the_api_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html


def test_the_openapi_document_is_valid_and_has_no_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/bookings/{booking_id}/{action}/" in out.read_text()


def test_too_many_requests_are_429_rate_limited(api, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [api.get("/api/v1/categories/").status_code for _ in range(3)]
    refused = api.get("/api/v1/listings/", HTTP_ACCEPT_LANGUAGE="en")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and refused.json()["retry_after"] > 0
