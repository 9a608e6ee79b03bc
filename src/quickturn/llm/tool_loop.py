"""One assistant reply: LLM rounds with tool execution in between.

Shared by the voice session and the text-mode eval harness so both exercise the same logic. The
loop never mutates the caller's history: every message it produces is yielded as MessageAdded and
the caller decides what to keep (a barge-in keeps only what was heard).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from quickturn.errors import ToolExecutionError
from quickturn.llm.confirm import answers_yes, awaiting_result, confirmed_call
from quickturn.llm.context import hide_handoffs, since_entry, spoken_past
from quickturn.llm.guards import AnsweredCalls, GuardOptions, ParrotWatch, merge_earlier_call
from quickturn.llm.pending import mark_asked, mark_offered, pending_call
from quickturn.llm.types import (
    ChatClient,
    ChatRequest,
    Finished,
    LLMEvent,
    Message,
    Priority,
    TextDelta,
    ToolCallEvent,
    ToolChoice,
    Usage,
)
from quickturn.tools.elicit import elicitation, from_tool_error
from quickturn.tools.established import fill_established, settled_facts
from quickturn.tools.grounding import Grounding, ground_call, heard_text, is_callers_fact
from quickturn.tools.heard_dates import fix_dates, fix_times, said_now
from quickturn.tools.repair_literal import (
    LiteralError,
    close_truncated,
    parse_lenient,
    scan_brackets,
)
from quickturn.tools.types import ToolCall, ToolRegistry, ToolResult, error_of, new_call_id

_log = logging.getLogger(__name__)

CALL_OPENINGS = ("{", "```", "<tool_call>", "[{")
"""How models open a call written as text; barred on rounds whose tools are withheld."""

_FREE_ROUNDS = 3
"""Calls made without an engine round (``call_without_round``) one reply may add to
``max_rounds``: a task handing a line back, and the main agent starting the task it names."""


@dataclass(frozen=True)
class ToolLoopOptions:
    max_rounds: int = 4
    max_tokens: int = 200
    temperature: float = 0.0
    priority: Priority = "interactive"
    fallback_reply: str = "Sorry, I could not finish that just now. Could you say it another way?"
    """Said instead when the last round (tools withheld) still writes a tool call."""
    wrap_up_after_s: float | None = None
    """Once a reply has taken this long, the next round is the last one (tools withheld, so
    the model must answer in words): a caller on the line must not sit through round after
    round of a small model retrying tools. None: only ``max_rounds`` bounds it."""
    deadline_s: float | None = None
    """Hard deadline from the start of the reply: a generation still running then is stopped
    and the caller hears what was already said, or ``deadline_reply``; no tool starts after
    it. The reply ends with finish_reason "deadline". None: no deadline."""
    deadline_reply: str = "Sorry, that is taking me too long. Could you tell me once more?"
    close_calls_before_deadline_s: float = 1.5
    """A call still being written this long before the deadline is closed after its next
    complete string value, where the engine can (``ChatRequest.close_call_by``): it goes on as
    a call that lacks the rest, so the caller is asked for what is missing and nothing said is
    lost. Measured in the demo: the booking call (64 tokens) ran past the 6 s deadline at the
    caller's name, and the caller heard "Sorry, that is taking me too long". 0.6 s was too
    little: the value being written when it passed did not end before the deadline."""
    resume_asked_calls: bool = True
    """On the turn after an elicitation, the first round forces the asked-about tool and keeps
    the call if it uses the caller's answer (``llm.pending``). False: an ordinary round."""
    confirm_calls: bool = True
    """A tool declared with ``confirm`` reads its call back and runs on the caller's yes
    (``llm.confirm``). False: such calls run at once."""
    speak_after_result: bool = True
    """After a round whose calls all succeeded, the next round speaks (tools withheld), as a
    voice agent should: one action, then its outcome to the caller. A hand-over to another
    agent is not a result: that agent's round keeps its tools. False: the model may chain
    calls within one reply."""
    show_past_tool_calls: bool = False
    """Show the model the tool calls and results of earlier turns. False: only what was said
    in them (``llm.context.spoken_past``); the current turn's calls are always shown."""
    latin_only: bool = True
    """Replies and calls are written in the Latin script only (``ChatRequest.latin_only``):
    the bundled voices and STT are English, and after a tool result the 0.5B answered in
    Chinese ("抱歉，我无法协助完成这个请求。") in 6 of 13 cancellation calls of the eval. False
    for an agent that speaks a language written otherwise."""
    guards: GuardOptions = field(default_factory=GuardOptions)
    """Parrot detection (a reply repeating an earlier turn is never spoken)."""
    parrot_retry_temperature: float = 0.7
    """A parrot is decoded once more at this temperature (a note telling the model not to
    repeat itself was read back to the caller by the 0.5B, so none is added)."""
    call_without_round: bool = True
    """A round whose tool_choice names a tool that takes no arguments (a flow's ``start_*``
    hand-over picked from the caller's words, an ``end_call()``) leaves the model nothing to
    write: the call is made at once, without asking the engine. Measured in the demo with the
    0.5B: the hand-over round took 0.5-0.8 s (the caller's line prefilled in the main agent's
    slot, then ~10 tokens of a call whose every token was fixed). False: the model writes it."""

    def __post_init__(self) -> None:
        if self.max_rounds < 1:
            raise ValueError("max_rounds must be >= 1")
        if not self.fallback_reply.strip():
            raise ValueError("fallback_reply must not be empty")
        if self.wrap_up_after_s is not None and self.wrap_up_after_s <= 0:
            raise ValueError("wrap_up_after_s must be > 0 or None")
        if self.deadline_s is not None and self.deadline_s <= 0:
            raise ValueError("deadline_s must be > 0 or None")
        if not self.deadline_reply.strip():
            raise ValueError("deadline_reply must not be empty")
        if self.close_calls_before_deadline_s < 0:
            raise ValueError("close_calls_before_deadline_s must be >= 0")


@dataclass(frozen=True)
class ToolStarted:
    """Tools are about to run (a filler may be spoken now)."""

    calls: tuple[ToolCall, ...]
    at_s: float


@dataclass(frozen=True)
class ToolFinished:
    result: ToolResult
    call: ToolCall
    at_s: float


@dataclass(frozen=True)
class MessageAdded:
    message: Message


@dataclass(frozen=True)
class ReplyDone:
    rounds: int
    """Model rounds: those the engine was asked for (a call made without a round is none)."""
    usage: Usage
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    at_s: float = field(default_factory=time.perf_counter)


ReplyEvent = TextDelta | ToolCallEvent | ToolStarted | ToolFinished | MessageAdded | ReplyDone

LiveTools = Callable[[], tuple[str, ToolRegistry]]
"""The current (system prompt, tools), read before every round: a tool may change them mid-reply
(a hand-over to another agent, a flow's next task)."""


async def run_tool_loop(
    client: ChatClient,
    history: list[Message],
    tools: ToolRegistry | LiveTools,
    options: ToolLoopOptions = ToolLoopOptions(),
    *,
    conversation_id: str | None = None,
    may_run_tools: asyncio.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> AsyncIterator[ReplyEvent]:
    """Stream one reply. Tool calls run only once ``may_run_tools`` is set (a preemptive
    generation is not allowed to touch the world before its turn is confirmed)."""
    working = list(history)
    prompt_tokens = completion_tokens = cached_tokens = 0
    all_calls: list[ToolCall] = []
    finish_reason = "stop"
    started = clock()
    loop_time = asyncio.get_running_loop().time
    deadline_at = None if options.deadline_s is None else loop_time() + options.deadline_s
    answered = AnsweredCalls()  # calls already answered in this reply: never run twice
    # Tools that refused a call in this reply: not called again in it. Told "no suite room free
    # from 2026-03-20 to 2026-03-22", the 0.5B called create_booking twice more (94 and 101
    # tokens, 19 s) and never told the caller; the next round says the refusal instead.
    refused: set[str] = set()
    refusals: list[str] = []  # what those tools said (their errors), in order
    words_only = False  # set when the model asked again for a result it already has
    retried = False  # set once when a reply parroted an earlier turn
    avoided: tuple[str, ...] = ()  # the parrot's text, barred as an opening on the retry
    closing: list[asyncio.Task[None]] = []  # streams stopped by the deadline, still closing
    # The caller was asked for what a call lacked and has now answered: the first round goes
    # back into that call (its tool forced), instead of leaving a small model to remember it.
    resumed = (
        pending_call(history, _current(tools, working)) if options.resume_asked_calls else None
    )
    # The caller said yes to a call the agent read back: it runs now, as agreed, no round first.
    agreed = confirmed_call(history, _current(tools, working)) if options.confirm_calls else None
    # Or yes to a call a tool's words offered: it goes on as offered (what it still lacks is
    # asked, or it is read back), no round first either.
    accepted: ToolCall | None = None
    as_offered = False  # the yes was to exactly this call: the offer's words were its read-back
    if resumed is not None and resumed.offered is not None:
        if answers_yes(history):
            settled = resumed.known_arguments(history)
            accepted = ToolCall(new_call_id(), resumed.tool, settled)
            as_offered = not resumed.fields and settled == resumed.offered
        if accepted is not None or not resumed.fields:
            resumed = None  # nothing left for a forced round to decode from the caller's line
    prelude = agreed or accepted
    if prelude is not None:
        call_message: Message = {"role": "assistant", "content": None}
        call_message["tool_calls"] = [prelude.to_openai()]
        working.append(call_message)
        yield MessageAdded(call_message)
        all_calls.append(prelude)
        if may_run_tools is not None:
            await may_run_tools.wait()
        yield ToolStarted((prelude,), clock())
        # Asked "Shall I cancel it?" by the offer and then again by the read-back, the caller
        # would say yes twice to the same call.
        ran = _Ran(confirmed=agreed is not None or as_offered)
        registry = _current(tools, working)
        async for ev in _run_calls([prelude], registry, working, options, answered, ran, clock):
            yield ev
        if ran.words is not None:
            for ev in _say(ran.words, working, clock):
                yield ev
            yield ReplyDone(0, Usage(0, 0, 0), (prelude,), ran.finish, clock())
            return
        words_only = ran.all_ok  # the model says how it went (tools withheld)
    on_duty: ToolRegistry | None = None
    engine_rounds = 0  # rounds the engine was asked for (a fixed call asks none)
    unanswered = False  # set when the resumed round found the line answers no question
    for round_no in range(1, options.max_rounds + _FREE_ROUNDS + 1):
        registry = _current(tools, working)
        # An agent's own tool_choice holds for its first round: the reply's first, or the
        # first after a hand-over to it (a task told to act before it speaks).
        first_of_agent, on_duty = registry is not on_duty, registry
        # On the last round tools are withheld, so the model must answer in words.
        wrap_up = options.wrap_up_after_s
        late = round_no > 1 and wrap_up is not None and clock() - started >= wrap_up
        # ``max_rounds`` bounds the engine's rounds; a call made without one (a hand-over
        # picked from the caller's words) is free, up to ``_FREE_ROUNDS`` of them.
        spent = engine_rounds + 1 >= options.max_rounds
        last = spent or round_no == options.max_rounds + _FREE_ROUNDS or late or words_only
        resuming = resumed is not None and round_no == 1 and not last
        choice: ToolChoice = "none" if last else registry.tool_choice if first_of_agent else "auto"
        # Asked a question, the caller's line is first decoded as its answer (resuming); only
        # when it is none ("Thanks, goodbye." asked for a code) may the picker name a tool. A
        # picker first sent "My name is Anna Miller and my phone number is 5550142", the answer
        # the booking task asked for, to the booking changes ("phone number on" a booking).
        pick_now = (first_of_agent or unanswered) and not resuming
        unanswered = False
        if pick_now and not last and registry.picks is not None:
            choice = _picked(registry, working, choice)
        known: dict[str, Any] | None = None
        if resuming and resumed is not None:
            choice = {"type": "function", "function": {"name": resumed.tool}}
            # What the caller gave before is settled: only the asked fields are decoded.
            known = resumed.known_arguments(history)
        elif isinstance(choice, dict) and options.guards.ground_caller_facts \
                and options.guards.use_established_facts:
            # A named tool's facts the call has established (a code a tool returned) are
            # written for the model; it decodes only the rest.
            named = choice.get("function", {}).get("name")
            if isinstance(named, str) and named in registry:
                parameters = registry.spec(named).parameters
                known = settled_facts(parameters, working)
                if options.guards.today is not None:
                    # And the dates and times the caller's line gives beyond doubt.
                    known.update(said_now(parameters, working, options.guards.today))
                known = known or None
        # What this agent reads: a task only its own part of the call (``Agent.reads``).
        read = since_entry(working) if registry.reads == "since_entry" else working
        request = ChatRequest(
            # A snapshot (working grows after this), without earlier turns' tool traffic.
            messages=hide_handoffs(
                list(read) if options.show_past_tool_calls else spoken_past(read)
            ),
            # Withheld by tool_choice "none", not by leaving them out: the tools are part of
            # the prompt's warm prefix, and a request without them re-prefilled the whole
            # system prompt (and evicted the warm one from its slot).
            tools=registry.schemas(),
            # A router agent's first round must call (later rounds read the results).
            tool_choice=choice,
            max_tokens=options.max_tokens,
            # A parrot is decoded again greedily with its opening barred where the engine can
            # do that (jump-forward stays on), else sampled.
            temperature=options.parrot_retry_temperature
            if retried and not avoided
            else options.temperature,
            seed=round_no if retried and not avoided else None,
            # Tools withheld: a small model writes the call as text anyway (seen: 322 tokens
            # of JSON, then the fallback apology); barring call openings makes it speak.
            avoid_openings=avoided + (CALL_OPENINGS if last else ()),
            known_arguments=known,
            latin_only=options.latin_only,
            asked_arguments=resumed.fields if resuming and resumed is not None else None,
            stop_at_unheard=options.guards.ground_caller_facts,
            close_call_by=None
            if deadline_at is None
            else time.monotonic()
            + (deadline_at - loop_time())
            - options.close_calls_before_deadline_s,
            priority=options.priority,
            conversation_id=conversation_id,
        )
        text_parts: list[str] = []
        calls: list[ToolCall] = []
        held: list[TextDelta] = []  # a reply that opens like JSON: never speak it unseen
        parrot = ParrotWatch(history, options.guards)
        said: list[str] = []  # what the caller has been given of this round
        repeated = 0
        timed_out = False
        fixed = (None if resuming or not options.call_without_round
                 else _fixed_call(registry, choice, known))
        engine_rounds += fixed is None
        stream = (_only(fixed, clock) if fixed is not None
                  else _until(client.stream(request), deadline_at, loop_time))
        async for event in stream:
            if parrot.certain:
                # A verbatim repeat of an earlier turn: stop decoding it (the rest is known).
                await stream.aclose()
                break
            match event:
                case _DeadlinePassed(closing=task):
                    timed_out = True
                    if task is not None:
                        closing.append(task)
                case TextDelta(text=text):
                    text_parts.append(text)
                    if held or (not "".join(text_parts[:-1]).strip() and _looks_like_json(text)):
                        held.append(event)
                    elif released := parrot.feed(text):
                        said.append(released)
                        yield TextDelta(released, event.at_s)
                case ToolCallEvent(call=call):
                    # Small models repeat one call many times in a reply (seen: end_call x16);
                    # a repeat would run the same action twice. Nor may a call answered in an
                    # earlier round of this reply run again: the model already has its result.
                    if answered.earlier(call) is not None or call.name in refused:
                        repeated += 1
                    elif not any(_same_call(call, c) for c in calls):
                        calls.append(call)
                        if not resuming:
                            yield event  # a resumed call is shown once it is accepted
                case Finished(finish_reason=reason, usage=usage):
                    finish_reason = reason
                    prompt_tokens += usage.prompt_tokens
                    completion_tokens += usage.completion_tokens
                    cached_tokens += usage.cached_tokens
        rest, parroted = parrot.finish()
        _log.debug(
            "round %d (tool_choice %s): %.2f s in, calls %s, text %r%s",
            round_no,
            choice if isinstance(choice, str) else "named",
            clock() - started,
            [(c.name, c.arguments) for c in calls],
            "".join(text_parts)[:120],
            ", deadline passed" if timed_out else "",
        )
        if resuming and resumed is not None and not timed_out:
            if not calls or not resumed.answered_by(calls[0], history):
                # The caller said something else (a new question): an ordinary round instead.
                resumed, unanswered = None, True
                continue
            calls = calls[:1]
            yield ToolCallEvent(calls[0], clock())
        if timed_out:
            # Past the deadline: what was said stands; if nothing was, the caller hears the
            # deadline reply. No call from this round runs.
            if not "".join(said).strip():
                said = [options.deadline_reply]
                yield TextDelta(options.deadline_reply, clock())
            cut: Message = {"role": "assistant", "content": "".join(said)}
            working.append(cut)
            yield MessageAdded(cut)
            finish_reason = "deadline"
            break
        if parroted and not calls:
            if not retried and engine_rounds < options.max_rounds:
                retried = True
                if getattr(client, "avoids_openings", False) and request.tools:
                    avoided = ("".join(text_parts),)
                continue  # decode again; nothing was spoken
            rest = options.fallback_reply
            text_parts = [rest]
        elif parroted:
            rest, text_parts = "", []  # a repeated preamble to a call: the call goes on, unsaid
        if rest:
            yield TextDelta(rest, clock())
        if repeated and not calls and not "".join(text_parts).strip():
            # The model only asked again for results it already has: the next round must
            # put them into words (tools withheld), instead of looping.
            words_only = True
            continue
        if held and calls:
            # The reply opened with a call and the rest did not parse (a second call cut off
            # by max_tokens, say): JSON debris, neither spoken nor kept.
            text_parts = []
        elif held:
            stray = _stray_call("".join(e.text for e in held), round_no)
            if stray is not None and last:
                # Tools were withheld from this round, so the call must not run either.
                text_parts = [options.fallback_reply]
                yield TextDelta(options.fallback_reply, clock())
            elif stray is not None:
                # A call the repair parser could not map to a declared tool (an invented name):
                # run it, so the registry tells the model the tool does not exist and it can
                # correct itself, instead of the caller hearing JSON read aloud.
                text_parts = []
                calls.append(stray)
                yield ToolCallEvent(stray, clock())
            else:
                for event in held:
                    yield event
        if not calls and not "".join(text_parts).strip() and not _spoke(working, len(history)):
            # The reply would end in silence (seen after a refusal: the words-only round wrote
            # nothing): the caller hears the refusal itself, or the fallback.
            words = f"Sorry, {refusals[-1]}" if refusals else options.fallback_reply
            text_parts = [words]
            yield TextDelta(words, clock())
        assistant: Message = {"role": "assistant", "content": "".join(text_parts) or None}
        if calls:
            assistant["tool_calls"] = [c.to_openai() for c in calls]
        working.append(assistant)
        yield MessageAdded(assistant)
        if not calls:
            break
        all_calls.extend(calls)
        if may_run_tools is not None:
            await may_run_tools.wait()
        yield ToolStarted(tuple(calls), clock())
        ran = _Ran()
        async for ev in _run_calls(calls, registry, working, options, answered, ran, clock):
            yield ev
        if options.speak_after_result:
            # A refusal is the caller's to hear: the next round says it (tools withheld)
            # rather than decoding a call that would be refused again. A loop that lets the
            # model chain calls (speak_after_result off) may correct the call instead.
            refused.update(ran.refused)
            refusals.extend(ran.refusals)
            words_only = words_only or bool(ran.refused)
        if ran.words is not None:
            # Only the caller can go on from here (what a call lacks, or their yes to a
            # read-back), or the tools said their results in their own words: spoken at once,
            # without another LLM round. The caller's answer is the next user turn.
            for ev in _say(ran.words, working, clock):
                yield ev
            finish_reason = ran.finish
            break
        if last:
            break  # an engine that ignored tool_choice "none": its calls ran, no more rounds
        # A hand-over binds the next agent's tools: the registry on duty is another one.
        handed_over = not isinstance(tools, ToolRegistry) and tools()[1] is not registry
        if options.speak_after_result and ran.all_ok and not handed_over:
            # The calls worked: the next round tells the caller (tools withheld). A small model
            # given tools again calls the same tool again (seen on most booking turns).
            words_only = True
        if deadline_at is not None and loop_time() >= deadline_at:
            # The tools ran (their results are in the history) but no round may start now.
            yield TextDelta(options.deadline_reply, clock())
            late_words: Message = {"role": "assistant", "content": options.deadline_reply}
            working.append(late_words)
            yield MessageAdded(late_words)
            finish_reason = "deadline"
            break
    try:
        yield ReplyDone(
            rounds=engine_rounds,
            usage=Usage(prompt_tokens, completion_tokens, cached_tokens),
            tool_calls=tuple(all_calls),
            finish_reason=finish_reason,
            at_s=clock(),
        )
    finally:
        # A stream the deadline stopped finishes closing here, after the caller has been
        # answered; its engine slot is free again once this returns.
        for task in closing:
            await task


@dataclass(frozen=True)
class _DeadlinePassed:
    """Yielded by ``_until`` once, when the deadline stopped the stream. ``closing`` ends the
    stream: an engine may need a while to stop (a CPU prefill step cannot be interrupted), and
    the caller must not wait for that to hear the deadline reply."""

    closing: asyncio.Task[None] | None = None


async def _until(
    stream: AsyncIterator[LLMEvent], deadline_at: float | None, now: Callable[[], float]
) -> AsyncGenerator[LLMEvent | _DeadlinePassed, None]:
    """``stream``'s events until ``deadline_at`` (loop time), then one _DeadlinePassed.

    Each event is awaited with a timeout rather than the whole loop run under one: a timeout
    must never fire while our consumer holds control at a ``yield``. Closing ``stream``
    cancels the generation on the engine.
    """
    close_later = False
    step: asyncio.Future[LLMEvent] | None = None
    try:
        while True:
            if deadline_at is None:
                event = await anext(stream)
            else:
                # Not wait_for: on timeout it waits for the cancelled step to unwind, which is
                # exactly the engine's uninterruptible work the caller must not wait for.
                step = asyncio.ensure_future(anext(stream))
                try:
                    await asyncio.wait({step}, timeout=max(deadline_at - now(), 0))
                except BaseException:
                    # Our consumer was cancelled (a barge-in, discarded preemptive work). The
                    # step is still inside the stream, so the stream cannot be closed until it
                    # unwinds: that happens in the background (finally below). Waiting for it
                    # here could itself be cancelled, and closing a running generator raises.
                    step.cancel()
                    raise
                if not step.done():
                    step.cancel()
                    close_later = True
                    yield _DeadlinePassed(asyncio.ensure_future(_stop(step, stream)))
                    return
                event = step.result()
            yield event
    except StopAsyncIteration:
        return
    finally:
        if close_later:
            pass  # the _DeadlinePassed consumer owns the closing
        elif step is not None and not step.done():
            # Kept alive by the step it waits on; it closes the stream once the step unwound.
            asyncio.ensure_future(_stop(step, stream))
        else:
            await stream.aclose()  # type: ignore[attr-defined]


async def _stop(step: asyncio.Future[LLMEvent], stream: AsyncIterator[LLMEvent]) -> None:
    # The cancelled step unwinds (the engine stops at its next token); asyncio.wait neither
    # raises the step's own CancelledError nor hides a cancellation of this task.
    await asyncio.wait({step})
    if not step.cancelled():
        step.exception()  # retrieved: a failure while stopping has nobody left to tell
    await stream.aclose()  # type: ignore[attr-defined]


@dataclass
class _Ran:
    """What running one round's calls left for the caller to hear."""

    confirmed: bool = False  # the calls are ones the caller just said yes to
    all_ok: bool = True
    words: str | None = None  # a question (elicitation, read-back) or the tools' own words
    finish: str = "stop"
    said: list[str] = field(default_factory=list)  # ToolSpec.say of each result so far
    refused: list[str] = field(default_factory=list)  # tools that refused (not to be asked)
    refusals: list[str] = field(default_factory=list)  # their errors, as sentences
    unsaid: bool = False  # a result the tool has no words for: the model must speak


async def _run_calls(
    calls: list[ToolCall],
    registry: ToolRegistry,
    working: list[Message],
    options: ToolLoopOptions,
    answered: AnsweredCalls,
    ran: _Ran,
    clock: Callable[[], float],
) -> AsyncIterator[ReplyEvent]:
    added: list[int] = []  # where this round's results are in ``working``
    offers: dict[int, Message] = {}  # results whose words offer a call: marked if heard
    for call in calls:
        # A call of a tool that failed before (its caller was asked) keeps what the caller
        # gave then: small models call again with only the new facts.
        merged = merge_earlier_call(call, working)
        result = await _execute(registry, merged, working, options, ran.confirmed)
        answered.record(call, result)
        if result.refused and result.elicitation is None:
            ran.refused.append(call.name)
            refusal = _refusal_sentence(result.content)
            if refusal:
                ran.refusals.append(refusal)
        message = result.to_message()
        if result.elicitation is not None:
            message = mark_asked(message, result.elicitation.fields)
        elif (offer := _tool_offer(registry, merged, result)) is not None:
            offers[len(working)] = mark_offered(message, *offer)
        added.append(len(working))
        working.append(message)
        ran.all_ok = ran.all_ok and result.ok
        yield ToolFinished(result, call, clock())
        if ran.finish == "stop" and result.elicitation is not None:
            ran.words, ran.finish = result.elicitation.question, "elicitation"
        elif ran.finish == "stop" and result.confirmation is not None:
            ran.words, ran.finish = result.confirmation, "confirmation"
        elif result.ok and result.confirmation is None:
            words = _tool_words(registry, call, result)
            ran.said.extend([words] if words else [])
            ran.unsaid = ran.unsaid or not words
    # The tools' own words stand in for the round that would say the results; a loop that lets
    # the model chain calls (speak_after_result off) goes on instead.
    if ran.words is None and options.speak_after_result and ran.all_ok and ran.said:
        if not ran.unsaid:
            ran.words = " ".join(ran.said)
    # An offer stands only if the caller hears it: the tools' words are the reply. When the
    # model speaks instead (or a question of another call is), a later "yes" must not run a
    # call the caller was never offered.
    if ran.words is not None and ran.finish == "stop":
        for at, marked in offers.items():
            working[at] = marked
    for at in added:
        yield MessageAdded(working[at])


def _say(
    words: str, working: list[Message], clock: Callable[[], float]
) -> list[TextDelta | MessageAdded]:
    """``words`` spoken as the reply's end, and kept in the history."""
    message: Message = {"role": "assistant", "content": words}
    working.append(message)
    return [TextDelta(words, clock()), MessageAdded(message)]


def _tool_words(registry: ToolRegistry, call: ToolCall, result: ToolResult) -> str | None:
    """The tool's own words for ``result`` (``ToolSpec.say``), if it has any."""
    say = registry.spec(call.name).say if call.name in registry else None
    if say is None:
        return None
    try:
        words = say(_result_value(result))
    except Exception:  # the tool's words are broken: the model says the result instead
        _log.exception("%s: its say() failed; the model speaks the result", call.name)
        return None
    return words.strip() if isinstance(words, str) and words.strip() else None


def _tool_offer(
    registry: ToolRegistry, call: ToolCall, result: ToolResult
) -> tuple[str, dict[str, Any]] | None:
    """The call a successful ``result``'s words offer next (``ToolSpec.offer``), if any tool of
    this registry can take it."""
    offer = registry.spec(call.name).offer if result.ok and call.name in registry else None
    if offer is None:
        return None
    try:
        offered = offer(call.arguments, _result_value(result))
    except Exception:  # a broken offer offers nothing: the model reads the caller's answer
        _log.exception("%s: its offer() failed; nothing is offered", call.name)
        return None
    if offered is None or offered[0] not in registry:
        return None
    return offered


def _result_value(result: ToolResult) -> Any:
    try:
        return json.loads(result.content)
    except json.JSONDecodeError:
        return result.content


async def _execute(
    registry: ToolRegistry,
    call: ToolCall,
    working: list[Message],
    options: ToolLoopOptions,
    confirmed: bool = False,
) -> ToolResult:
    """Run ``call``, unless it carries a caller's fact the caller never said: then the caller is
    asked for it (an elicitation), and the world is not touched with an invented name. A tool
    that wants the caller's yes first (``ToolSpec.confirm``) gets its read-back instead."""
    if call.name not in registry:
        return await registry.execute(call)
    spec = registry.spec(call.name)
    parameters = spec.parameters
    if options.guards.today is not None:
        call = fix_dates(parameters, call, working, options.guards.today)
        call = fix_times(parameters, call, working)
    if options.guards.ground_caller_facts:
        heard = heard_text(working)
        if options.guards.use_established_facts:
            call, used = fill_established(parameters, call, working, heard)
            heard = f"{heard}\n{used}" if used else heard
        grounded = ground_call(parameters, call, heard)
        if grounded.unheard_required:
            return _ask_unheard(parameters, grounded)
        call = grounded.call
    ready = not any(True for _ in spec.validator.iter_errors(call.arguments))
    if spec.confirm is not None and options.confirm_calls and not confirmed and ready:
        try:
            readback = spec.confirm(call.arguments)
        except ToolExecutionError as exc:
            # The tool refuses this call already (its checks run before the read-back): as
            # if it had run and refused, so the caller is asked what only they can fix.
            ask = from_tool_error(parameters, call, exc)
            content = json.dumps({"error": str(exc)}, ensure_ascii=False)
            return ToolResult(call.id, call.name, content, ok=False, elicitation=ask)
        except Exception as exc:  # the tool's read-back is broken: nothing runs unagreed
            message = f"internal error reading {call.name} back: {type(exc).__name__}: {exc}"
            return ToolResult(call.id, call.name, json.dumps({"error": message}), ok=False)
        return ToolResult(call.id, call.name, awaiting_result(call), ok=True, confirmation=readback)
    return await registry.execute(call)


def _ask_unheard(parameters: dict[str, Any], grounded: Grounding) -> ToolResult:
    """The caller is asked for the facts a call invented, and for their other facts it lacks
    in the same breath ("your name and phone number"): a call the engine cut at an invented
    name has not written them yet."""
    call = grounded.call
    props = parameters.get("properties", {})
    absent = tuple(
        n
        for n in parameters.get("required", [])
        if n not in grounded.call.arguments
        and n not in grounded.unheard_required
        and is_callers_fact(n, props.get(n, {}))
    )
    fields = (*grounded.unheard_required, *absent)
    ask = elicitation(parameters, grounded.call, missing=fields)
    content = json.dumps(
        {"error": f"the caller has not said {', '.join(fields)} yet: ask for it, never guess"}
    )
    return ToolResult(call.id, call.name, content, ok=False, elicitation=ask)


def _spoke(working: list[Message], start: int) -> bool:
    """Whether the agent said anything since ``start`` (this reply's messages)."""
    return any(
        m.get("role") == "assistant" and str(m.get("content") or "").strip()
        for m in working[start:]
    )


def _refusal_sentence(content: str) -> str | None:
    """A tool's refusal (``{"error": "no booking with code X"}``) as a sentence to speak."""
    text = error_of(content)
    if text is None:
        return None
    return text if text[-1] in ".!?" else f"{text}."


def _picked(registry: ToolRegistry, working: list[Message], otherwise: ToolChoice) -> ToolChoice:
    """An agent's first round: the tool its picker names from the caller's last line (the model
    writes only the arguments), else ``otherwise`` (the model chooses). A tool already called
    for this line is not picked again: a task that finished or handed the line back would be
    re-entered by the same words."""
    last = max((i for i, m in enumerate(working) if m.get("role") == "user"), default=-1)
    line = working[last].get("content") if last >= 0 else None
    name = registry.picks(line) if isinstance(line, str) and registry.picks else None
    if name is None or name not in registry:
        return otherwise
    called = {
        c.get("function", {}).get("name")
        for m in working[last + 1 :]
        for c in m.get("tool_calls") or ()
    }
    if name in called:
        return otherwise
    _log.debug("keyword route: %s for %r", name, line)
    return {"type": "function", "function": {"name": name}}


def _fixed_call(
    registry: ToolRegistry, choice: ToolChoice, known: dict[str, Any] | None
) -> ToolCall | None:
    """The call ``choice`` leaves no freedom in: a named tool whose every parameter is
    ``known`` (none, for a hand-over). A tool with optional parameters left unknown is the
    model's to write: the caller may have said them."""
    if not isinstance(choice, dict):
        return None
    name = choice.get("function", {}).get("name")
    if not isinstance(name, str) or name not in registry:
        return None
    parameters = registry.spec(name).parameters
    have = known or {}
    names = set(parameters.get("properties") or {}) | set(parameters.get("required") or ())
    if names - set(have):
        return None
    return ToolCall(new_call_id(), name, dict(have))


async def _only(call: ToolCall, clock: Callable[[], float]) -> AsyncGenerator[LLMEvent, None]:
    """A round's events when its one call is fixed: no engine is asked."""
    yield ToolCallEvent(call, clock())
    yield Finished("tool_calls", Usage(0, 0, 0), clock())


def _current(tools: ToolRegistry | LiveTools, working: list[Message]) -> ToolRegistry:
    if isinstance(tools, ToolRegistry):
        return tools
    system, registry = tools()
    if working and working[0].get("role") == "system":
        working[0] = {"role": "system", "content": system}
    return registry


def _same_call(a: ToolCall, b: ToolCall) -> bool:
    return a.name == b.name and a.arguments == b.arguments


def _looks_like_json(text: str) -> bool:
    return text.lstrip().startswith(("{", "[", "```", "<tool_call>"))


_NAME_KEY = re.compile(r'^\{\s*"name"\s*:\s*"([^"\\]{1,80})"')


def _stray_call(text: str, round_no: int) -> ToolCall | None:
    """A call-shaped JSON object (``{"name": ..., "arguments": {...}}``), fenced or bare.

    Read leniently, as the repair parser reads calls (missing outer closers, Python literals).
    One that cannot be read at all (cut inside a string, say) but opens with a ``name`` key is
    still a call attempt: it comes back without arguments, so the registry answers with what the
    tool needs and the caller never hears the broken JSON.
    """
    body = text.strip()
    body = body.removeprefix("<tool_call>").removesuffix("</tool_call>").strip()
    if body.startswith("```"):
        body = body.strip("`").strip()
        body = body.removeprefix("json").strip()
    if not body.startswith("{"):
        return None
    scan = scan_brackets(body, 0, len(body))
    if scan.state == "open":
        body = close_truncated(body, scan) or body
    try:
        obj = parse_lenient(body)
    except LiteralError:
        named = _NAME_KEY.match(body)
        obj = {"name": named.group(1)} if named else None
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return None
    args = obj.get("arguments", obj.get("parameters", {}))
    if not isinstance(args, dict):
        args = {}
    return ToolCall(id=f"call_stray_{round_no}", name=obj["name"], arguments=args, repaired=True)
