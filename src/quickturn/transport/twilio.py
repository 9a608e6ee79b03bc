"""The phone transport: Twilio Media Streams over a WebSocket (``/twilio``).

Inbound, every message is JSON with an ``event``: ``connected``, then ``start`` (the
``streamSid``, the media format, ``customParameters``), ``media`` (base64 8 kHz mu-law,
20 ms per message), ``mark`` (the echo of a mark we sent, once the audio before it has played),
``dtmf``, ``stop``. Outbound: ``media`` frames of the agent's audio paced in real time, a
``mark`` after each speech (the phone side echoes it when that speech finished playing; that is
when the session hears the speech ended), and ``clear`` on barge-in, which makes the provider drop
whatever it still buffers. Audio is resampled 8 kHz <-> 16 kHz on the way in and out.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from quickturn.audio.frame import PCM16
from quickturn.transport.call import Call, CallHandler, CallRegistry, FrameQueue
from quickturn.transport.codec import StreamResampler, ulaw_decode, ulaw_encode
from quickturn.transport.options import (
    SESSION_RATE_HZ,
    PeerProtocolError,
    TransportOptions,
)
from quickturn.transport.outbox import Outbox
from quickturn.transport.playout import SpeechBuffer
from quickturn.transport.socket import PeerSocket
from quickturn.transport.socket_call import close_with_error, receive_within, run_socket_call

PHONE_RATE_HZ = 8000
_MULAW = "audio/x-mulaw"


class PhoneOutput(SpeechBuffer):
    """A speech ends when the phone side echoes the mark sent after its last frame."""

    def __init__(self, outbox: Outbox, frame_ms: int) -> None:
        super().__init__(SESSION_RATE_HZ, frame_ms, on_clear=self._send_clear)
        self._outbox = outbox
        self.stream_sid = ""
        self._marks = 0
        self._pending: dict[str, float] = {}

    def speech_ended(self, played_s: float, interrupted: bool) -> None:
        if interrupted:
            self._pending.clear()
            self.on_playback_finished(played_s, True)
            return
        self._marks += 1
        name = f"speech-{self._marks}"
        self._pending[name] = played_s
        self._outbox.event({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    def mark_played(self, name: str) -> None:
        played_s = self._pending.pop(name, None)
        if played_s is not None:
            self.on_playback_finished(played_s, False)

    def _send_clear(self) -> None:
        self._outbox.event({"event": "clear", "streamSid": self.stream_sid})


async def serve_twilio(
    sock: PeerSocket,
    handler: CallHandler,
    registry: CallRegistry,
    options: TransportOptions,
    query: dict[str, str],
    authorize: Any = None,
) -> None:
    """Run one phone call. ``authorize(params) -> bool`` checks the token when the provider can
    only pass it in the ``start`` message's custom parameters."""
    outbox = Outbox(sock.send_text)
    output = PhoneOutput(outbox, options.frame_ms)
    down = StreamResampler(SESSION_RATE_HZ, PHONE_RATE_HZ)
    try:
        start = await _wait_for_start(sock, options)
        params = {**query, **{str(k): str(v) for k, v in start.get("customParameters", {}).items()}}
        if authorize is not None and not authorize(params):
            raise PeerProtocolError("missing or wrong token", 1008)
    except PeerProtocolError as exc:
        await close_with_error(sock, exc, _error_message)
        return
    output.stream_sid = str(start.get("streamSid", ""))
    call = Call(registry.new_id("twilio"), "twilio", FrameQueue(SESSION_RATE_HZ), output,
                lambda _event: None, params)
    up = StreamResampler(PHONE_RATE_HZ, SESSION_RATE_HZ)

    async def send_audio(pcm: PCM16) -> None:
        payload = base64.b64encode(ulaw_encode(down.process(pcm))).decode("ascii")
        await outbox.text(json.dumps(
            {"event": "media", "streamSid": output.stream_sid, "media": {"payload": payload}}
        ))

    async def read() -> None:
        while True:
            msg = await _receive_json(sock, options)
            if msg is None:
                return
            match msg.get("event"):
                case "media":
                    call.input.put(up.process(ulaw_decode(_payload(msg))))
                case "mark":
                    output.mark_played(str((msg.get("mark") or {}).get("name", "")))
                case "stop":
                    return
                case "dtmf" | "connected":
                    pass
                case other:
                    raise PeerProtocolError(f"unknown event {other!r}")

    await run_socket_call(sock, outbox, output, send_audio, call, handler, read, registry,
                          _error_message)


def _error_message(exc: PeerProtocolError) -> dict[str, Any]:
    return {"event": "error", "message": str(exc)}


async def _receive_json(sock: PeerSocket, options: TransportOptions) -> dict[str, Any] | None:
    message = await receive_within(sock, options.idle_timeout_s)
    if message is None:
        return None
    if isinstance(message, bytes):
        raise PeerProtocolError("media streams carry JSON text messages, got binary")
    if len(message) > options.max_message_bytes:
        raise PeerProtocolError(f"message of {len(message)} bytes is over the limit")
    try:
        msg = json.loads(message)
    except json.JSONDecodeError as exc:
        raise PeerProtocolError(f"message is not JSON: {exc.msg}") from exc
    if not isinstance(msg, dict) or not isinstance(msg.get("event"), str):
        raise PeerProtocolError("message has no 'event'")
    return msg


async def _wait_for_start(sock: PeerSocket, options: TransportOptions) -> dict[str, Any]:
    while True:
        msg = await _receive_json(sock, options)
        if msg is None:
            raise PeerProtocolError("the stream ended before 'start'", 1000)
        if msg["event"] == "connected":
            continue
        if msg["event"] != "start":
            raise PeerProtocolError(f"expected 'connected' or 'start', got {msg['event']!r}")
        start = msg.get("start")
        if not isinstance(start, dict):
            raise PeerProtocolError("'start' without its 'start' object")
        if "streamSid" not in start and "streamSid" in msg:
            start = {**start, "streamSid": msg["streamSid"]}
        fmt = start.get("mediaFormat") or {}
        rate = int(fmt.get("sampleRate", 0))
        if fmt and (fmt.get("encoding") != _MULAW or rate != PHONE_RATE_HZ):
            raise PeerProtocolError(f"unsupported media format {fmt} (audio/x-mulaw at 8000 Hz)")
        return start


def _payload(msg: dict[str, Any]) -> bytes:
    media = msg.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("payload"), str):
        raise PeerProtocolError("'media' without a base64 'payload'")
    try:
        data = base64.b64decode(media["payload"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PeerProtocolError(f"'media' payload is not base64: {exc}") from exc
    return data
