"""Render chat messages with the model's own (tools-aware) Jinja chat template.

The prompt is rendered in two pieces: the *prefix* (system prompt + tool schemas, identical for
every turn of every conversation of one agent) and the *rest*. Tokenizing the two pieces apart
keeps the prefix's tokens byte-identical across requests, which is what makes its KV cache
reusable and persistable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from jinja2.sandbox import ImmutableSandboxedEnvironment

from quickturn.errors import ConfigError
from quickturn.llm.compact_tools import compact_tools
from quickturn.llm.types import Message


@dataclass(frozen=True)
class RenderedPrompt:
    prefix: str
    rest: str

    @property
    def text(self) -> str:
        return self.prefix + self.rest


def _normalize(messages: list[Message]) -> list[dict[str, Any]]:
    """OpenAI messages → what chat templates expect (content never None; arguments as objects)."""
    out: list[dict[str, Any]] = []
    for m in messages:
        msg = dict(m)
        content = msg.get("content")
        if content is None:
            msg["content"] = ""
        elif isinstance(content, list):  # content parts: keep the text ones
            msg["content"] = "".join(
                p.get("text", "")
                for p in content
                if isinstance(p, dict) and p.get("type") == "text"
            )
        calls = msg.get("tool_calls")
        if calls:
            fixed = []
            for call in calls:
                fn = dict(call.get("function", call))
                args = fn.get("arguments")
                if isinstance(args, str):
                    try:
                        fn["arguments"] = json.loads(args) if args.strip() else {}
                    except json.JSONDecodeError:
                        fn["arguments"] = {"_raw": args}
                fixed.append({**call, "function": fn})
            msg["tool_calls"] = fixed
        out.append(msg)
    return out


ToolStyle = Literal["compact", "schema"]


class ChatTemplate:
    """``tool_style`` "compact" shows the model each tool in the compact form of
    ``compact_tools`` (about half the tokens of the full schemas); "schema" shows the full JSON
    schemas. Either way the template itself places them."""

    def __init__(self, source: str, tool_style: ToolStyle = "schema") -> None:
        if not source.strip():
            raise ConfigError("the model has no chat template")
        if tool_style not in ("compact", "schema"):
            raise ConfigError("tool_style must be 'compact' or 'schema'")
        self._tool_style = tool_style
        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.filters["tojson"] = lambda v, indent=None: json.dumps(
            v, ensure_ascii=False, indent=indent
        )
        self._template = env.from_string(source)

    def render(
        self, messages: list[Message], tools: list[dict[str, Any]], *, add_generation_prompt: bool
    ) -> str:
        shown = compact_tools(tools) if tools and self._tool_style == "compact" else tools
        return self._template.render(
            messages=_normalize(messages),
            tools=shown or None,
            add_generation_prompt=add_generation_prompt,
        )

    def render_split(self, messages: list[Message], tools: list[dict[str, Any]]) -> RenderedPrompt:
        """Render for generation, split after the system block when the template allows it."""
        full = self.render(messages, tools, add_generation_prompt=True)
        if messages and messages[0].get("role") == "system":
            prefix = self.render(messages[:1], tools, add_generation_prompt=False)
            if full.startswith(prefix):
                return RenderedPrompt(prefix, full[len(prefix) :])
        return RenderedPrompt("", full)
