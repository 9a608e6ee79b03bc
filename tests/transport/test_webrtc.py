"""WebRTC with a real aiortc peer over loopback: Opus both ways, events on the data channel."""

from __future__ import annotations

import asyncio

import httpx
import numpy as np
from tests.transport.beep_agent import BeepAgent, tone
from tests.transport.helpers import eventually, talk_server

from quickturn.transport.webrtc_client import webrtc_call


async def test_whole_turn_over_webrtc() -> None:
    agent = BeepAgent(reply_s=0.6)
    async with talk_server(agent) as (url, registry):
        base = url.replace("ws://", "http://")
        speech = tone(0.6, 300, 6000)
        turns, ear = await webrtc_call(base, [speech], greeting=False, quiet_s=0.5)
        # The client's track readers ended with the call (cancelled and awaited).
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "webrtc_call reader"]
        await eventually(lambda: not registry.active, 10)
    assert agent.heard_s and abs(agent.heard_s[0] - 0.6) < 0.1
    assert turns[0].a2a_ms is not None
    answer = turns[0].answer
    loud = np.flatnonzero(np.abs(answer.astype(np.int32)) > 2000)
    # The tone came back through Opus: about as long as sent, at 440 Hz.
    assert 0.45 < (loud[-1] - loud[0]) / 16000 < 0.75
    spectrum = np.abs(np.fft.rfft(answer[loud[0] : loud[-1]]))
    peak_hz = np.argmax(spectrum) * 16000 / (2 * len(spectrum) - 2)
    assert abs(peak_hz - 440) < 15
    kinds = [e["type"] for e in ear.events]
    assert "user_transcript" in kinds and "turn" in kinds
    assert agent.cancelled + agent.finished == 1


async def test_offer_that_is_not_sdp_is_refused() -> None:
    async with talk_server(BeepAgent()) as (url, registry):
        base = url.replace("ws://", "http://")
        async with httpx.AsyncClient() as http:
            bad = await http.post(f"{base}/offer", json={"sdp": "hello", "type": "offer"})
            assert bad.status_code == 400
            worse = await http.post(f"{base}/offer", content=b"\x00\x01")
            assert worse.status_code == 400
        assert not registry.active


async def test_call_through_a_lossy_relay_still_answers() -> None:
    from quickturn.transport.netem import UdpRelay

    agent = BeepAgent(reply_s=0.6)
    relay = UdpRelay(loss=0.05)
    try:
        async with talk_server(agent) as (url, _):
            base = url.replace("ws://", "http://")
            turns, _ = await webrtc_call(base, [tone(0.6, 300, 6000)], greeting=False,
                                         quiet_s=0.5, rewrite=relay.rewrite)
    finally:
        relay.close()
    assert turns[0].a2a_ms is not None
    assert relay.media > 50 and 0 < relay.dropped < relay.media * 0.15
    assert relay.unknown <= 2  # (a check from the unused, bundled-away socket at most)
