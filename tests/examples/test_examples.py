"""Each example agent on the real pipeline: Silero VAD, faster-whisper, Piper, real time.

The LLM is each example's canned script (tool calls included), so the test is deterministic and
needs no ``llm`` extra; what is checked is that the caller's words got through STT to the right
tools, that the tools changed the example's state, and how the call ended.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from quickturn.agent.canned import CannedChatClient
from quickturn.agent.events import AgentSpeechFinished, CallEnded, ToolReturned
from quickturn.agent.simulate import simulate_call
from quickturn.assets import ModelPaths

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    """The example's agent module and its call script (``__main__.py``, not run)."""
    folder = EXAMPLES / name
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, name, raising=False)
    agent_mod = importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(f"{name}_call", folder / "__main__.py")
    assert spec is not None and spec.loader is not None
    call = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(call)
    return agent_mod, call


async def run(name: str, userdata: Any, monkeypatch: pytest.MonkeyPatch,
              model_paths: ModelPaths) -> Any:
    mod, call = load(name, monkeypatch)
    result = await simulate_call(
        mod.agent, call.CALLER, llm=CannedChatClient(call.CANNED), paths=model_paths,
        userdata=userdata,
    )
    assert result.caller.timeouts == 0 and not result.session.errors
    return result


async def test_pizza_order(monkeypatch: pytest.MonkeyPatch, model_paths: ModelPaths) -> None:
    mod, _ = load("pizza", monkeypatch)
    order = mod.Order()
    result = await run("pizza", order, monkeypatch, model_paths)
    assert order.pizzas == ["large pepperoni", "large pepperoni"] and order.total == 30
    assert order.name == "Sam"
    assert [e.ok for e in result.session.event_log if isinstance(e, ToolReturned)] == [True, True]
    assert [t.tool_calls for t in result.session.turns] == [("add_pizza",), ("place_order",)]
    assert result.session.event_log[-1].reason == "input_ended"  # the caller hung up


async def test_clinic_booking_ends_the_call(
    monkeypatch: pytest.MonkeyPatch, model_paths: ModelPaths
) -> None:
    mod, _ = load("clinic", monkeypatch)
    slots = mod.open_slots()
    result = await run("clinic", slots, monkeypatch, model_paths)
    assert slots["monday"] == ["09:00"]  # 14:30 was booked for Maria Lopez
    log = result.session.event_log
    [ended] = [e for e in log if isinstance(e, CallEnded)]
    assert ended.reason == "agent_ended"
    last = [e for e in log if isinstance(e, AgentSpeechFinished)][-1]
    assert last.text.endswith("Goodbye, take care.") and not last.interrupted
    assert last.at_s <= ended.at_s
