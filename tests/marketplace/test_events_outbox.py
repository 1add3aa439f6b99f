"""Live events from sync code inside an ASGI server (a view, a socket's
database work on a worker thread): handed to the server loop's outbox, sent
from there in the order given, a failed send logged and the next one tried;
outside a server they are sent before send_to_group returns."""

import asyncio
import logging

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from marketplace import channel_layers, events


@pytest.fixture
def memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": channel_layers.memory_layer()}
    return get_channel_layer()


async def _received(layer, channel, count):
    return [(await asyncio.wait_for(layer.receive(channel), timeout=5))["payload"]
            for _ in range(count)]


@pytest.mark.asyncio
async def test_sends_from_worker_threads_arrive_in_the_order_given(memory_layer):
    channel = await memory_layer.new_channel()
    await memory_layer.group_add("room", channel)

    def a_view_sends():
        for n in range(30):
            events.send_to_group("room", {"n": n})

    await sync_to_async(a_view_sends, thread_sensitive=False)()
    await sync_to_async(a_view_sends)()  # the thread-sensitive thread alike
    assert [p["n"] for p in await _received(memory_layer, channel, 60)] == [
        *range(30), *range(30)]


@pytest.mark.asyncio
async def test_a_failed_send_is_logged_and_the_next_one_still_goes(memory_layer, monkeypatch,
                                                                  caplog):
    channel = await memory_layer.new_channel()
    await memory_layer.group_add("room", channel)
    real_group_send = memory_layer.group_send

    async def refusing_one_group(group, message):
        # The layer refusing one group (full, or its Redis shard away).
        if group == "full":
            raise RuntimeError("channel full")
        await real_group_send(group, message)

    monkeypatch.setattr(memory_layer, "group_send", refusing_one_group)
    caplog.set_level(logging.WARNING, logger="nanum.events")

    def a_view_sends():
        events.send_to_group("full", {"n": 1})
        events.send_to_group("room", {"n": 2})

    await sync_to_async(a_view_sends, thread_sensitive=False)()
    assert await _received(memory_layer, channel, 1) == [{"n": 2}]
    assert "could not deliver to socket group full" in caplog.text


def test_outside_a_server_the_send_is_done_when_it_returns(memory_layer):
    channel = async_to_sync(memory_layer.new_channel)()
    async_to_sync(memory_layer.group_add)("room", channel)
    events.send_to_group("room", {"n": 1})  # no server loop: sent before it returns
    assert async_to_sync(memory_layer.receive)(channel)["payload"] == {"n": 1}


@pytest.mark.asyncio
async def test_a_stalled_group_holds_up_no_other_group(memory_layer, monkeypatch):
    channel = await memory_layer.new_channel()
    await memory_layer.group_add("room", channel)
    real_group_send = memory_layer.group_send
    stalled = asyncio.Event()

    async def stalling_one_group(group, message):
        # The layer stuck on one group (its Redis shard not answering).
        if group == "stuck":
            await stalled.wait()
        await real_group_send(group, message)

    monkeypatch.setattr(memory_layer, "group_send", stalling_one_group)

    def a_view_sends():
        events.send_to_group("stuck", {"n": 1})
        events.send_to_group("room", {"n": 2})

    await sync_to_async(a_view_sends, thread_sensitive=False)()
    assert await _received(memory_layer, channel, 1) == [{"n": 2}]
    stalled.set()
