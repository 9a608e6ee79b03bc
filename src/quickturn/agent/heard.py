"""What an interrupted reply leaves in the chat history: only what the caller heard.

Tool calls that ran stay (the world changed: a booking exists even if the caller cut the agent
off), each with its results; assistant text is cut to the heard part; a round the model was still
writing when the caller barged in keeps its heard part as a plain assistant message.
"""

from __future__ import annotations

from quickturn.llm.types import Message


def kept_messages(
    messages: list[Message], heard_by_round: dict[int, str], *, interrupted: bool
) -> list[Message]:
    """The messages to commit to history; ``messages`` are the tool loop's, in order."""
    if not interrupted:
        return list(messages)
    out: list[Message] = []
    answered = {m.get("tool_call_id") for m in messages if m.get("role") == "tool"}
    round_no = 0
    covered: set[int] = set()
    skip_ids: set[str] = set()
    for message in messages:
        role = message.get("role")
        if role == "tool":
            if message.get("tool_call_id") not in skip_ids:
                out.append(message)
            continue
        if role != "assistant":
            out.append(message)
            continue
        round_no += 1
        covered.add(round_no)
        heard = heard_by_round.get(round_no, "")
        calls = message.get("tool_calls") or []
        if calls:
            ids = {c.get("id") for c in calls}
            if not ids <= answered:
                # Cut off between the call and its results: an unanswered call would make the
                # next request invalid, so the whole round goes.
                skip_ids |= {i for i in ids if isinstance(i, str)}
                continue
            out.append({**message, "content": heard or None})
        elif heard:
            out.append({**message, "content": heard})
    for r in sorted(set(heard_by_round) - covered):
        if heard_by_round[r]:
            out.append({"role": "assistant", "content": heard_by_round[r]})
    return out
