"""A terminal progress bar for long runs (``rich``), on stderr so stdout stays the result table.

``progress_bar(total, label)`` yields a callable that advances the bar by one step, with an
optional status line. When rich is not installed the bar is simply absent (a benchmark never
fails for want of a progress bar); when stderr is not a terminal rich prints nothing live.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[str], None]


@contextmanager
def progress_bar(total: int | None, label: str, *, enabled: bool = True) -> Iterator[Advance]:
    """``advance(status)`` moves one step and shows ``status`` beside the bar."""
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:
        enabled = False
    if not enabled:
        yield lambda _status: None
        return
    console = Console(file=sys.stderr)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=total, status="")

        def advance(status: str) -> None:
            bar.update(task, advance=1, status=status[:60])

        yield advance
