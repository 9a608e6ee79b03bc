"""``quickturn bench``: the latency lab's entry point, one subcommand per benchmark.

``quickturn bench --embedded ...`` with no subcommand is ``quickturn bench llm`` (TTFT/TTFS over
whole conversations), as it was before there were subcommands. Each sub-benchmark lives in its
own module exposing ``register(subparsers)``; a module that does not exist yet is skipped, and
one that exists but fails to import stays listed and says why when run (as ``quickturn``'s own
subcommands do): an import error is never hidden.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from quickturn.bench import llm_command

# (``quickturn bench <name>``, the module that registers it), in --help order.
SUBCOMMANDS: tuple[tuple[str, str], ...] = (
    ("llm", "quickturn.bench.llm_command"),
    ("load", "quickturn.bench.load_command"),
    ("a2a", "quickturn.bench.a2a_command"),
    ("soak", "quickturn.bench.soak_command"),
    ("ablate", "quickturn.bench.ablate_command"),
    ("turns", "quickturn.bench.turn_taking"),
    ("stt", "quickturn.bench.stt_chunking"),
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
    for name, module in SUBCOMMANDS:
        try:
            mod = load_subcommand(module)
        except ImportError as exc:
            # Imported here: the CLI module is loaded already (it is what called us).
            from quickturn.cli import _unavailable

            _unavailable(sub, name, module, exc)
            continue
        if mod is not None:
            mod.register(sub)


def load_subcommand(module: str) -> Any | None:
    """The module, or None when that module itself does not exist (a part not built yet);
    an import error inside an existing module propagates."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise
