"""Keep a long-running process's memory flat: fixed glibc allocator thresholds.

A 30-minute soak (BENCHMARKS.md) saw resident memory climb in steps for ~17 minutes while the
Python heap, the object count and the threads stayed flat, and ``malloc_trim`` gave the growth
back: the allocator, not a leak. glibc raises its mmap threshold each time a large block (an
audio buffer, a Whisper feature matrix) is freed, up to 32 MiB, so later large blocks come from
heaps it keeps instead of mappings returned on free; each worker thread may also get an arena of
its own. Setting the thresholds explicitly turns the adjustment off (mallopt(3)): blocks from
256 KiB up are mapped and unmapped, freed heap tops above 1 MiB go back to the OS, and at most
two arenas exist (two cores). Elsewhere than glibc this does nothing.

Pinned thresholds still leave freed blocks below 256 KiB inside the heaps, scattered between live
ones where no trim at the top reaches them: a 15-minute soak with pinning kept ~125 MiB of such
memory by its end. ``release_free_memory`` (``malloc_trim(0)``) hands those pages back; a voice
session calls it when a call ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

# mallopt(3) parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 256 * 1024
TRIM_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, looked up once: ``find_library`` runs ``ldconfig``, and the release runs at
    every call's end."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def pin_malloc_thresholds() -> bool:
    """Fix glibc's mmap and trim thresholds and arena count for this process (module doc);
    False where there is no glibc ``mallopt`` or it refused a setting."""
    libc = _libc()
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    settings = (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES),
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES),
        (_M_ARENA_MAX, ARENA_MAX),
    )
    # mallopt returns 1 on success, 0 on error.
    return all(mallopt(param, value) == 1 for param, value in settings)


def release_free_memory() -> bool:
    """Give the pages of freed heap blocks back to the OS (``malloc_trim(0)``; module doc).
    False where there is no glibc ``malloc_trim``. It blocks for a few milliseconds, so call it
    off the event loop."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    trim(0)  # returns whether pages were released; nothing to do with that here
    return True
