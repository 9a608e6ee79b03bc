"""The WebSocket transport for servers and apps: PCM16 frames both ways, JSON beside them.

Protocol (one call per connection, ``/ws?sample_rate_hz=16000``):

- server → client, first: ``{"type": "ready", "call_id", "sample_rate_hz", "frame_ms"}``, once
  the call's session is set up; audio sent before it is not read until then.
- client → server: binary messages of PCM16 little-endian mono caller audio at the negotiated
  rate, any length (even, at most ``max_message_bytes``), sent as it is captured, silence
  included; text messages of JSON control: ``{"type": "ping"}`` (answered with ``pong``) and
  ``{"type": "hangup"}``.
- server → client: binary messages of agent audio, one ``frame_ms`` frame each, paced in real
  time; text messages of JSON events (``state``, ``user_transcript``, ``agent_transcript``,
  ``turn``, ``clear`` when a barge-in dropped queued audio, ``error``; see docs/transports.md).
- malformed input (odd byte count, oversized message, bad JSON, unknown type) gets an
  ``error`` event and close code 1007; no message at all for ``idle_timeout_s``: 4408.
"""

from __future__ import annotations

import json
from typing import Any

from quickturn.audio.frame import PCM16
from quickturn.errors import AudioFormatError
from quickturn.transport.call import Call, CallHandler, CallRegistry, FrameQueue
from quickturn.transport.codec import StreamResampler, pcm16_from_bytes, pcm16_to_bytes
from quickturn.transport.options import (
    SESSION_RATE_HZ,
    WS_RATES_HZ,
    PeerProtocolError,
    TransportOptions,
)
from quickturn.transport.outbox import Outbox
from quickturn.transport.playout import SpeechBuffer
from quickturn.transport.socket import PeerSocket
from quickturn.transport.socket_call import close_with_error, receive_within, run_socket_call


def negotiated_rate(query: dict[str, str]) -> int:
    raw = query.get("sample_rate_hz", str(SESSION_RATE_HZ))
    try:
        rate = int(raw)
    except ValueError:
        rate = -1
    if rate not in WS_RATES_HZ:
        raise PeerProtocolError(f"sample_rate_hz must be one of {WS_RATES_HZ}, got {raw!r}", 1008)
    return rate


async def serve_websocket(
    sock: PeerSocket,
    handler: CallHandler,
    registry: CallRegistry,
    options: TransportOptions,
    query: dict[str, str],
) -> None:
    """Run one call over an accepted socket until either side ends it."""
    outbox = Outbox(sock.send_text, sock.send_bytes)
    try:
        rate = negotiated_rate(query)
    except PeerProtocolError as exc:
        await close_with_error(sock, exc, _error_message)
        return
    call_id = registry.new_id("websocket")
    up = StreamResampler(rate, SESSION_RATE_HZ)
    down = StreamResampler(SESSION_RATE_HZ, rate)
    buffer = SpeechBuffer(
        SESSION_RATE_HZ, options.frame_ms, on_clear=lambda: outbox.event({"type": "clear"})
    )
    call = Call(call_id, "websocket", FrameQueue(SESSION_RATE_HZ), buffer, outbox.event, query)

    async def send_audio(pcm: PCM16) -> None:
        await outbox.binary(pcm16_to_bytes(down.process(pcm)))

    async def read() -> None:
        while True:
            message = await receive_within(sock, options.idle_timeout_s)
            if message is None:
                return  # the peer closed or vanished
            if isinstance(message, bytes):
                call.input.put(up.process(_audio(message, options.max_message_bytes)))
            elif _control(message, outbox):
                return  # hang-up

    async def ready() -> None:
        await outbox.text(json.dumps({"type": "ready", "call_id": call_id,
                                      "sample_rate_hz": rate, "frame_ms": options.frame_ms}))

    await run_socket_call(sock, outbox, buffer, send_audio, call, handler, read, registry,
                          _error_message, ready)


def _error_message(exc: PeerProtocolError) -> dict[str, Any]:
    return {"type": "error", "code": "protocol", "message": str(exc)}


def _audio(data: bytes, limit: int) -> PCM16:
    if len(data) > limit:
        raise PeerProtocolError(f"audio message of {len(data)} bytes is over {limit}")
    try:
        return pcm16_from_bytes(data)
    except AudioFormatError as exc:
        raise PeerProtocolError(str(exc)) from exc


def _control(text: str, outbox: Outbox) -> bool:
    """Handle one JSON control message; True on hang-up."""
    try:
        msg: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PeerProtocolError(f"control message is not JSON: {exc.msg}") from exc
    kind = msg.get("type") if isinstance(msg, dict) else None
    if kind == "ping":
        outbox.event({"type": "pong"})
        return False
    if kind == "hangup":
        return True
    raise PeerProtocolError(f"unknown control message type {kind!r} (ping, hangup)")
