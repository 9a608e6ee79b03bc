"""Voice mode on the real audio parts: the offline caller is synthesised by Piper and heard by
the agent's whole pipeline (noise gate, Silero VAD, turn detection, faster-whisper tiny.en);
the agent's replies go through Piper. The LLM is a fake that replays the scenario's golden tool
calls, so the test checks the voice plumbing, not the model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from quickturn.agent.reply import ReplyOptions
from quickturn.agent.stack import StackOptions
from quickturn.evals.callers.offline import OfflineCaller, OfflineCallerOptions
from quickturn.evals.conversation import ConversationOptions
from quickturn.evals.hotel import HotelDomain, scenarios_dir
from quickturn.evals.runner import RunOptions, run_eval
from quickturn.evals.scenarios import Scenario, load_scenarios, select
from quickturn.evals.voice import VoiceDriver, VoiceEvalOptions
from quickturn.llm.guards import GuardOptions
from quickturn.llm.tool_loop import ToolLoopOptions
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall

pytestmark = pytest.mark.slow


class GoldenModel:
    """Calls the scenario's golden tools on the first caller turn, then closes politely.

    Decides from the history alone, so a discarded preemptive generation (which never runs its
    tools) simply happens again on the confirmed turn. Later turns no longer show the calls'
    results (the model reads earlier turns as what was said), so a second caller line counts
    as done too."""

    def __init__(self, scenario: Scenario) -> None:
        self._golden = scenario.golden
        self.requests = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests += 1
        done = any(m.get("role") == "tool" for m in request.messages) or (
            sum(m.get("role") == "user" for m in request.messages) > 1
        )
        if not done:
            for i, action in enumerate(self._golden):
                yield ToolCallEvent(ToolCall(f"call_{i}", action.tool, dict(action.args)), 0.0)
            yield Finished("tool_calls", Usage(10, 5), 0.0)
            return
        yield TextDelta("All done. Is there anything else I can do for you?", 0.0)
        yield Finished("stop", Usage(10, 5), 0.0)

    async def aclose(self) -> None:
        return None


async def test_voice_mode_plays_a_scenario_through_the_whole_pipeline(model_paths: object) -> None:
    from quickturn.assets import ModelPaths

    assert isinstance(model_paths, ModelPaths)
    [scenario] = select(load_scenarios([scenarios_dir()]), "wakeup-set-tomorrow")
    domain = HotelDomain()
    # The golden model calls with every fact of the scenario on the caller's first turn, before
    # the caller has said them all: grounding would (rightly) ask instead. This test is about
    # the pipeline carrying a call through, so grounding is off here.
    loop = ToolLoopOptions(
        wrap_up_after_s=4.0, deadline_s=6.0, guards=GuardOptions(ground_caller_facts=False)
    )
    stack = StackOptions(reply=ReplyOptions(loop=loop))
    driver = await VoiceDriver.create(model_paths, VoiceEvalOptions(stack=stack))
    model = GoldenModel(scenario)
    try:
        result = await run_eval(
            [scenario],
            domain,
            model,
            lambda s: OfflineCaller(s, OfflineCallerOptions(max_turns=4)),
            RunOptions(trials=1, concurrency=1, conversation=ConversationOptions(max_turns=3)),
            driver=driver,
        )
    finally:
        await driver.aclose()
        domain.close()
    [trial] = result.results
    conv = trial.conversation
    assert conv.error is None
    assert [c.name for c in conv.tool_calls] == ["set_wakeup_call"]
    assert trial.grade.passed, trial.grade
    # The caller's opening line was heard through STT and answered; A2A is measured per turn.
    assert conv.transcript[0].speaker == "agent" and conv.transcript[1].speaker == "caller"
    assert conv.turns and all(t.ttft_s is not None and 0 < t.ttft_s < 10 for t in conv.turns)
    assert any("anything else" in u.text.lower() for u in conv.transcript if u.speaker == "agent")
