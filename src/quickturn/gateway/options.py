"""The gateway's options and the engine it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

from quickturn.errors import ConfigError
from quickturn.gateway.admission import AdmissionOptions
from quickturn.gateway.protocol import Limits
from quickturn.gateway.reply import ReplyOptions
from quickturn.llm.types import ChatClient


@dataclass(frozen=True)
class GatewayOptions:
    """``model_names`` are accepted and passed to the engine as asked; ``model_aliases`` maps
    further accepted names to the name the engine is sent (``("quickturn", "gpt-4o")``)."""

    model_names: tuple[str, ...] = ("quickturn",)
    model_aliases: tuple[tuple[str, str], ...] = ()
    api_keys: tuple[str, ...] = ()  # empty: no authentication (the default bind is loopback)
    max_body_bytes: int = 4 * 1024 * 1024
    max_tokens_cap: int = 1024
    default_max_tokens: int = 256
    admission: AdmissionOptions = field(default_factory=AdmissionOptions)
    reply: ReplyOptions = field(default_factory=ReplyOptions)

    def __post_init__(self) -> None:
        if not self.model_names or any(not n for n in self.model_names):
            raise ConfigError("the gateway needs at least one non-empty model name")
        if any(not a or not t for a, t in self.model_aliases):
            raise ConfigError("model aliases need a non-empty name and target")
        if any(not k for k in self.api_keys):
            raise ConfigError("API keys must be non-empty")
        if self.max_body_bytes < 1024:
            raise ConfigError("max_body_bytes must be >= 1024")
        if not 1 <= self.default_max_tokens <= self.max_tokens_cap:
            raise ConfigError("need 1 <= default_max_tokens <= max_tokens_cap")

    def served_names(self) -> list[str]:
        """Every model name a client may ask for, in the order /v1/models lists them."""
        return list(dict.fromkeys([*self.model_names, *(a for a, _ in self.model_aliases)]))

    def engine_model(self, name: str) -> str | None:
        """The model name the engine is sent for a client's ``name``; None if not served."""
        aliases = dict(self.model_aliases)
        if name in aliases:
            return aliases[name]
        return name if name in self.model_names else None

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
