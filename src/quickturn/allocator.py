"""Keep a long-running process's memory flat: fixed glibc allocator thresholds.

A 30-minute soak (BENCHMARKS.md) saw resident memory climb in steps for ~17 minutes while the
Python heap, the object count and the threads stayed flat, and ``malloc_trim`` gave the growth
back: the allocator, not a leak. glibc raises its mmap threshold each time a large block (an
audio buffer, a Whisper feature matrix) is freed, up to 32 MiB, so later large blocks come from
heaps it keeps instead of mappings returned on free; each worker thread may also get an arena of
its own. Setting the thresholds explicitly turns the adjustment off (mallopt(3)): blocks from
256 KiB up are mapped and unmapped, freed heap tops above 1 MiB go back to the OS, and at most
two arenas exist (two cores). Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt(3) parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 256 * 1024
TRIM_THRESHOLD_BYTES = 1024 * 1024
ARENA_MAX = 2


def pin_malloc_thresholds() -> bool:
    """Fix glibc's mmap and trim thresholds and arena count for this process (module doc);
    False where there is no glibc ``mallopt`` or it refused a setting."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
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
