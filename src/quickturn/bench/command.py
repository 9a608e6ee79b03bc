"""``quickturn bench``: the latency lab's entry point, one subcommand per benchmark.

``quickturn bench --embedded ...`` with no subcommand is ``quickturn bench llm`` (TTFT/TTFS over
whole conversations), as it was before there were subcommands. Each sub-benchmark lives in its
own module exposing ``register(subparsers)``; a module that does not exist yet is skipped, but
an import error *inside* an existing module is raised, never hidden.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from quickturn.bench import llm_command

# Modules that register a ``quickturn bench <name>`` subcommand, in --help order.
SUBCOMMANDS: tuple[str, ...] = (
    "quickturn.bench.llm_command",
    "quickturn.bench.load_command",
    "quickturn.bench.a2a_command",
    "quickturn.bench.soak_command",
    "quickturn.bench.ablate_command",
    "quickturn.bench.turn_taking",
    "quickturn.bench.stt_chunking",
)


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "bench",
        help="the latency lab: TTFT/TTFS, load, audio-to-audio waterfalls, ablations",
        description=(
            "The latency lab. With no subcommand: `bench llm` (" + llm_command.DESCRIPTION + ")"
        ),
    )
    llm_command.add_arguments(p)
    sub = p.add_subparsers(dest="bench_command", title="benchmarks")
    for module in SUBCOMMANDS:
        mod = load_subcommand(module)
        if mod is not None:
            mod.register(sub)


def load_subcommand(module: str) -> Any | None:
    """The module, or None when that module itself does not exist (a part not built yet)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
