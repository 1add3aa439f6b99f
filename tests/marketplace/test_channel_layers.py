"""The single-process channel layer (marketplace/channel_layers.py): it
still delivers, and drops what expired, walking its channels at most once
a CLEAN_EVERY instead of on every send and receive."""

import asyncio
import time

from channels import layers

from marketplace.channel_layers import InMemoryChannelLayer


def test_a_group_send_reaches_every_member():
    layer = InMemoryChannelLayer()

    async def exchange():
        first, second = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("conversation.1", first)
        await layer.group_add("conversation.1", second)
        await layer.group_send("conversation.1", {"type": "notify", "text": "At 7?"})
        return [await layer.receive(first), await layer.receive(second)]

    assert asyncio.run(exchange()) == [{"type": "notify", "text": "At 7?"}] * 2


def test_the_walk_over_all_channels_runs_once_a_second_at_most(monkeypatch):
    walks = []
    monkeypatch.setattr(layers.InMemoryChannelLayer, "_clean_expired",
                        lambda self: walks.append(time.monotonic()))
    layer = InMemoryChannelLayer()

    async def traffic():
        channel = await layer.new_channel()
        await layer.group_add("conversation.1", channel)
        for n in range(50):
            await layer.group_send("conversation.1", {"type": "notify", "n": n})
            await layer.receive(channel)

    asyncio.run(traffic())
    assert len(walks) == 1


def test_an_expired_message_still_goes_and_takes_its_channel_out_of_groups():
    layer = InMemoryChannelLayer(expiry=0.05)
    layer.CLEAN_EVERY = 0.1

    async def expire():
        unread = await layer.new_channel()
        await layer.group_add("conversation.1", unread)
        await layer.group_send("conversation.1", {"type": "notify"})  # the first walk
        time.sleep(0.15)  # the message expired, and the next walk is due
        await layer.group_send("conversation.2", {"type": "notify"})
        return unread

    unread = asyncio.run(expire())
    assert unread not in layer.channels
    assert unread not in layer.groups.get("conversation.1", {})
