"""Options shared by every network transport, and the errors a peer's bad input maps to."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from quickturn.errors import ConfigError, QuickturnError

SESSION_RATE_HZ = 16_000
WS_RATES_HZ = (8000, 16_000, 24_000, 48_000)


class PeerProtocolError(QuickturnError):
    """The peer sent something the protocol does not allow; the connection is closed with
    ``close_code`` after an ``error`` message that says why."""

    def __init__(self, message: str, close_code: int = 1007) -> None:
        super().__init__(message)
        self.close_code = close_code


class IdleTimeout(PeerProtocolError):
    def __init__(self, idle_s: float) -> None:
        super().__init__(f"no audio or message from the peer for {idle_s:g} s", 4408)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class TransportOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    """Required of every client (``?token=`` or ``Authorization: Bearer``) when set; must be set
    whenever ``host`` is not a loopback address."""
    idle_timeout_s: float = 30.0
    """A peer that sends nothing (not even silence) this long is hung up on."""
    heartbeat_s: float = 10.0
    """WebSocket ping interval; a peer that misses a pong within this long is gone."""
    max_message_bytes: int = 64 * 1024
    frame_ms: int = 20
    max_calls: int = 32

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ConfigError(
                f"listening on {self.host} needs a token (--token or QUICKTURN_TALK_TOKEN): "
                "anyone who can reach the port could talk to the agent"
            )
        if self.token is not None and len(self.token) < 8:
            raise ConfigError("the token must be at least 8 characters")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"bad port {self.port}")
        if self.idle_timeout_s <= 0 or self.heartbeat_s <= 0:
            raise ConfigError("idle_timeout_s and heartbeat_s must be > 0")
        if self.max_message_bytes < 1024:
            raise ConfigError("max_message_bytes must be >= 1024")
        if self.frame_ms not in (10, 20, 40):
            raise ConfigError("frame_ms must be 10, 20 or 40")
        if self.max_calls < 1:
            raise ConfigError("max_calls must be >= 1")
