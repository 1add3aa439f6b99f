"""A channel layer that is down never fails the request: the approval
answers 200, the notification row is stored, and it waits for the person's
next page (and the digest)."""

import pytest
from channels.layers import get_channel_layer

from marketplace import channel_layers
from messaging.models import Notification
from tests.harness import redis_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stopped_redis_layer(settings):
    with redis_server() as url:
        settings.CHANNEL_LAYERS = {"default": channel_layers.redis_layer(url, prefix="nanum-down.")}
        assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"
    # Out of the block the server is stopped: the layer points at nothing.
    return url


def test_an_approval_with_the_layer_down_succeeds_and_leaves_the_row(
        stopped_redis_layer, api_as, owner, member, requested, caplog):
    response = api_as(owner).post(f"/api/v1/bookings/{requested.pk}/approve/", {},
                                  format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert f"could not deliver to socket group user.{member.pk}" in caplog.text
    row = Notification.objects.get(user=member)
    assert (row.kind, row.url, row.delivered_live) == (
        "booking_confirmed", f"/bookings/{requested.pk}/", False)
    # The next page shows it.
    listed = api_as(member).get("/api/v1/notifications/").json()
    assert [n["kind"] for n in listed["results"]] == ["booking_confirmed"]
    assert api_as(member).get("/api/v1/notifications/unread/").json() == {"unread": 1}


def test_a_request_with_the_layer_down_tells_the_lender_by_row(
        stopped_redis_layer, api_as, owner, member, drill, period):
    response = api_as(member).post("/api/v1/bookings/", {
        "listing": drill.pk, "start": period[0].isoformat(), "end": period[1].isoformat()},
        format="json")
    assert response.status_code == 201
    assert Notification.objects.get(user=owner).kind == "booking_requested"
