"""A chat context of bounded size ("context quarantine").

What the model sees each turn is: the system prompt (unchanged, so its KV prefix stays warm), a
short extractive summary of older turns, and the most recent turns verbatim. Older turns leave
the window whole (a turn is one user message plus every assistant/tool message after it), so an
assistant ``tool_calls`` message is never separated from its tool results. The summary is built
without an LLM call (this runs on the hot path): it keeps what callers come back to (booking
codes, names, dates, amounts) from tool results and one short line per side of each dropped turn.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from quickturn.errors import ConfigError
from quickturn.llm.types import Message
from quickturn.tools.types import is_handoff_note

# Tool-result keys worth remembering after the turn that produced them is gone.
_FACT_KEY = re.compile(
    r"(code|confirmation|booking|reservation|id$|name|guest|date|check_?in|check_?out|arriv|"
    r"depart|night|room|type|total|price|amount|status|error|email|phone)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True)
class ContextOptions:
    """``max_tokens`` bounds the conversation after the system prompt (approximate tokens: ~4
    characters each);
    ``max_turns`` bounds how many recent turns stay verbatim; ``summary_tokens`` bounds the
    summary of everything older."""

    max_tokens: int = 2000
    max_turns: int = 6
    summary_tokens: int = 250
    line_words: int = 24

    def __post_init__(self) -> None:
        if self.max_turns < 1:
            raise ConfigError("max_turns must be >= 1 (the current turn always stays)")
        if self.summary_tokens < 20:
            raise ConfigError("summary_tokens must be >= 20")
        if self.max_tokens <= self.summary_tokens:
            raise ConfigError("max_tokens must exceed summary_tokens")
        if self.line_words < 4:
            raise ConfigError("line_words must be >= 4")


def approx_tokens(message: Message) -> int:
    """About four characters per token plus a few for the role framing; good enough to budget."""
    size = len(str(message.get("content") or ""))
    for call in message.get("tool_calls") or ():
        size += len(json.dumps(call, ensure_ascii=False))
    return 4 + (size + 3) // 4


class ChatContext:
    """The running conversation plus the bounded view of it sent to the model.

    ``messages()`` is the view; ``history`` keeps everything (for transcripts and evals).
    """

    def __init__(self, system_prompt: str, options: ContextOptions = ContextOptions()) -> None:
        if not system_prompt.strip():
            raise ConfigError("the system prompt is empty")
        self.options = options
        self._system: Message = {"role": "system", "content": system_prompt}
        self._turns: list[list[Message]] = []  # recent turns, verbatim
        self._preamble: list[Message] = []  # assistant lines before the first user turn (greeting)
        self._summary: list[str] = []
        self.history: list[Message] = []

    # -- writing ---------------------------------------------------------------------------------
    def add(self, message: Message) -> None:
        """Append one message; a ``user`` message opens a new turn."""
        role = message.get("role")
        if role not in ("user", "assistant", "tool"):
            raise ConfigError(f"cannot add a message with role {role!r} to the chat context")
        self.history.append(message)
        if role == "user":
            self._turns.append([message])
        elif self._turns:
            self._turns[-1].append(message)
        else:
            self._preamble.append(message)
        self._compact()

    def extend(self, messages: list[Message]) -> None:
        for message in messages:
            self.add(message)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def summary(self) -> str:
        return "\n".join(self._summary)

    def messages(self) -> list[Message]:
        """The bounded view: system prompt, summary, recent turns.

        The system prompt stays byte-identical turn after turn: engines keep its KV state warm
        as a shared prefix (minutes to recompute on a CPU), so the summary is a message of its
        own after it, never appended to it.
        """
        out: list[Message] = [self._system]
        if self._summary:
            out.append(
                {"role": "system", "content": f"Earlier in this call (summary):\n{self.summary}"}
            )
        out.extend(self._preamble)
        for turn in self._turns:
            out.extend(turn)
        return out

    def token_count(self) -> int:
        """Approximate tokens of everything after the system prompt (the part that grows; the
        system prompt is a fixed, cached prefix and is not budgeted)."""
        return sum(approx_tokens(m) for m in self.messages()[1:])

    # -- compaction ------------------------------------------------------------------------------
    def _compact(self) -> None:
        # The newest turn always stays whole, even when it alone is over budget: cutting inside
        # it could split a tool call from its result.
        opts = self.options
        while len(self._turns) > 1 and (
            len(self._turns) > opts.max_turns or self.token_count() > opts.max_tokens
        ):
            self._summarise(self._turns.pop(0))
        if self._preamble and len(self._turns) > 1 and self.token_count() > self.options.max_tokens:
            self._summarise(self._preamble)
            self._preamble = []

    def _summarise(self, turn: list[Message]) -> None:
        for message in turn:
            line = self._line(message)
            if line:
                self._summary.append(line)
        # Over budget: drop the oldest plain lines first; facts from tools go last.
        while sum(len(s) for s in self._summary) // 4 > self.options.summary_tokens:
            lines = enumerate(self._summary)
            plain = next((i for i, s in lines if not s.startswith("- fact")), None)
            self._summary.pop(plain if plain is not None else 0)

    def _line(self, message: Message) -> str | None:
        role = message.get("role")
        content = str(message.get("content") or "").strip()
        if role == "tool":
            facts = _facts(content)
            return f"- fact: {facts}" if facts else None
        if role == "assistant" and message.get("tool_calls"):
            names = [c.get("function", {}).get("name", "?") for c in message["tool_calls"]]
            first = f"- agent called {', '.join(names)}"
            return f"{first}; said: {self._short(content)}" if content else first
        if not content:
            return None
        who = "caller" if role == "user" else "agent"
        return f"- {who}: {self._short(content)}"

    def _short(self, text: str) -> str:
        first = _SENTENCE_END.split(text, maxsplit=1)[0]
        words = first.split()
        if len(words) > self.options.line_words:
            return " ".join(words[: self.options.line_words]) + " ..."
        return first


def _facts(content: str) -> str:
    """Key facts of a tool result: selected scalar fields of a JSON object, else its start."""
    try:
        data: Any = json.loads(content)
    except ValueError:
        return content[:120]
    pairs: list[str] = []

    def walk(obj: Any, prefix: str) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                walk(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
        elif isinstance(obj, list):
            for item in obj[:3]:
                walk(item, prefix)
        elif obj is not None and _FACT_KEY.search(prefix.rsplit(".", 1)[-1]):
            pairs.append(f"{prefix.rsplit('.', 1)[-1]}={obj}")

    walk(data, "")
    return ", ".join(dict.fromkeys(pairs))[:300]


def hide_handoffs(messages: list[Message]) -> list[Message]:
    """``messages`` without the calls that only handed the call to another agent, and their
    results ("Transferred to book_room."). The agent taken over answers the caller's line as if
    it had been asked directly: shown the hand-off, the 0.5B handed straight back, quoting it
    as its result."""
    hidden: set[Any] = {
        m.get("tool_call_id")
        for m in messages
        if m.get("role") == "tool" and is_handoff_note(m.get("content"))
    }
    if not hidden:
        return messages
    out: list[Message] = []
    for m in messages:
        if m.get("role") == "tool" and m.get("tool_call_id") in hidden:
            continue
        calls = m.get("tool_calls") if m.get("role") == "assistant" else None
        if calls:
            kept = [c for c in calls if c.get("id") not in hidden]
            if not kept and not (m.get("content") or "").strip():
                continue
            if len(kept) != len(calls):
                m = (
                    {**m, "tool_calls": kept}
                    if kept
                    else {k: v for k, v in m.items() if k != "tool_calls"}
                )
        out.append(m)
    return out


def spoken_past(messages: list[Message]) -> list[Message]:
    """``messages`` with the tool traffic of earlier turns left out: before the caller's latest
    line, only what was said (user lines, assistant words) remains; the current turn stays
    whole. What a tool found that mattered was said (a tool's own words, or the model's), and
    the JSON is most of a call's tokens: after a booking task handed back, the main agent's
    first round prefilled every call and result of the task (3.6 s for a 13-token routing call
    on the 0.5B). A turn that ended without words after its tools (the caller cut in before
    the answer) keeps its calls: the world changed and nothing said so. The full history is
    kept by the caller; this is only what the model reads."""
    starts = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    if len(starts) < 2:
        return list(messages)
    out: list[Message] = list(messages[: starts[0]])
    for begin, end in zip(starts, starts[1:], strict=False):
        turn = messages[begin:end]
        last = turn[-1]
        said = last.get("role") == "assistant" and not last.get("tool_calls")
        if not said or str(last.get("content") or "").strip() == "":
            out.extend(turn)
            continue
        out.append(turn[0])
        for m in turn[1:]:
            if m.get("role") == "system":
                out.append(m)  # an instruction given mid-call (generate_reply) stays
            elif m.get("role") == "assistant" and str(m.get("content") or "").strip():
                out.append({"role": "assistant", "content": m["content"]})
    out.extend(messages[starts[-1] :])
    return out


def since_entry(messages: list[Message], exchanges_before: int = 1) -> list[Message]:
    """``messages`` as an agent that reads only its own part of the call sees them
    (``Agent.reads == "since_entry"``): the system prompt, then from ``exchanges_before``
    caller lines before the one that handed the call to it (the latest hand-over in the
    history is the one to the agent on duty). One exchange before keeps what the request
    may point back to ("...for that booking") and what the agent just said; all of it stays
    in the full history, which the tools read."""
    handoffs = [
        i for i, m in enumerate(messages)
        if m.get("role") == "tool" and is_handoff_note(m.get("content"))
    ]
    if not handoffs:
        return list(messages)
    users = [i for i, m in enumerate(messages[: handoffs[-1]]) if m.get("role") == "user"]
    if not users:
        return list(messages)
    start = users[max(0, len(users) - 1 - exchanges_before)]
    head = [m for m in messages[:start] if m.get("role") == "system"][:1]
    return head + messages[start:]
