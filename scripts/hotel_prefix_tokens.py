"""Tokens of the hotel agent's warm prefix (system prompt + 40 tool schemas), counted with the
embedded 0.5B model's own tokenizer and chat template, as the embedded client renders it.

    PYTHONPATH=src python scripts/hotel_prefix_tokens.py

Also prints what the prefix would be without the per-field format descriptions ("YYYY-MM-DD",
"HH:MM, 24-hour", "6-character code"), which the prompt's TOOL ARGUMENTS paragraph states once.
"""

from __future__ import annotations

import json
from typing import Any

import llama_cpp

from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel import HotelAgent
from quickturn.domains.hotel.db import create_database
from quickturn.llm.chat_template import ChatTemplate

FORMATS = ("YYYY-MM-DD", "HH:MM, 24-hour", "6-character code")


def without_formats(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: without_formats(v)
            for k, v in node.items()
            if not (k == "description" and v in FORMATS)
        }
    if isinstance(node, list):
        return [without_formats(v) for v in node]
    return node


def main() -> None:
    path = ModelPaths(default_cache_dir()).qwen_0_5b()
    llm = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
    template = ChatTemplate(llm.metadata["tokenizer.chat_template"])
    hotel = HotelAgent()
    schemas = hotel.tools(create_database(":memory:")).schemas()
    system = [{"role": "system", "content": hotel.system_prompt}]

    def tokens(tools: list[dict[str, Any]]) -> int:
        text = template.render(system, tools, add_generation_prompt=False)  # type: ignore[arg-type]
        return len(llm.tokenize(text.encode(), add_bos=False, special=True))

    full, bare = tokens(schemas), tokens([])
    out = {
        "prefix_tokens": full,
        "tool_tokens": full - bare,
        "tools": len(schemas),
        "prefix_tokens_without_format_descriptions": tokens(without_formats(schemas)),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
