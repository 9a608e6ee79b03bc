"""TTFT / TTFS p50 and p95 per endpoint of one `quickturn bench` run, and their ratios to a
baseline endpoint: over all measured requests, over prose replies only (no structured tool call;
llama_cpp.server returns the 0.5B's calls as text, so its "prose" includes calls written as
text), over each turn's first request (where the loop guard cannot act: no tool result yet this
turn), and over each conversation's first request (the one prompt every target sees identically:
the histories diverge later, as only the gateway turns text calls into tool rounds).

Also counts held-back prose: a prose reply of 40+ characters whose first token came with its
last (TTFT >= 90 % of the total time), the symptom of a repair stage that holds text back, and
replies that open like call markup (`{"`, `<tool_call>`, a fence) but carry no structured call:
the plain server sends every call that way; the gateway only a call of a tool that is not declared.

Usage: python scripts/gateway_ratios.py RUN/results.json [BASELINE ...]
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections.abc import Callable
from typing import Any

Pick = Callable[[dict[str, Any]], bool]
KEYS = ("ttft_s", "ttfs_s", "total_s")
# A reply that opens like call markup is a call sent as text (the plain server's way), not prose.
CALL_TEXT = re.compile(r"""\s*(?:\{\s*["']|\[\s*[{A-Za-z_]|<tool_call>|<\|python_tag\|>|```)""")


def is_prose(sample: dict[str, Any]) -> bool:
    head = sample.get("output_head", "")
    return sample["tool_calls"] == 0 and sample["output_chars"] > 0 and not CALL_TEXT.match(head)


SUBSETS: dict[str, Pick] = {
    "all": lambda s: True,
    "prose": is_prose,
    "round0": lambda s: s["round_index"] == 0,
    "turn0": lambda s: s["turn_index"] == 0 and s["round_index"] == 0,
}


def held_back(sample: dict[str, Any]) -> bool:
    ttft, total = sample["ttft_s"], sample["total_s"]
    return (
        sample["output_chars"] >= 40 and sample["tool_calls"] == 0
        and ttft is not None and total is not None and ttft >= 0.9 * total
    )


def quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def stats(samples: list[dict[str, Any]], key: str) -> tuple[int, float, float] | None:
    values = [s[key] for s in samples if s[key] is not None]
    if not values:
        return None
    return len(values), quantile(values, 0.5), quantile(values, 0.95)


def main(path: str, baselines: list[str]) -> None:
    data = json.load(open(path, encoding="utf-8"))
    measured = [s for s in data["samples"] if not s["warmup"] and s["error_type"] is None]
    failed = [s for s in data["samples"] if s["error_type"] is not None]
    endpoints = list(dict.fromkeys(s["endpoint"] for s in data["samples"]))
    print(f"{len(measured)} measured requests, {len(failed)} failed; endpoints {endpoints}")
    print(f"load average (1, 5, 15 min) at start {data['meta'].get('load_average')}")
    for endpoint in endpoints:
        mine = [s for s in measured if s["endpoint"] == endpoint]
        prose = [s for s in mine if is_prose(s) and s["output_chars"] >= 40]
        text_calls = [s for s in mine if s["tool_calls"] == 0 and s["output_chars"] > 0
                      and not is_prose(s)]
        held = sum(held_back(s) for s in prose)
        held_calls = sum(held_back(s) for s in text_calls)
        prompt = [s["prompt_tokens"] for s in mine if s["prompt_tokens"]]
        first_prompt = min(prompt) if prompt else None
        print(f"  {endpoint:22s} {len(mine)} requests, {sum(s['tool_calls'] > 0 for s in mine)} "
              f"with calls, {len(text_calls)} calls as text ({held_calls} sent whole at the "
              f"end); held-back prose {held}/{len(prose)}; smallest prompt {first_prompt} tokens")
    for subset, pick in SUBSETS.items():
        print(f"\n[{subset}]")
        table: dict[tuple[str, str], tuple[int, float, float] | None] = {}
        for endpoint in endpoints:
            chosen = [s for s in measured if s["endpoint"] == endpoint and pick(s)]
            for key in KEYS:
                table[(endpoint, key)] = stats(chosen, key)
        for endpoint in endpoints:
            cells = []
            for key in KEYS:
                got, name = table[(endpoint, key)], key.removesuffix("_s")
                cells.append(
                    "-" if got is None else f"{name} n={got[0]} p50 {got[1] * 1000:.0f} ms "
                    f"p95 {got[2] * 1000:.0f} ms"
                )
            print(f"  {endpoint:22s} " + " | ".join(cells))
        for base in baselines:
            for endpoint in endpoints:
                if endpoint == base:
                    continue
                ratios = []
                for key in KEYS:
                    a, b = table[(endpoint, key)], table[(base, key)]
                    name = key.removesuffix("_s")
                    if a is None or b is None:
                        ratios.append(f"{name} -")
                        continue
                    ratios.append(f"{name} p50 x{a[1] / b[1]:.2f} p95 x{a[2] / b[2]:.2f}")
                print(f"  {endpoint} / {base}: " + ", ".join(ratios))
    paired(measured, PAIRS)


# (through the gateway, the same engine without it): their first requests of each conversation
# have the same prompt and, at temperature 0, the same reply, so they compare one to one.
PAIRS = (("quickturn_proxy", "llama_cpp_server"), ("quickturn_embedded", "embedded"))


def paired(measured: list[dict[str, Any]], pairs: tuple[tuple[str, str], ...]) -> None:
    print("\n[turn0 paired: same prompt, same engine; gateway minus direct]")
    for via, direct in pairs:
        def first(endpoint: str) -> dict[tuple[str, int], dict[str, Any]]:
            return {(s["conversation_id"], s["repetition"]): s for s in measured
                    if s["endpoint"] == endpoint and s["turn_index"] == 0
                    and s["round_index"] == 0}

        a, b = first(via), first(direct)
        rows = []
        for key in sorted(a.keys() & b.keys()):
            x, y = a[key], b[key]
            cells = []
            for metric in KEYS:
                if x[metric] is None or y[metric] is None:
                    cells.append(f"{metric.removesuffix('_s')} -")
                else:
                    diff = (x[metric] - y[metric]) * 1000
                    cells.append(f"{metric.removesuffix('_s')} {y[metric] * 1000:.0f} -> "
                                 f"{x[metric] * 1000:.0f} ms ({diff:+.0f})")
            head = y.get("output_head", "")[:30]
            rows.append(f"    {key[0]}: " + ", ".join(cells)
                        + f"; {x['tool_calls']} call(s) via the gateway; direct starts {head!r}")
        print(f"  {via} vs {direct}: {len(rows)} pairs")
        print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or ["llama_cpp_server"])
