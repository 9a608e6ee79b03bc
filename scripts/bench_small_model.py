"""Prefix size, tool-call cost and decode speed of the embedded 0.5B on the hotel agent.

For tool_style schema vs compact, and jump-forward off vs on: prefix tokens, and per caller line
the completion tokens, how many were forced (batched), wall time and decode tok/s. Prints a
table and writes JSON to --out. Usage: PYTHONPATH=src python scripts/bench_small_model.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

from quickturn.assets import ModelPaths, default_cache_dir
from quickturn.domains.hotel import HotelAgent
from quickturn.llm.embedded_client import EmbeddedChatClient, EmbeddedOptions
from quickturn.llm.types import ChatRequest

LINES = [
    "Is a double room free from 2026-03-20 to 2026-03-22 for two adults?",
    "What time is breakfast?",
    "Can you book a table for two at the restaurant tonight at 7 pm?",
]


async def run(style: str, out: list[dict[str, object]], lines: list[str]) -> None:
    agent = HotelAgent()
    seed = agent.build_seed_database(default_cache_dir() / "hotel.sqlite")
    tools = agent.tools(agent.new_conversation_db(seed)).schemas()
    client = await EmbeddedChatClient.create(
        EmbeddedOptions(tool_style=style),
        ModelPaths(default_cache_dir()),  # type: ignore[arg-type]
    )
    system = {"role": "system", "content": agent.system_prompt}
    report = await client.warm(ChatRequest(messages=[system], tools=tools))
    print(
        f"{style}: prefix {report.prefix_tokens} tokens ({report.source}, {report.seconds:.1f} s)"
    )
    for line in lines:
        request = ChatRequest(
            messages=[system, {"role": "user", "content": line}], tools=tools, max_tokens=120
        )
        tokens, _ = await client.prompt_tokens(request)
        for jump in (False, True):
            walker = client._walker_for(request) if jump else None
            t0 = time.perf_counter()
            text, done = await client._complete(tokens, client._params(request, walker=walker))
            wall = time.perf_counter() - t0
            row = {
                "tool_style": style,
                "jump_forward": jump,
                "line": line,
                "prefix_tokens": report.prefix_tokens,
                "prompt_tokens": len(tokens),
                "completion_tokens": done.result.completion_tokens,
                "forced_tokens": done.result.forced_tokens,
                "sampled_tokens": done.result.completion_tokens - done.result.forced_tokens,
                "wall_s": round(wall, 3),
                "tok_per_s": round(done.result.completion_tokens / wall, 2),
                "text": text,
            }
            out.append(row)
            print(
                f"  jump={jump!s:5} {row['completion_tokens']:>3} tok "
                f"({row['forced_tokens']} forced) {wall:6.2f} s {row['tok_per_s']:6.2f} tok/s "
                f"{text[:70]!r}"
            )
    await client.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--styles", default="schema,compact")
    parser.add_argument("--out", type=Path, default=Path("bench-small-model.json"))
    parser.add_argument("--lines", type=int, default=len(LINES), help="caller lines to try")
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for style in args.styles.split(","):
        await run(style, rows, LINES[: args.lines])
    args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
