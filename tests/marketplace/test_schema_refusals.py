"""The OpenAPI document describes every refusal in the error shape, and the
API refuses what the document says it does not take (the schemathesis run in
tests/e2e/test_api_schemathesis.py checks the rest against a live server)."""

import pytest

pytestmark = pytest.mark.django_db

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_every_operation_documents_its_refusals_in_the_error_shape(schema):
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "detail"]
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "429"}
        if operation.get("parameters") or method != "get":
            expected.add("404")
        if method != "get":
            expected |= {"409", "422"}
        assert expected <= set(responses), (method, path)
        for code in expected:
            assert responses[code]["content"]["application/json"]["schema"] == ERROR


def test_json_bodies_are_documented_as_json_only(schema):
    booking = schema["paths"]["/api/v1/bookings/"]["post"]["requestBody"]["content"]
    assert list(booking) == ["application/json"]
    photos = schema["paths"]["/api/v1/listings/{listing_id}/photos/"]["post"]
    assert "multipart/form-data" in photos["requestBody"]["content"]


def test_fields_that_may_be_empty_are_nullable(schema):
    components = schema["components"]["schemas"]
    assert components["Booking"]["properties"]["community"]["nullable"] is True
    assert components["ReportOut"]["properties"]["community"]["nullable"] is True


def test_a_number_where_text_belongs_is_refused(api_as, member):
    response = api_as(member).patch("/api/v1/me/", {"district": 0}, format="json")
    assert response.status_code == 400
    assert "district" in response.json()["fields"]


@pytest.mark.parametrize("query", ["page=0", "page=x", "page=", "page_size=null",
                                   "page=1&page=2"])
def test_a_page_that_is_not_a_positive_number_is_refused(api, query):
    response = api.get(f"/api/v1/communities/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_a_page_past_the_last_is_not_found(api):
    assert api.get("/api/v1/communities/?page=9").status_code == 404


@pytest.mark.parametrize("query", ["status=AAA", "status=", "role=nobody"])
def test_booking_filters_take_only_their_choices(api_as, member, query):
    assert api_as(member).get(f"/api/v1/bookings/?{query}").status_code == 400


@pytest.mark.parametrize("query", ["verified=", "verified=null"])
def test_the_company_filter_takes_only_true_or_false(api, query):
    assert api.get(f"/api/v1/companies/?{query}").status_code == 400
    assert api.get("/api/v1/companies/?verified=true").status_code == 200


def test_a_calendar_reset_body_must_be_an_object(api_as, member):
    response = api_as(member).post("/api/v1/calendar/reset/", [None, None], format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["verified_company=null", "free=maybe"])
def test_listing_search_flags_take_only_true_or_false(api, query):
    assert api.get(f"/api/v1/listings/?{query}").status_code == 400
    assert api.get("/api/v1/listings/?free=true&verified_company=false").status_code == 200
