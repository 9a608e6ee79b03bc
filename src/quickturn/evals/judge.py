"""The optional LLM judge for a scenario's free-text expectations.

It sees the transcript and the tool calls and answers one JSON verdict per expectation. An
answer that is not that JSON counts every expectation as not met (a judge that cannot answer
must not pass a call) and says why in the verdict.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quickturn.errors import UpstreamError
from quickturn.evals.records import Conversation, JudgeVerdict

if TYPE_CHECKING:
    from openai import AsyncOpenAI

_SYSTEM = (
    "You grade phone calls between a hotel's voice agent and a caller. For each numbered "
    "expectation decide whether the agent met it, judging only from the transcript and the tool "
    'calls. Answer with JSON only: {"verdicts": [{"n": 1, "met": true, "reason": "..."}]}'
)


def render_call(conversation: Conversation) -> str:
    lines = [f"{u.speaker.upper()}: {u.text}" for u in conversation.transcript]
    for c in conversation.tool_calls:
        status = "ok" if c.ok else "failed"
        lines.append(
            f"TOOL (turn {c.turn}) {c.name}({json.dumps(dict(c.arguments), default=str)}) "
            f"-> {status}: {c.result[:300]}"
        )
    return "\n".join(lines)


def parse_verdicts(text: str, expectations: Sequence[str]) -> tuple[JudgeVerdict, ...]:
    start, end = text.find("{"), text.rfind("}")
    try:
        data: Any = json.loads(text[start : end + 1]) if start >= 0 else None
        items = data["verdicts"]
        by_n = {int(v["n"]): v for v in items}
    except (ValueError, TypeError, KeyError):
        return tuple(
            JudgeVerdict(e, False, f"judge answer not parseable: {text[:200]!r}")
            for e in expectations
        )
    out: list[JudgeVerdict] = []
    for i, exp in enumerate(expectations, start=1):
        v = by_n.get(i)
        if v is None:
            out.append(JudgeVerdict(exp, False, "judge gave no verdict"))
        else:
            out.append(JudgeVerdict(exp, v.get("met") is True, str(v.get("reason", ""))))
    return tuple(out)


class LLMJudge:
    def __init__(self, client: AsyncOpenAI, model: str) -> None:
        self._client = client
        self._model = model

    async def judge(
        self, expectations: Sequence[str], conversation: Conversation
    ) -> tuple[JudgeVerdict, ...]:
        if not expectations:
            return ()
        from openai import OpenAIError

        numbered = "\n".join(f"{i}. {e}" for i, e in enumerate(expectations, start=1))
        user = f"Call:\n{render_call(conversation)}\n\nExpectations:\n{numbered}"
        try:
            out = await self._client.chat.completions.create(
                model=self._model,
                messages=[
                    {"role": "system", "content": _SYSTEM},
                    {"role": "user", "content": user},
                ],
                temperature=0.0,
                max_tokens=400,
            )
        except OpenAIError as exc:
            raise UpstreamError(f"judge endpoint failed: {exc}") from exc
        text = (out.choices[0].message.content or "") if out.choices else ""
        return parse_verdicts(text, expectations)
