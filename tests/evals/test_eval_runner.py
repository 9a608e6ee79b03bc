"""The runner end to end: scripted fake models, the offline caller, the real hotel DB and tools."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from quickturn.errors import ConfigError, UpstreamError
from quickturn.evals.callers.offline import OfflineCaller
from quickturn.evals.conversation import ConversationOptions, run_text_conversation
from quickturn.evals.hotel import HotelDomain, scenarios_dir
from quickturn.evals.metrics import pass_hat_k, summarize
from quickturn.evals.records import Conversation, Utterance
from quickturn.evals.report import to_json, write_run
from quickturn.evals.runner import RunOptions, run_eval
from quickturn.evals.scenarios import Scenario, load_scenarios, select
from quickturn.llm.tool_loop import ToolLoopOptions
from quickturn.llm.types import ChatRequest, Finished, LLMEvent, TextDelta, ToolCallEvent, Usage
from quickturn.tools.types import ToolCall

Reply = str | list[ToolCall]


class VirtualClock:
    """Time moves only when the fake model 'generates', so latencies are exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class ScriptedModel:
    """A ChatClient that plays a fixed list of replies, one per request, per conversation.

    ``ttft_s``/``gen_s`` advance the virtual clock before the first event and before Finished.
    Every conversation (conversation_id) gets its own copy of the script.
    """

    def __init__(
        self,
        script: list[Reply],
        clock: VirtualClock | None = None,
        ttft_s: float = 0.25,
        gen_s: float = 0.5,
        fail_at: int | None = None,
    ) -> None:
        self._script = script
        self._pos: dict[str | None, int] = {}
        self._clock = clock
        self._ttft_s = ttft_s
        self._gen_s = gen_s
        self._fail_at = fail_at
        self.requests: list[ChatRequest] = []

    def _tick(self, dt: float) -> float:
        if self._clock is not None:
            self._clock.now += dt
            return self._clock.now
        return 0.0

    async def stream(self, request: ChatRequest) -> AsyncIterator[LLMEvent]:
        self.requests.append(request)
        i = self._pos.get(request.conversation_id, 0)
        self._pos[request.conversation_id] = i + 1
        if self._fail_at is not None and i == self._fail_at:
            raise UpstreamError("upstream went away")
        reply: Reply = self._script[i] if i < len(self._script) else "Thank you, goodbye!"
        at = self._tick(self._ttft_s)
        if isinstance(reply, str):
            yield TextDelta(reply, at)
            reason = "stop"
        else:
            for call in reply:
                yield ToolCallEvent(call, at)
            reason = "tool_calls"
        yield Finished(reason, Usage(100, 10), self._tick(self._gen_s))  # type: ignore[arg-type]

    async def aclose(self) -> None:
        return None


def call(name: str, **args: Any) -> list[ToolCall]:
    return [ToolCall(f"call_{name}", name, args)]


BOOKING_SCRIPT: list[Reply] = [
    "Of course. May I have your name and phone number?",
    "Thank you. What dates would you like?",
    "How many guests, and what type of room?",
    call(
        "create_booking",
        guest_name="Laura Bennett",
        phone="+1 646 555 0123",
        room_type="standard",
        check_in="2026-04-07",
        check_out="2026-04-09",
        adults=1,
    ),
    # create_booking reads itself back, books on the caller's yes and says so: no rounds.
    "Is there anything else I can help you with?",
    "Have a nice day, goodbye!",
]
IDLE_SCRIPT: list[Reply] = [
    "Of course. May I have your name and phone number?",
    "Thank you. What dates would you like?",
    "Lovely. Is there anything else?",
    "Is there anything else I can help you with?",
    "Goodbye!",
]


@pytest.fixture(scope="module")
def domain() -> HotelDomain:
    return HotelDomain()


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return load_scenarios([scenarios_dir()])


def by_id(scenarios: list[Scenario], sid: str) -> Scenario:
    return select(scenarios, sid)[0]


