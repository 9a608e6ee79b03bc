"""`quickturn demo | serve | bench | eval`: the entry point.

Each subcommand lives beside the code it drives (``<stage>/command.py``) and exposes
``register(subparsers)``; it is imported lazily so ``quickturn --help`` never loads a model.
Environment variables are read here and in the command modules only.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
    sub = parser.add_subparsers(dest="command", required=True)
    for _name, module in COMMANDS:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("quickturn"):
                continue  # a part not built yet; its subcommand is simply absent
            raise
        mod.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
