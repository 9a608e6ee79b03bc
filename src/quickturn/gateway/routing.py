"""Routing over several upstream replicas: cache affinity, least-loaded, fail-over.

A conversation goes back to the replica that served it, because that replica holds its KV
prefix (a cold prefill of a long agent prompt costs seconds). New conversations go to the replica
with the fewest generations in flight. A replica that fails before the first event is skipped
and the next one tried; after the first event the failure is the caller's (the words already
streamed cannot be taken back), and it is no longer retryable.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from quickturn.errors import ConfigError, EngineError, UpstreamError
from quickturn.gateway.streams import aclose_iter
from quickturn.llm.types import ChatClient, ChatRequest, LLMEvent


@dataclass(frozen=True)
class RouterOptions:
    affinity_capacity: int = 10_000  # conversations remembered (LRU)
    down_cooldown_s: float = 5.0  # a failed replica is tried last for this long

    def __post_init__(self) -> None:
        if self.affinity_capacity < 1:
            raise ConfigError("affinity_capacity must be >= 1")
        if self.down_cooldown_s < 0:
            raise ConfigError("down_cooldown_s must be >= 0")


@dataclass
class Replica:
    name: str
    client: ChatClient
    in_flight: int = 0
    served: int = 0
    down_until_s: float = float("-inf")


def affinity_key(request: ChatRequest) -> str:
    """The conversation id when the caller gave one, else a hash of what every later turn of
    the same conversation starts with: the system prompt(s) and the first user message."""
    if request.conversation_id:
        return "id:" + request.conversation_id
    head = []
    for message in request.messages:
        head.append([message.get("role"), message.get("content")])
        if message.get("role") == "user":
            break
    raw = json.dumps(head, sort_keys=True, ensure_ascii=False, default=str)
    return "h:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


class ReplicaRouter:
    """A ChatClient that spreads requests over ``replicas`` (name, client)."""

    def __init__(
        self,
        replicas: Sequence[tuple[str, ChatClient]],
        options: RouterOptions = RouterOptions(),
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not replicas:
            raise ConfigError("a router needs at least one replica")
        names = [n for n, _ in replicas]
        if len(set(names)) != len(names):
            raise ConfigError(f"replica names must be unique: {names}")
        self.options = options
        self.replicas = [Replica(name, client) for name, client in replicas]
        self._clock = clock
        self._affinity: OrderedDict[str, str] = OrderedDict()

    def status(self) -> list[dict[str, object]]:
        """One line per replica for /health."""
        now = self._clock()
        return [
            {
                "name": r.name,
                "in_flight": r.in_flight,
                "served": r.served,
                "down_for_s": round(max(0.0, r.down_until_s - now), 3),
            }
            for r in self.replicas
        ]

    def affine_replica(self, request: ChatRequest) -> str | None:
        return self._affinity.get(affinity_key(request))

    def order(self, key: str) -> list[Replica]:
        """Replicas in the order to try: the affine one (if up), then the least loaded up ones,
        then the ones recently down (a last resort beats refusing)."""
        now = self._clock()
        up = [r for r in self.replicas if r.down_until_s <= now]
        down = sorted(
            (r for r in self.replicas if r.down_until_s > now), key=lambda r: r.down_until_s
        )
        up.sort(key=lambda r: (r.in_flight, r.served))
        affine = self._affinity.get(key)
        first = [r for r in up if r.name == affine]
        return first + [r for r in up if r.name != affine] + down

    def _remember(self, key: str, replica: Replica) -> None:
        self._affinity[key] = replica.name
        self._affinity.move_to_end(key)
        while len(self._affinity) > self.options.affinity_capacity:
            self._affinity.popitem(last=False)

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        key = affinity_key(request)
        request = upstream_form(request)
        failures: list[str] = []
        for replica in self.order(key):
            replica.in_flight += 1
            events = replica.client.stream(request)
            try:
                try:
                    first = await anext(events)
                except StopAsyncIteration:
                    failures.append(f"{replica.name}: empty stream")
                    self._mark_down(replica)
                    continue
                except UpstreamError as exc:
                    if not exc.retryable:
                        raise
                    failures.append(f"{replica.name}: {exc}")
                    self._mark_down(replica)
                    continue
                replica.served += 1
                replica.down_until_s = float("-inf")
                self._remember(key, replica)
                yield first
                try:
                    async for event in events:
                        yield event
                except UpstreamError as exc:
                    exc.retryable = False  # output already reached the caller
                    raise
                return
            finally:
                replica.in_flight -= 1
                await aclose_iter(events)
        raise UpstreamError(
            f"all {len(self.replicas)} upstream replicas failed before the first token: "
            + "; ".join(failures)
        )

    def _mark_down(self, replica: Replica) -> None:
        replica.down_until_s = self._clock() + self.options.down_cooldown_s

    async def aclose(self) -> None:
        errors: list[BaseException] = []
        for replica in self.replicas:
            try:
                await replica.client.aclose()
            except Exception as exc:  # close every replica even if one fails
                errors.append(exc)
        if errors:
            raise EngineError(f"closing replicas failed: {errors}")


def upstream_form(request: ChatRequest) -> ChatRequest:
    """``request`` as every upstream accepts it: an assistant message that carries tool calls
    and ``"content": null`` (what the OpenAI SDKs send) gets ``""`` instead, which means the
    same; llama-cpp-python's server (0.3.x) answers null with a 500."""
    if not any(_null_beside_calls(m) for m in request.messages):
        return request
    messages = [{**m, "content": ""} if _null_beside_calls(m) else m for m in request.messages]
    return replace(request, messages=messages)


def _null_beside_calls(message: dict[str, Any]) -> bool:
    return (
        message.get("role") == "assistant"
        and message.get("content") is None
        and bool(message.get("tool_calls"))
    )
