"""SIGTERM as Ctrl-C, so a benchmark stopped by a job runner's timeout still writes what it
measured (a long CPU run is too costly to lose)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# coreutils `timeout` signals the child and then its whole process group, so one timeout
# arrives as two SIGTERMs a moment apart; the echo must not kill the graceful exit.
_ECHO_S = 2.0


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside the block the first SIGTERM raises KeyboardInterrupt (main thread only); another
    within ``_ECHO_S`` is ignored, and a later one kills the process at once (engine threads
    may hold a graceful exit up for a while)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    first: list[float] = []

    def interrupt(_signum: int, _frame: object) -> None:
        now = time.monotonic()
        if not first:
            first.append(now)
            raise KeyboardInterrupt
        if now - first[0] < _ECHO_S:
            return
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.raise_signal(signal.SIGTERM)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