async def test_correct_model_passes_booking_scenario(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    clock = VirtualClock()
    model = ScriptedModel(BOOKING_SCRIPT, clock)
    driver = functools.partial(run_text_conversation, clock=clock)
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")], domain, model, OfflineCaller, driver=driver
    )
    [trial] = result.results
    assert trial.passed, trial.grade.failures
    convo = trial.conversation
    assert convo.ended_by == "caller"
    caller_lines = [u.text for u in convo.transcript if u.speaker == "caller"]
    # The caller answered what was asked, with the scenario's facts.
    assert "My name is Laura Bennett. My phone number is +1 646 555 0123." in caller_lines
    assert any("2026-04-07" in line for line in caller_lines)
    # The call waited for the caller's yes (its read-back), then ran as it was read back.
    held, booked = convo.tool_calls
    assert "awaiting_confirmation" in held.result and held.arguments == booked.arguments
    assert booked.ok and booked.schema_valid and not booked.repaired
    assert json.loads(booked.result)["total_usd"] == 318
    agent_lines = [u.text for u in convo.transcript if u.speaker == "agent"]
    assert any(line.endswith("Shall I book it?") for line in agent_lines)
    assert any("318 dollars in total" in line for line in agent_lines)
    # Read-back turn: one model round (0.25 s to its call + 0.5 s to finish), then the tool's
    # own words; the yes turn runs the call with no round at all.
    readback = next(t for t in convo.turns if t.turn == held.turn)
    assert readback.rounds == 1 and readback.reply_s == pytest.approx(0.75)
    yes_turn = next(t for t in convo.turns if t.turn == booked.turn)
    assert yes_turn.rounds == 0 and yes_turn.reply_s == pytest.approx(0.0)
    spoken = [t for t in convo.turns if t.turn not in (held.turn, booked.turn)]
    assert all(t.ttft_s == pytest.approx(0.25) for t in spoken)
    # The model saw the system prompt, the greeting and the hotel's tools.
    first = model.requests[0]
    assert first.messages[0]["role"] == "system"
    assert first.messages[1] == {"role": "assistant", "content": domain.new_world().greeting}
    assert "create_booking" in {t["function"]["name"] for t in first.tools}


async def test_idle_model_fails_booking_scenario(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")],
        domain,
        ScriptedModel(IDLE_SCRIPT),
        OfflineCaller,
    )
    [trial] = result.results
    assert not trial.passed
    kinds = {c.kind for c in trial.grade.failures}
    assert kinds == {"must_exist", "required_action"}
    assert trial.conversation.tool_calls == ()


async def test_wrong_booking_fails_and_shows_in_diff(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    wrong = list(BOOKING_SCRIPT)
    wrong[3] = call(
        "create_booking",
        guest_name="Laura Bennett",
        phone="+1 646 555 0123",
        room_type="double",
        check_in="2026-04-07",
        check_out="2026-04-09",
        adults=1,
    )
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")], domain, ScriptedModel(wrong), OfflineCaller
    )
    [trial] = result.results
    assert not trial.passed
    [added] = trial.grade.diff["bookings"].added
    assert added["room_type"] == "double"


async def test_invalid_and_unknown_tool_calls_count_as_schema_invalid(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    script: list[Reply] = [
        call("create_booking", guest_name="Laura Bennett"),  # missing required arguments
        call("book_a_room", guest="x"),  # no such tool
        call("get_room_types"),  # valid
        "Sorry about that. Goodbye!",
    ]
    # The scripted model ignores tool_choice, so the asked-about call is not resumed.
    plain = ConversationOptions(tool_loop=ToolLoopOptions(resume_asked_calls=False))
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")],
        domain,
        ScriptedModel(script),
        OfflineCaller,
        RunOptions(conversation=plain),
    )
    calls = result.results[0].conversation.tool_calls
    assert [(c.name, c.ok, c.schema_valid) for c in calls] == [
        ("create_booking", False, False),
        ("book_a_room", False, False),
        ("get_room_types", True, True),
    ]
    assert summarize(result).schema_valid_rate == pytest.approx(1 / 3)
    # The booking was answered by asking the caller for what it lacked: apart from it, one of
    # the two calls meant to run was valid.
    assert [c.asked_caller for c in calls] == [True, False, False]
    assert summarize(result).schema_valid_run_rate == pytest.approx(1 / 2)


async def test_engine_error_is_recorded_not_raised(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")],
        domain,
        ScriptedModel(BOOKING_SCRIPT, fail_at=2),
        OfflineCaller,
    )
    [trial] = result.results
    assert trial.conversation.ended_by == "error"
    assert "upstream went away" in (trial.conversation.error or "")
    assert not trial.passed


async def test_max_turns_stops_a_call_that_never_ends(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    chatty = ScriptedModel(["What is your name?"] * 50)
    options = RunOptions(conversation=ConversationOptions(max_turns=3))
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")], domain, chatty, OfflineCaller, options
    )
    convo = result.results[0].conversation
    assert convo.ended_by == "max_turns"
    assert len(convo.turns) == 3


