"""Helpers for the communities tests: a community in one line, people joined
to it in a given role, and a real (in-memory) channel layer to read what
people's sockets were told."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from community_rules.models import Membership
from community_rules.services import (
    community_create,
    community_join,
    invite_create,
    membership_change,
)
from marketplace import channel_layers
from marketplace.events import user_group


@pytest.fixture
def make_community(owner):
    """`make_community(name="Mapo Tool Library", join_policy=..., ...)`,
    owned by `owner`."""

    def make(name="Mapo Tool Library", **fields):
        return community_create(actor=owner, name=name, **fields)

    return make


@pytest.fixture
def admit(owner):
    """`admit(community, person, role="member")`: an active membership, let
    in by an invite from `owner` (whatever the join policy) and given the
    role by `owner`."""

    def make(community, person, role=Membership.Role.MEMBER) -> Membership:
        token = invite_create(actor=owner, community=community)
        membership = community_join(actor=person, community=community, invite_token=token)
        if role != Membership.Role.MEMBER:
            membership = membership_change(actor=owner, membership=membership, role=role)
        return membership

    return make


async def _drain(layer, channel) -> list[dict]:
    received = []
    while True:
        try:
            received.append(await asyncio.wait_for(layer.receive(channel), 0.05))
        except TimeoutError:
            return received


@pytest.fixture
def inbox(settings):
    """`box = inbox(person)` listens on the person's socket group of a real
    in-memory channel layer; `box()` is every payload sent to it so far."""
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}
    layer = get_channel_layer()

    def listen(person):
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(person.pk), channel)

        def received() -> list[dict]:
            return [message["payload"] for message in async_to_sync(_drain)(layer, channel)]

        return received

    return listen

