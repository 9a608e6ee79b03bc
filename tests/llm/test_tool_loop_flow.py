"""The tool loop's help for small models: resuming an asked-about call, speaking after a
result, barred openings, a router's required first round, hidden hand-overs."""

from __future__ import annotations

from typing import Any

from tests.llm.test_tool_loop_guards import RAN, Scripted, calls_of, done, registry

from quickturn.llm.context import hide_handoffs
from quickturn.llm.tool_loop import CALL_OPENINGS, ToolLoopOptions, run_tool_loop
from quickturn.llm.types import ChatRequest, LLMEvent, TextDelta
from quickturn.tools.types import ToolCall, handoff_note


async def run(client: Scripted, history: list[dict[str, Any]], **options: Any) -> str:
    events = [
        ev async for ev in run_tool_loop(client, history, registry(), ToolLoopOptions(**options))
    ]
    history.extend(ev.message for ev in events if hasattr(ev, "message"))
    assert done(events)
    return "".join(ev.text for ev in events if isinstance(ev, TextDelta))


async def test_the_callers_answer_goes_back_into_the_asked_about_call() -> None:
    history: list[dict[str, Any]] = [{"role": "user", "content": "Book two nights for me."}]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:  # invents a name: the caller is asked instead
            return calls_of(ToolCall("c1", "book", {"guest_name": "John Doe", "nights": 2}))
        if n == 2:  # the next turn's first round: the asked-about tool is forced
            assert request.forced_tool() == "book"
            # What the caller gave before is settled; the invented name is not.
            assert request.known_arguments == {"nights": 2}
            return calls_of(ToolCall("c2", "book", {"guest_name": "Anna Miller"}))
        return ["Booked, code A B C."]

    client = Scripted(script)
    assert await run(client, history) == "May I have your full name?"
    assert RAN == []
    history.append({"role": "user", "content": "It's Anna Miller."})
    spoken = await run(client, history)
    # The earlier arguments came back (nights), the name is the caller's own.
    assert RAN == [{"guest_name": "Anna Miller", "nights": 2}]
    assert spoken == "Booked, code A B C."
    # After the result the model had to speak: tools withheld, call openings barred.
    assert client.requests[2].tool_choice == "none"
    # The tools stay in the prompt (its warm prefix); tool_choice withholds them.
    assert client.requests[2].tools == client.requests[1].tools
    assert set(CALL_OPENINGS) <= set(client.requests[2].avoid_openings)


async def test_a_forced_call_that_ignores_the_answer_is_dropped_for_an_ordinary_round() -> None:
    history: list[dict[str, Any]] = [{"role": "user", "content": "Book two nights for me."}]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return calls_of(ToolCall("c1", "book", {"nights": 2}))
        if n == 2:  # the caller asked something else; the forced call invents a name again
            return calls_of(ToolCall("c2", "book", {"guest_name": "John Doe", "nights": 2}))
        return ["Breakfast is from seven."]

    client = Scripted(script)
    assert await run(client, history) == "May I have your full name?"
    history.append({"role": "user", "content": "Wait, when is breakfast?"})
    assert await run(client, history) == "Breakfast is from seven."
    assert RAN == [] and client.requests[2].tool_choice == "auto"


async def test_a_router_registry_must_call_on_its_first_round_only() -> None:
    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return calls_of(ToolCall("c1", "lookup", {})) if n == 1 else ["Three are free."]

    client = Scripted(script)
    tools = registry().with_tool_choice("required")
    history = [{"role": "user", "content": "any rooms?"}]
    events = [ev async for ev in run_tool_loop(client, history, tools)]
    assert done(events).rounds == 2
    assert [r.tool_choice for r in client.requests] == ["required", "none"]


async def test_a_parrot_is_retried_greedily_with_its_opening_barred_where_the_engine_can() -> None:
    history = [
        {"role": "assistant", "content": "Harbor Hotel, this is the front desk, how can I help?"},
        {"role": "user", "content": "A room for Friday."},
    ]

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        return [history[0]["content"]] if n == 1 else ["For how many nights?"]

    client = Scripted(script)
    client.avoids_openings = True  # type: ignore[attr-defined]
    assert await run(client, list(history)) == "For how many nights?"
    retry = client.requests[1]
    assert retry.temperature == 0.0 and retry.avoid_openings == (history[0]["content"],)


def test_hand_overs_are_hidden_from_the_agent_taken_over() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "book a room"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "h1", "type": "function", "function": {"name": "start_x"}}],
        },
        {"role": "tool", "tool_call_id": "h1", "content": handoff_note("book_room")},
        {"role": "assistant", "content": "For which dates?"},
    ]
    assert hide_handoffs(messages) == [messages[0], messages[3]]
    kept = [messages[0], {"role": "tool", "tool_call_id": "t1", "content": '{"ok": 1}'}]
    assert hide_handoffs(kept) == kept


async def test_a_verbatim_parrot_stops_decoding_after_its_first_words() -> None:
    greeting = "Harbor Hotel, this is the front desk, how can I help you today?"
    history = [
        {"role": "assistant", "content": greeting},
        {"role": "user", "content": "A room for Friday."},
    ]
    decoded: list[str] = []

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            words = greeting.split(" ")
            return [w + " " for w in words]
        return ["For how many nights?"]

    class Counting(Scripted):
        async def stream(self, request: ChatRequest):  # type: ignore[no-untyped-def]
            async for ev in super().stream(request):
                if isinstance(ev, TextDelta):
                    decoded.append(ev.text)
                yield ev

    client = Counting(script)
    assert await run(client, list(history)) == "For how many nights?"
    # Stopped one word after the fifth matching word, not after all twelve.
    assert decoded[:6] == [w + " " for w in greeting.split(" ")][:6] and len(decoded) == 6 + 1