async def test_trials_concurrency_metrics_and_report(
    domain: HotelDomain, scenarios: list[Scenario], tmp_path: Path
) -> None:
    chosen = [by_id(scenarios, "book-standard-weekday"), by_id(scenarios, "policy-checkin-time")]
    seen: list[tuple[int, int]] = []
    result = await run_eval(
        chosen,
        domain,
        ScriptedModel(BOOKING_SCRIPT),
        OfflineCaller,
        RunOptions(trials=3, concurrency=2),
        progress=lambda done, total, _r: seen.append((done, total)),
    )
    assert seen[-1] == (6, 6) and len(seen) == 6
    assert [(r.scenario_id, r.trial) for r in result.results] == [
        (s.id, t) for s in chosen for t in (1, 2, 3)
    ]
    # Each trial had its own database: three identical bookings, three passes, no duplicates.
    booking = [r for r in result.results if r.scenario_id == "book-standard-weekday"]
    assert all(r.passed for r in booking)
    # The booking script is wrong for the policy question (it books a room): all three fail.
    policy = [r for r in result.results if r.scenario_id == "policy-checkin-time"]
    assert not any(r.passed for r in policy)
    summary = summarize(result, {s.id: s.tags for s in chosen})
    assert summary.task_completion == pytest.approx(0.5)
    assert summary.pass_hat_k == pytest.approx(0.5)
    assert summary.by_tag["booking"] == 1.0 and summary.by_tag["policy"] == 0.0
    report = to_json(result, chosen, summary)
    write_run(tmp_path / "run", report, tmp_path / "copy.json")
    data = json.loads((tmp_path / "run" / "results.json").read_text())
    assert data["task_completion"] == pytest.approx(0.5)
    assert data["scenarios"][0]["trials"][0]["tool_calls"][0]["name"] == "create_booking"
    assert (tmp_path / "copy.json").read_text() == (tmp_path / "run" / "results.json").read_text()
    html = (tmp_path / "run" / "report.html").read_text()
    assert "book-standard-weekday" in html and "create_booking" in html
    assert "Laura Bennett" in html and "<script" not in html


async def test_a_voice_driver_plugs_in(domain: HotelDomain, scenarios: list[Scenario]) -> None:
    used: list[str] = []

    async def fake_voice(
        scenario: Scenario,
        caller: Any,
        world: Any,
        client: Any,
        options: ConversationOptions,
        *,
        conversation_id: str,
    ) -> Conversation:
        used.append(conversation_id)
        return Conversation((Utterance("caller", caller.opening(), 1),), (), (), "caller")

    result = await run_eval(
        [by_id(scenarios, "policy-checkin-time")],
        domain,
        ScriptedModel([]),
        OfflineCaller,
        driver=fake_voice,
    )
    assert used == ["policy-checkin-time#1"]
    # Nothing changed, but the agent never said the check-in time.
    assert [c.kind for c in result.results[0].grade.failures] == ["agent_says"]


def test_pass_hat_k_and_options_validation() -> None:
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(4, 3, 4) == 0.0
    assert pass_hat_k(4, 2, 1) == pytest.approx(0.5)
    assert pass_hat_k(4, 3, 2) == pytest.approx(0.5)  # C(3,2)/C(4,2)
    with pytest.raises(ConfigError):
        pass_hat_k(2, 3, 1)
    with pytest.raises(ConfigError):
        RunOptions(trials=0)
    with pytest.raises(ConfigError):
        RunOptions(concurrency=0)


async def test_run_eval_refuses_empty(domain: HotelDomain) -> None:
    make: Callable[[Scenario], OfflineCaller] = OfflineCaller
    with pytest.raises(ConfigError):
        await run_eval([], domain, ScriptedModel([]), make)


# --- `quickturn eval` end to end: real parser, real gateway server, real HTTP client ---------


def parse(*argv: str) -> Any:
    from quickturn.cli import build_parser

    return build_parser().parse_args(["eval", *argv])


