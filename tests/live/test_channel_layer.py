"""oms.channel_layers.InMemoryChannelLayer keeps Channels' in-memory semantics."""

from __future__ import annotations

import os

from oms.channel_layers import InMemoryChannelLayer


async def test_group_send_reaches_every_member_with_its_own_copy():
    layer = InMemoryChannelLayer()
    channels = [await layer.new_channel() for _ in range(3)]
    for channel in channels:
        await layer.group_add("outages", channel)
    message = {"type": "outage.event", "seq": 1, "text": "{}"}
    await layer.group_send("outages", message)
    received = [await layer.receive(channel) for channel in channels]
    assert received == [message] * 3
    received[0]["seq"] = 99
    assert received[1]["seq"] == 1 and message["seq"] == 1


async def test_discarded_members_get_nothing_and_full_channels_drop():
    layer = InMemoryChannelLayer(capacity=2)
    kept, dropped = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("outages", kept)
    await layer.group_add("outages", dropped)
    await layer.group_discard("outages", dropped)
    for seq in range(3):
        await layer.group_send("outages", {"type": "outage.event", "seq": seq})
    assert [(await layer.receive(kept))["seq"] for _ in range(2)] == [0, 1]  # third dropped
    assert dropped not in layer.channels


def test_settings_use_it_unless_redis_url_is_set():
    from channels.layers import get_channel_layer

    expected = "channels_redis" if os.environ.get("REDIS_URL") else "oms.channel_layers"
    assert type(get_channel_layer()).__module__.startswith(expected)
