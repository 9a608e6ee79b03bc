"""The phone transport, driven by a client that speaks the Twilio Media Streams protocol."""

from __future__ import annotations

import asyncio
import base64
import json

import numpy as np
import pytest
from tests.transport.beep_agent import BeepAgent, tone
from tests.transport.helpers import eventually, frames, talk_server, utterance
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from quickturn.transport.codec import ulaw_decode, ulaw_encode

SID = "MZ0123456789abcdef"


def _start(params: dict[str, str] | None = None) -> str:
    return json.dumps({
        "event": "start", "sequenceNumber": "1", "streamSid": SID,
        "start": {"streamSid": SID, "callSid": "CA1", "tracks": ["inbound"],
                  "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                  "customParameters": params or {}},
    })


def _media(pcm8k: np.ndarray) -> str:
    payload = base64.b64encode(ulaw_encode(pcm8k)).decode()
    return json.dumps({"event": "media", "streamSid": SID,
                       "media": {"track": "inbound", "payload": payload}})


async def _say(ws: ClientConnection, pcm8k: np.ndarray) -> None:
    for f in frames(pcm8k, 8000):
        await ws.send(_media(f))


async def _collect(ws: ClientConnection, until: str, echo_marks: bool = True) -> list[dict]:
    out: list[dict] = []
    async with asyncio.timeout(10):
        while True:
            msg = json.loads(await ws.recv())
            out.append(msg)
            if msg["event"] == "mark" and echo_marks:
                await ws.send(json.dumps({"event": "mark", "streamSid": SID, "mark": msg["mark"]}))
            if msg["event"] == until:
                return out


async def test_whole_phone_turn_with_marks() -> None:
    agent = BeepAgent(reply_s=0.4)
    async with talk_server(agent) as (url, _):
        async with connect(f"{url}/twilio") as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1"}))
            await ws.send(_start())
            await _say(ws, utterance(8000))
            got = await _collect(ws, "mark")
            media = [m for m in got if m["event"] == "media"]
            assert all(m["streamSid"] == SID for m in got)
            pcm = np.concatenate([ulaw_decode(base64.b64decode(m["media"]["payload"]))
                                  for m in media])
            assert len(pcm) == pytest.approx(0.4 * 8000, abs=160)  # 20 ms frames at 8 kHz
            assert np.abs(pcm).max() > 6000
            await eventually(lambda: agent.playouts, 5)
            assert agent.playouts[0].interrupted is False
            await ws.send(json.dumps({"event": "stop", "streamSid": SID}))
            with pytest.raises(ConnectionClosed):
                while True:
                    await ws.recv()
    assert agent.heard_s[0] == pytest.approx(0.5, abs=0.05)
    assert agent.calls == 1 and agent.cancelled == 1  # hang-up ends the session with the call


async def test_barge_in_sends_clear() -> None:
    agent = BeepAgent(reply_s=3.0)
    async with talk_server(agent) as (url, _):
        async with connect(f"{url}/twilio") as ws:
            await ws.send(_start())
            await _say(ws, utterance(8000))
            async with asyncio.timeout(5):
                while json.loads(await ws.recv())["event"] != "media":
                    pass
            await _say(ws, tone(0.1, 300, 6000, 8000))  # the caller talks over the agent
            got = await _collect(ws, "clear", echo_marks=False)
            assert got[-1] == {"event": "clear", "streamSid": SID}
            await eventually(lambda: agent.playouts, 5)
            assert agent.playouts[0].interrupted and agent.playouts[0].played_s < 3.0


@pytest.mark.parametrize(
    ("first", "second", "words"),
    [
        (_start(), json.dumps({"event": "media", "media": {"payload": "!!not base64!!"}}),
         "not base64"),
        (_start(), "{broken", "not JSON"),
        (_start(), json.dumps({"event": "media"}), "payload"),
        (json.dumps({"event": "media", "media": {"payload": ""}}), None, "expected 'connected'"),
        (json.dumps({"event": "start", "start": {"mediaFormat": {
            "encoding": "audio/l16", "sampleRate": 16000}}}), None, "unsupported media format"),
    ],
)
async def test_garbage_closes_with_an_error(first: str, second: str | None, words: str) -> None:
    agent = BeepAgent()
    async with talk_server(agent) as (url, registry):
        async with connect(f"{url}/twilio") as ws:
            await ws.send(first)
            if second is not None:
                await ws.send(second)
            error = json.loads(await ws.recv())
            assert error["event"] == "error" and words in error["message"]
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007
        assert not registry.active


async def test_token_may_come_in_custom_parameters() -> None:
    async with talk_server(BeepAgent(), token="phone-token-1") as (url, _):
        async with connect(f"{url}/twilio") as ws:
            await ws.send(_start({"token": "nope"}))
            assert "token" in json.loads(await ws.recv())["message"]
        async with connect(f"{url}/twilio") as ws:
            await ws.send(_start({"token": "phone-token-1"}))
            await _say(ws, utterance(8000))
            got = await _collect(ws, "mark")
            assert any(m["event"] == "media" for m in got)