async def test_cli_runs_against_a_real_openai_compatible_server(tmp_path: Path) -> None:
    from quickturn.evals.command import run
    from quickturn.gateway.app import create_app
    from quickturn.gateway.options import Engine
    from quickturn.gateway.server import running

    app = create_app(Engine("scripted", ScriptedModel(BOOKING_SCRIPT)))
    async with running(app) as url:
        code = await run(
            parse(
                "--agent-endpoint",
                f"{url}/v1",
                "--model",
                "quickturn",
                "--scenarios",
                "book-standard-weekday",
                "--out",
                str(tmp_path / "run"),
                "--json",
                str(tmp_path / "r.json"),
                "--max-turns",
                "10",
            )
        )
    assert code == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["task_completion"] == 1.0 and data["pass_hat_k"] == 1.0
    [trial] = data["scenarios"][0]["trials"]
    assert [c["name"] for c in trial["tool_calls"]] == ["create_booking"] * 2  # read back, run
    assert all(t["reply_s"] > 0 for t in trial["turns"])
    assert data["meta"]["agent"] == f"{url}/v1"
    assert (tmp_path / "run" / "report.html").exists()
    [line] = (tmp_path / "run" / "trials.jsonl").read_text().splitlines()
    assert json.loads(line)["scenario"] == "book-standard-weekday"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--sim", "http://127.0.0.1:9/v1"), "--sim URL needs --sim-model"),
        (("--scenarios", "no-such-tag"), "no scenario matches"),
        (("--trials", "0"), "must be >= 1"),
        (("--judge", "http://127.0.0.1:9/v1"), "--judge needs --judge-model"),
    ],
)
async def test_cli_bad_input_fails_clearly_before_any_model_loads(
    argv: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    from quickturn.evals.command import run

    with pytest.raises(ConfigError, match=message):
        await run(parse(*argv, "--out", str(tmp_path / "run")))
    assert not (tmp_path / "run").exists()


def judge_client(status: int, content: str = "") -> Any:
    import httpx
    from openai import AsyncOpenAI

    def handler(request: httpx.Request) -> httpx.Response:
        if status != 200:
            return httpx.Response(status, json={"error": {"message": "down", "type": "server"}})
        return httpx.Response(
            200,
            json={
                "id": "j",
                "object": "chat.completion",
                "created": 0,
                "model": "judge",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
            },
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return AsyncOpenAI(
        base_url="http://judge.test/v1", api_key="k", http_client=http, max_retries=0
    )


async def test_judge_verdicts_join_the_grade_and_outages_are_data(
    domain: HotelDomain, scenarios: list[Scenario]
) -> None:
    from quickturn.evals.judge import LLMJudge

    scenario = by_id(scenarios, "oos-weather")  # nothing may change + one judged expectation
    polite: list[Reply] = ["I'm sorry, I can't check the weather. Anything else?", "Goodbye!"]
    met = LLMJudge(judge_client(200, '{"verdicts": [{"n": 1, "met": true, "reason": "ok"}]}'), "j")
    unmet = LLMJudge(
        judge_client(200, '{"verdicts": [{"n": 1, "met": false, "reason": "x"}]}'), "j"
    )
    down = LLMJudge(judge_client(503), "j")
    results = {}
    for name, judge in (("met", met), ("unmet", unmet), ("down", down)):
        run = await run_eval([scenario], domain, ScriptedModel(polite), OfflineCaller, judge=judge)
        results[name] = run.results[0]
    assert results["met"].passed and results["met"].judged
    assert not results["unmet"].passed
    assert not results["down"].passed
    assert "judge failed" in results["down"].judge[0].reason
    # Without a judge the judged item is skipped and the call passes on its DB checks alone.
    plain = await run_eval([scenario], domain, ScriptedModel(polite), OfflineCaller)
    assert plain.results[0].passed and not plain.results[0].judged


async def test_flows_hand_the_call_to_a_task_and_calls_are_checked_against_their_agent(
    scenarios: list[Scenario],
) -> None:
    script: list[Reply] = [
        "Of course. For which dates?",
        "Goodbye!",
    ]
    model = ScriptedModel(script)
    options = RunOptions(conversation=ConversationOptions(max_turns=2))
    result = await run_eval(
        [by_id(scenarios, "book-standard-weekday")],
        HotelDomain(flows=True),
        model,
        OfflineCaller,
        options,
    )
    [routed] = result.results[0].conversation.tool_calls
    # The router's call was valid for the router, though the task's tools were on duty after.
    assert routed.name == "start_book_room" and routed.ok and routed.schema_valid
    # The opening names a room booking beyond doubt: the keyword router picked it, and as the
    # hand-over takes no arguments it was made without a model round: the first request the
    # model saw is already the booking task's.
    assert model.requests[0].messages[0]["content"].startswith("Help the caller book a room")
    assert "create_booking" in {t["function"]["name"] for t in model.requests[0].tools}
