"""Workloads: a production-shaped agent (system prompt + tools) plus the conversations to replay.

Three agents are available: ``hotel`` (the real hotel domain's prompt and tools, from
``quickturn.domains.hotel``), ``hotel-prose`` (the same prompt with no tools, so every reply is
prose on every engine: the workload that shows whether a gateway holds prose back, which a
tool-calling reply cannot, since one engine sends a call whole and another streams it as text)
and ``synthetic`` (a stand-in of the same shape that needs no database). All replay the same
caller scripts. Tool calls in replies are answered with canned
results (``canned_tool_result``) so a conversation continues without touching any real system.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from typing import Any

from quickturn.bench.conversations import Conversation, scripted_conversations
from quickturn.bench.synthetic import synthetic_system_prompt, synthetic_tools
from quickturn.errors import ConfigError, MissingDependencyError
from quickturn.llm.types import Message
from quickturn.tools.types import ToolCall, validate_tool_schema

WORKLOADS = ("hotel", "hotel-prose", "synthetic")


@dataclass(frozen=True)
class Workload:
    name: str
    system_prompt: str
    tools: list[dict[str, Any]] = field(hash=False)

    def __post_init__(self) -> None:
        if not self.system_prompt.strip():
            raise ConfigError(f"workload {self.name!r} has an empty system prompt")
        for tool in self.tools:
            validate_tool_schema(tool)

    def first_messages(self) -> list[Message]:
        return [{"role": "system", "content": self.system_prompt}]

    def approx_prefix_tokens(self) -> int:
        """Rough size of the shared prefix (prompt + tool schemas) at ~4 characters a token,
        reported beside results so readers know what each request carried."""
        return (len(self.system_prompt) + len(json.dumps(self.tools))) // 4


def load_workload(name: str) -> Workload:
    if name == "synthetic":
        return Workload("synthetic", synthetic_system_prompt(), synthetic_tools())
    if name == "hotel":
        return _hotel_workload()
    if name == "hotel-prose":
        return Workload("hotel-prose", _hotel_workload().system_prompt, [])
    raise ConfigError(f"unknown workload {name!r}: use one of {', '.join(WORKLOADS)}")


def _hotel_workload() -> Workload:
    try:
        hotel = importlib.import_module("quickturn.domains.hotel")
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(
            "the hotel domain", "it ships with quickturn; use --workload synthetic meanwhile"
        ) from exc
    needed = ("system_prompt", "build_hotel_tools", "create_database")
    missing = [n for n in needed if not hasattr(hotel, n)]
    if missing:
        raise MissingDependencyError(
            f"the hotel domain ({', '.join(missing)})",
            "this build of quickturn lacks it; use --workload synthetic",
        )
    # The database only backs the tool handlers; the benchmark needs just their schemas, and an
    # in-memory one leaves nothing behind.
    conn = hotel.create_database(":memory:")
    try:
        schemas = hotel.build_hotel_tools(conn).schemas()
        prompt = hotel.system_prompt()
    finally:
        conn.close()
    return Workload("hotel", str(prompt), list(schemas))


def conversations(count: int, turns: int | None = None) -> list[Conversation]:
    """The caller scripts every workload replays (see ``quickturn.bench.conversations``)."""
    return scripted_conversations(count, turns)


def canned_tool_result(call: ToolCall) -> str:
    """A plausible, deterministic tool answer, so the next LLM round has something to read.

    The content is shaped by the tool's verb (search/list -> options, create/book -> a
    confirmation, cancel -> a refund) because a reply to "done" alone makes models loop on
    tools, which would measure the model's confusion rather than the endpoint's latency.
    """
    name = call.name
    verb = name.split("_", 1)[0]
    result: dict[str, Any]
    if verb in {"search", "find", "list", "check"}:
        result = {"results": [
            {"id": "A1", "name": "King room", "price_per_night": 189, "available": True},
            {"id": "B2", "name": "Double room", "price_per_night": 169, "available": True},
        ]}
    elif verb in {"create", "book", "reserve", "order", "request"}:
        result = {"status": "confirmed", "confirmation_code": "HK4592"}
    elif verb in {"cancel"}:
        result = {"status": "cancelled", "refund": 378.0, "currency": "USD"}
    elif verb in {"modify", "change", "update", "add", "redeem", "post"}:
        result = {"status": "updated"}
    elif verb in {"quote"}:
        result = {"total": 412.5, "currency": "USD", "includes_taxes": True}
    else:
        result = {"status": "ok", "details": f"{name.replace('_', ' ')}: nothing unusual to report"}
    return json.dumps({"tool": name, **result})
