"""The WebSocket transport with a real ``websockets`` client over loopback."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest
from tests.transport.beep_agent import BeepAgent
from tests.transport.helpers import eventually, frames, talk_server, utterance
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from quickturn.errors import ConfigError
from quickturn.transport.options import TransportOptions


async def _events_until(ws: ClientConnection, kind: str) -> tuple[list[dict], bytes]:
    events: list[dict] = []
    audio = bytearray()
    async with asyncio.timeout(10):
        while True:
            msg = await ws.recv()
            if isinstance(msg, bytes):
                audio += msg
                continue
            events.append(json.loads(msg))
            if events[-1]["type"] == kind:
                return events, bytes(audio)


async def test_whole_turn_comes_back_as_paced_audio_and_events() -> None:
    agent = BeepAgent(reply_s=0.4)
    async with talk_server(agent) as (url, registry):
        async with connect(f"{url}/ws") as ws:
            ready = json.loads(await ws.recv())
            assert ready["type"] == "ready" and ready["sample_rate_hz"] == 16000
            for f in frames(utterance()):
                await ws.send(f.astype("<i2").tobytes())
            events, audio = await _events_until(ws, "turn")
            kinds = [e["type"] for e in events]
            assert kinds.index("user_transcript") < kinds.index("state") < kinds.index("turn")
            turn = events[-1]
            assert turn["interrupted"] is False and turn["played_s"] == pytest.approx(0.4)
            pcm = np.frombuffer(audio, "<i2")
            assert len(pcm) == pytest.approx(0.4 * 16000, abs=320)  # one 20 ms frame of slack
            assert np.abs(pcm).max() > 7000  # the tone, not silence
            assert len(registry.active) == 1
    assert agent.finished + agent.cancelled == 1


async def test_audio_at_8khz_is_resampled_both_ways() -> None:
    agent = BeepAgent(reply_s=0.4)
    async with talk_server(agent) as (url, _):
        async with connect(f"{url}/ws?sample_rate_hz=8000") as ws:
            assert json.loads(await ws.recv())["sample_rate_hz"] == 8000
            for f in frames(utterance(8000), 8000):
                await ws.send(f.astype("<i2").tobytes())
            _, audio = await _events_until(ws, "turn")
    assert len(np.frombuffer(audio, "<i2")) == pytest.approx(0.4 * 8000, abs=160)
    assert agent.heard_s and agent.heard_s[0] == pytest.approx(0.5, abs=0.05)


async def test_client_vanishing_mid_reply_cancels_the_session() -> None:
    agent = BeepAgent(reply_s=5.0)
    async with talk_server(agent) as (url, registry):
        async with connect(f"{url}/ws") as ws:
            await ws.recv()
            for f in frames(utterance()):
                await ws.send(f.astype("<i2").tobytes())
            async with asyncio.timeout(5):
                while not isinstance(await ws.recv(), bytes):
                    pass  # first agent audio: the reply is playing
            ws.transport.abort()  # no close frame: the peer just vanishes
        await eventually(lambda: not registry.active, 5)
        assert agent.cancelled == 1 and agent.finished == 0
        assert agent.playouts == []  # the 5 s reply never finished playing
    stray = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in stray if "session" in t.get_name() or "reader" in t.get_name()]


@pytest.mark.parametrize(
    ("message", "words"),
    [
        (b"\x01\x02\x03", "even number of bytes"),
        ("not json", "not JSON"),
        (json.dumps({"type": "dance"}), "unknown control message"),
        (b"\x00" * (70 * 1024), "over"),
    ],
)
async def test_garbage_gets_an_error_and_a_closed_connection(message: object, words: str) -> None:
    agent = BeepAgent()
    async with talk_server(agent) as (url, registry):
        async with connect(f"{url}/ws") as ws:
            await ws.recv()
            await ws.send(message)  # type: ignore[arg-type]
            error = json.loads(await ws.recv())
            assert error["type"] == "error" and words in error["message"]
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
        assert not registry.active
    assert agent.cancelled == 1


async def test_idle_peer_is_hung_up_on() -> None:
    async with talk_server(BeepAgent(), idle_timeout_s=0.3) as (url, _):
        async with connect(f"{url}/ws") as ws:
            await ws.recv()
            error = json.loads(await ws.recv())
            assert "no audio or message" in error["message"]
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


async def test_ping_and_hangup() -> None:
    agent = BeepAgent()
    async with talk_server(agent) as (url, _):
        async with connect(f"{url}/ws") as ws:
            await ws.recv()
            await ws.send(json.dumps({"type": "ping"}))
            assert json.loads(await ws.recv()) == {"type": "pong"}
            await ws.send(json.dumps({"type": "hangup"}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


async def test_token_is_required_when_set() -> None:
    async with talk_server(BeepAgent(), token="s3cret-token") as (url, _):
        with pytest.raises(InvalidStatus):
            async with connect(f"{url}/ws"):
                pass
        with pytest.raises(InvalidStatus):
            async with connect(f"{url}/ws?token=wrong-token"):
                pass
        async with connect(f"{url}/ws?token=s3cret-token") as ws:
            assert json.loads(await ws.recv())["type"] == "ready"
        headers = {"Authorization": "Bearer s3cret-token"}
        async with connect(f"{url}/ws", additional_headers=headers) as ws:
            assert json.loads(await ws.recv())["type"] == "ready"


def test_listening_beyond_loopback_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="needs a token"):
        TransportOptions(host="0.0.0.0")
    assert TransportOptions(host="0.0.0.0", token="long-enough").token
    assert TransportOptions(host="::1").token is None
