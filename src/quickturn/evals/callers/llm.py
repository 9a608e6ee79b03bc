"""A caller played by an LLM behind any OpenAI-compatible endpoint (official ``openai`` client).

The persona prompt carries the scenario's goal, facts and reactions; the model is told to reveal
facts only when asked and to end the call with the token [HANGUP].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from quickturn.errors import ConfigError, UpstreamError
from quickturn.evals.scenarios import Scenario

if TYPE_CHECKING:
    from openai import AsyncOpenAI

HANGUP = "[HANGUP]"


@dataclass(frozen=True)
class EndpointConfig:
    """An OpenAI-compatible endpoint: ``base_url`` ends in ``/v1``."""

    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"endpoint URL must start with http:// or https://: {self.base_url!r}"
            )
        if not self.model:
            raise ConfigError("an endpoint needs a model name")
        if self.timeout_s <= 0:
            raise ConfigError("timeout_s must be > 0")

    def client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout_s)


def persona_prompt(scenario: Scenario) -> str:
    facts = (
        "\n".join(f"- {k.replace('_', ' ')}: {v}" for k, v in scenario.facts.items()) or "- none"
    )
    steps = (
        "\n".join(
            f"- {s.say}"
            + ("" if s.when == "lull" else f" (say this when the agent asks you to {s.when})")
            for s in scenario.steps
        )
        or "- nothing beyond your opening line"
    )
    price = {
        "accept": "accept the price you are quoted",
        "ask_cheaper": "ask once whether there is anything cheaper, then accept",
        "decline": "decline: say it is too expensive and end the call",
    }[scenario.reactions.price]
    confirm = "say yes" if scenario.reactions.confirm else "say no"
    return (
        "You are role-playing a caller phoning a hotel. Stay in character; you are NOT the "
        "assistant.\n"
        f"Persona: {scenario.persona}\n"
        f"You opened the call with: {scenario.opening!r}\n"
        f"What you still want to say, in order:\n{steps}\n"
        f"Facts you know (give one only when the agent asks for it):\n{facts}\n"
        f"When quoted a price: {price}. When asked to confirm: {confirm}.\n"
        "Speak in short spoken sentences, one turn at a time. Never invent facts you were not "
        f"given; say you don't know. When your business is done and the agent has said goodbye, "
        f"reply with exactly {HANGUP}."
    )


class LLMCaller:
    """One conversation's caller. The agent's turns are the model's *user* messages."""

    def __init__(
        self,
        scenario: Scenario,
        client: AsyncOpenAI,
        model: str,
        *,
        max_turns: int = 14,
        temperature: float = 0.3,
    ) -> None:
        if max_turns < 1:
            raise ConfigError("max_turns must be >= 1")
        self._scenario = scenario
        self._client = client
        self._model = model
        self._max_turns = max_turns
        self._temperature = temperature
        self._turns = 0
        self._done = False
        self._messages: list[dict[str, Any]] = [
            {"role": "system", "content": persona_prompt(scenario)},
            {"role": "assistant", "content": scenario.opening},
        ]

    def opening(self) -> str:
        return self._scenario.opening

    async def respond(self, agent_text: str) -> str | None:
        self._turns += 1
        if self._done or self._turns > self._max_turns:
            return None
        from openai import OpenAIError

        self._messages.append({"role": "user", "content": agent_text})
        try:
            out = await self._client.chat.completions.create(
                model=self._model,
                messages=self._messages,  # type: ignore[arg-type]
                temperature=self._temperature,
                max_tokens=120,
            )
        except OpenAIError as exc:
            raise UpstreamError(f"simulated caller endpoint failed: {exc}") from exc
        text = (out.choices[0].message.content or "").strip() if out.choices else ""
        if HANGUP in text:
            # "Thanks, bye. [HANGUP]": say the words, then end the call on the next turn.
            self._done = True
            text = text.replace(HANGUP, "").strip()
        if not text:
            return None
        self._messages.append({"role": "assistant", "content": text})
        return text