def test_a_call_lead_writes_the_settled_arguments_for_the_walker() -> None:
    from quickturn.llm.call_walker import CallWalker
    from quickturn.llm.embedded_client import call_lead

    lead = call_lead("book", {"nights": 2, "room": "double"})
    assert lead == '{"name": "book", "arguments": {"nights": 2, "room": "double", '
    walker = CallWalker(
        [
            {
                "type": "function",
                "function": {
                    "name": "book",
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "nights": {"type": "integer"},
                            "room": {"type": "string"},
                            "guest_name": {"type": "string"},
                        },
                    },
                },
            }
        ]
    )
    state = walker.feed(walker.start(), lead)
    assert state is not None  # the engine continues from here with the next key
    assert walker.feed(state, '"guest_name": "Ann"}}') is not None
    assert call_lead("book", {}) == "" and call_lead(None, {"a": 1}) == ""


async def test_the_picker_names_a_tool_only_once_the_line_answers_no_question() -> None:
    tools = registry().with_tool_choice(
        "auto", picks=lambda line: "lookup" if "free" in line else None
    )

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            return calls_of(ToolCall("c1", "book", {"nights": 2}))
        if request.forced_tool() == "book":  # the resumed round: the caller's line as the answer
            line = str(request.messages[-1]["content"])
            name = "Anna Miller" if "Anna" in line else "John Doe"
            return calls_of(ToolCall(f"c{n}", "book", {"guest_name": name}))
        return ["Done."]

    async def turn(client: Scripted, history: list[dict[str, Any]], line: str) -> str:
        history.append({"role": "user", "content": line})
        events = [ev async for ev in run_tool_loop(client, history, tools)]
        history.extend(ev.message for ev in events if hasattr(ev, "message"))
        return "".join(ev.text for ev in events if isinstance(ev, TextDelta))

    # Asked for a name, the caller answers with words the picker knows: the answer goes into
    # the asked-about call, not to the picked tool.
    client, history = Scripted(script), []
    assert await turn(client, history, "Book two nights.") == "May I have your full name?"
    assert await turn(client, history, "Anna Miller. Is a sea view free?") == "Done."
    assert RAN == [{"guest_name": "Anna Miller", "nights": 2}]
    assert [r.forced_tool() for r in client.requests] == [None, "book", None]
    # Asked again, the caller asks something the picker names instead: the resumed round finds
    # no answer, and the picked tool runs (without a round: it takes no arguments).
    RAN.clear()
    client, history = Scripted(script), []
    assert await turn(client, history, "Book two nights.") == "May I have your full name?"
    assert await turn(client, history, "Wait, are any rooms free?") == "Done."
    assert RAN == [{}]
    assert [r.forced_tool() for r in client.requests] == [None, "book", None]
    assert client.requests[-1].tool_choice == "none"


async def test_a_named_calls_established_facts_are_written_for_the_model() -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Look me up, I'm Anna Miller."},
        {"role": "assistant", "content": None, "tool_calls": [
            ToolCall("c0", "lookup", {}).to_openai()]},
        {"role": "tool", "tool_call_id": "c0", "content": '{"guest_name": "Anna Miller"}'},
        {"role": "assistant", "content": "Found you."},
        {"role": "user", "content": "Book two nights."},
    ]
    tools = registry().with_tool_choice("auto", picks=lambda line: "book")

    def script(request: ChatRequest, n: int) -> list[LLMEvent | str]:
        if n == 1:
            # An engine that can writes the settled name itself; this one returns it whole.
            assert request.known_arguments == {"guest_name": "Anna Miller"}
            return calls_of(ToolCall("c1", "book", {"guest_name": "Anna Miller", "nights": 2}))
        return ["Booked."]

    client = Scripted(script)
    events = [ev async for ev in run_tool_loop(client, history, tools)]
    assert done(events) and RAN == [{"guest_name": "Anna Miller", "nights": 2}]
    # Off with the established facts: the model writes every argument.
    from quickturn.llm.guards import GuardOptions

    client = Scripted(lambda request, n: ["Which name?"])
    options = ToolLoopOptions(guards=GuardOptions(use_established_facts=False))
    assert done([ev async for ev in run_tool_loop(client, history, tools, options)])
    assert client.requests[0].known_arguments is None


async def test_a_named_call_whose_every_argument_is_known_runs_without_a_round() -> None:
    from datetime import date

    from quickturn.llm.guards import GuardOptions
    from quickturn.tools.types import ToolRegistry, ToolSpec

    ran: list[dict[str, Any]] = []
    params = {
        "type": "object",
        "properties": {
            "booking_code": {"type": "string", "x-ask-caller": "the code"},
            "time": {"type": "string", "description": "HH:MM"},
        },
        "required": ["booking_code", "time"],
    }
    tools = ToolRegistry(
        [ToolSpec("late", "Late checkout.", params, lambda a: ran.append(a) or {"ok": True})],
        picks=lambda line: "late",
    )
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "Book it."},
        {"role": "tool", "tool_call_id": "c0", "content": '{"booking_code": "8S8TRK"}'},
        {"role": "assistant", "content": "Booked, code 8S8TRK."},
        {"role": "user", "content": "Can I check out at one in the afternoon instead?"},
    ]
    client = Scripted(lambda request, n: ["Done, one o'clock."])
    options = ToolLoopOptions(guards=GuardOptions(today=date(2026, 3, 14)))
    events = [ev async for ev in run_tool_loop(client, history, tools, options)]
    assert done(events).rounds == 1
    # The code the booking returned and the time said: the call is made, the model only speaks.
    assert ran == [{"booking_code": "8S8TRK", "time": "13:00"}]
    assert [r.tool_choice for r in client.requests] == ["none"]
