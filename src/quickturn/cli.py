"""`quickturn demo | serve | talk | bench | eval`: the entry point.

Each subcommand lives beside the code it drives (``<stage>/command.py``) and exposes
``register(subparsers)``; command modules import no model at import time, so ``quickturn
--help`` never loads one. A command whose module fails to import stays listed, with the reason.
Environment variables are read here and in the command modules only.

Every command runs with fixed allocator thresholds (``allocator``): calls, the gateway and soaks
run for hours, and glibc's self-raising mmap threshold made resident memory climb for the first
~17 minutes of a soak. ``QUICKTURN_MALLOC=default`` keeps glibc's own behaviour.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from quickturn.allocator import pin_malloc_thresholds
from quickturn.errors import QuickturnError

# (subcommand, module that registers it)
COMMANDS: tuple[tuple[str, str], ...] = (
    ("demo", "quickturn.agent.demo_command"),
    ("serve", "quickturn.gateway.command"),
    ("bench", "quickturn.bench.command"),
    ("eval", "quickturn.evals.command"),
    ("talk", "quickturn.transport.command"),
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quickturn", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--debug", metavar="PARTS", default="",
        help="debug log lines of these parts to stderr, comma-separated module names under "
        "quickturn (e.g. agent.turn_taking,agent.preemptive,llm.tool_loop: a turn's fragments, "
        "holds and model rounds)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS:
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            # Never hidden: the subcommand stays listed and says why it cannot run.
            _unavailable(sub, name, module, exc)
            continue
        mod.register(sub)
    return parser


def _unavailable(sub: Any, name: str, module: str, exc: ImportError) -> None:
    reason = f"{module} failed to import: {type(exc).__name__}: {exc}"
    # No option prefix: whatever follows the name is taken as-is and the reason is printed.
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=f"(unavailable: {reason})", add_help=False, prefix_chars="\x00"
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)

    def run(_args: argparse.Namespace) -> int:
        print(f"quickturn {name}: unavailable: {reason}", file=sys.stderr)
        return 2

    p.set_defaults(func=run)


def debug_logging(parts: str) -> list[str]:
    """DEBUG for the named loggers (``agent.turn_taking`` or ``quickturn.agent.turn_taking``),
    with the time since start on each line; warnings only for the rest. Returns the names."""
    names = [p.strip() for p in parts.split(",") if p.strip()]
    names = [n if n.startswith("quickturn") else f"quickturn.{n}" for n in names]
    if names:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                            format="%(relativeCreated)9.0f ms %(name)s: %(message)s")
        for name in names:
            logging.getLogger(name).setLevel(logging.DEBUG)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug_logging(args.debug)
    if os.environ.get("QUICKTURN_MALLOC", "pinned") != "default":
        pin_malloc_thresholds()
    try:
        code: int = args.func(args)
    except QuickturnError as exc:
        print(f"quickturn {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
