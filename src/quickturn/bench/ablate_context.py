"""Context pruning on a long call: TTFT of a late turn, and whether early facts survive.

A long call is replayed into ``ChatContext`` (the session's context, ``llm/context.py``) under
each setting: the caller gives a name, a booking code and a date in the first turns, then talks
about other things for many turns, with assistant replies and a tool result in between. At the
end the caller asks for those facts back. Measured per setting:

- the size of the view the model is sent (approximate tokens),
- TTFT of the final question on the chat client (the embedded model, a URL, or canned),
- facts *in view*: which early facts still appear anywhere in what the model is sent (needs no
  model: pruning that drops a fact makes it unanswerable), and facts *answered*: which the
  model's reply repeats (only with a real model).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from quickturn.bench.conversations import SCRIPTS
from quickturn.bench.stats import Distribution
from quickturn.bench.timing import timed_stream
from quickturn.bench.tradeoff import TradeoffRow
from quickturn.llm.context import ChatContext, ContextOptions, approx_tokens
from quickturn.llm.types import ChatClient, ChatRequest

FACTS = ("Lopez", "HK4592", "twelfth")
_OPENING = (
    ("Hi, this is Maria Lopez. I booked a king room arriving Friday the twelfth.",
     "Welcome back, Ms. Lopez. I see your king room from the twelfth."),
)
_QUESTION = "Sorry, remind me: what name, confirmation code and arrival date is my booking under?"

# (label, options); "none" keeps everything (the budget is larger than any call here).
SETTINGS: tuple[tuple[str, ContextOptions], ...] = (
    ("none", ContextOptions(max_tokens=100_000, max_turns=1000, summary_tokens=250)),
    ("2k tokens / 6 turns", ContextOptions(max_tokens=2000, max_turns=6)),
    ("600 tokens / 3 turns", ContextOptions(max_tokens=600, max_turns=3, summary_tokens=120)),
)


def long_call(system_prompt: str, options: ContextOptions, turns: int) -> ChatContext:
    """A context after ``turns`` caller turns of the fixed long call."""
    ctx = ChatContext(system_prompt, options)
    for user, assistant in _OPENING:
        ctx.add({"role": "user", "content": user})
        ctx.add({"role": "assistant", "content": assistant})
    # The booking code arrives in a tool result, as it would from the hotel's tools.
    ctx.add({"role": "user", "content": "Can you confirm the code for that booking?"})
    call = {"id": "call_1", "type": "function",
            "function": {"name": "find_booking", "arguments": json.dumps({"guest": "Lopez"})}}
    ctx.add({"role": "assistant", "content": None, "tool_calls": [call]})
    ctx.add({"role": "tool", "tool_call_id": "call_1", "content": json.dumps(
        {"confirmation_code": "HK4592", "guest_name": "Maria Lopez", "check_in": "the twelfth"})})
    ctx.add({"role": "assistant", "content": "Your confirmation code is H K four five nine two."})
    pool = [line for script in SCRIPTS for line in script.user_turns]
    for i in range(max(0, turns - 2)):
        ctx.add({"role": "user", "content": pool[i % len(pool)]})
        ctx.add({"role": "assistant", "content": "Certainly, I have noted that. Anything else?"})
    ctx.add({"role": "user", "content": _QUESTION})
    return ctx


def facts_in(texts: Sequence[str]) -> list[str]:
    joined = "\n".join(texts).lower()
    return [f for f in FACTS if f.lower() in joined]


@dataclass(frozen=True)
class ContextResult:
    setting: str
    view_tokens: int
    ttft_ms: Distribution | None
    facts_in_view: list[str]
    facts_answered: list[str] | None
    failures: int


async def measure(
    client: ChatClient, system_prompt: str, tools: list[dict[str, object]], turns: int,
    repetitions: int, *, judge_answers: bool, max_tokens: int = 48,
) -> list[ContextResult]:
    out = []
    for label, options in SETTINGS:
        ctx = long_call(system_prompt, options, turns)
        view = ctx.messages()
        in_view = facts_in([str(m.get("content") or "") for m in view[1:]]
                           + [json.dumps(m.get("tool_calls") or "") for m in view[1:]])
        ttfts: list[float] = []
        answered: list[str] | None = None
        failures = 0
        for rep in range(repetitions):
            request = ChatRequest(messages=view, tools=tools, tool_choice="none",
                                  max_tokens=max_tokens, temperature=0.0,
                                  conversation_id=f"ablate-context-{label}-{rep}")
            reply = await timed_stream(client, request, timeout_s=600.0)
            if not reply.ok or reply.ttft_s is None:
                failures += 1
                continue
            ttfts.append(reply.ttft_s * 1000.0)
            if judge_answers and answered is None:
                answered = facts_in([reply.text])
        out.append(ContextResult(label, sum(approx_tokens(m) for m in view[1:]),
                                 Distribution.of(ttfts), in_view, answered, failures))
    return out


def tradeoff_rows(results: Sequence[ContextResult]) -> list[TradeoffRow]:
    base = results[0]
    rows = []
    for r in results[1:]:
        answered = ("" if r.facts_answered is None or base.facts_answered is None else
                    f"; answered {len(r.facts_answered)}/{len(FACTS)} vs "
                    f"{len(base.facts_answered)}/{len(FACTS)}")
        rows.append(TradeoffRow(
            "context pruning", r.setting, "no pruning", "TTFT, late turn", r.ttft_ms,
            base.ttft_ms,
            f"view {r.view_tokens} vs {base.view_tokens} tokens; facts in view "
            f"{len(r.facts_in_view)}/{len(FACTS)} vs {len(base.facts_in_view)}/{len(FACTS)}"
            + answered,
            n=0 if r.ttft_ms is None else r.ttft_ms.count,
        ))
    return rows
