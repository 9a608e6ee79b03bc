"""The gateway's options and the engine it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

from quickturn.errors import ConfigError
from quickturn.gateway.admission import AdmissionOptions
from quickturn.gateway.protocol import Limits
from quickturn.llm.types import ChatClient


@dataclass(frozen=True)
class GatewayOptions:
    model_names: tuple[str, ...] = ("quickturn",)
    api_keys: tuple[str, ...] = ()  # empty: no authentication (the default bind is loopback)
    max_body_bytes: int = 4 * 1024 * 1024
    max_tokens_cap: int = 1024
    default_max_tokens: int = 256
    admission: AdmissionOptions = field(default_factory=AdmissionOptions)

    def __post_init__(self) -> None:
        if not self.model_names or any(not n for n in self.model_names):
            raise ConfigError("the gateway needs at least one non-empty model name")
        if any(not k for k in self.api_keys):
            raise ConfigError("API keys must be non-empty")
        if self.max_body_bytes < 1024:
            raise ConfigError("max_body_bytes must be >= 1024")
        if not 1 <= self.default_max_tokens <= self.max_tokens_cap:
            raise ConfigError("need 1 <= default_max_tokens <= max_tokens_cap")

    @property
    def limits(self) -> Limits:
        return Limits(
            max_tokens_cap=self.max_tokens_cap, default_max_tokens=self.default_max_tokens
        )


@dataclass(frozen=True)
class Engine:
    """A chat client plus the label its metrics carry (``embedded``, ``openai``, ``scripted``)."""

    label: str
    client: ChatClient
