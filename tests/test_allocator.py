"""Fixed allocator thresholds: applied on glibc, harmless to call again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from quickturn.allocator import pin_malloc_thresholds

# Shared by the child processes below: raw malloc/free, and this process's resident memory.
_LIBC = """
import ctypes, sys
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4
"""

_SCRIPT = _LIBC + """
from quickturn.allocator import pin_malloc_thresholds
if sys.argv[1] == "pinned":
    assert pin_malloc_thresholds()
    assert pin_malloc_thresholds()  # harmless to call again
before = rss_kib()
for _ in range(3):  # an 8 MiB buffer allocated, filled and freed, as audio buffers are
    p = libc.malloc(8 * 1024 * 1024)
    ctypes.memset(p, 1, 8 * 1024 * 1024)
    libc.free(p)
print(rss_kib() - before)
"""


def _kept_kib(mode: str) -> int:
    # In a child process: mallopt changes the whole process's allocator.
    out = subprocess.run([sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True,
                         check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc behaviour")
def test_a_freed_large_buffer_goes_back_to_the_os_only_with_pinned_thresholds() -> None:
    # glibc alone raises its mmap threshold at the first free and keeps the buffer after it.
    assert _kept_kib("default") >= 4 * 1024
    assert _kept_kib("pinned") < 1024


def test_it_never_raises_here() -> None:
    assert isinstance(pin_malloc_thresholds(), bool)


_TRIM_SCRIPT = _LIBC + """
from quickturn.allocator import pin_malloc_thresholds, release_free_memory
assert pin_malloc_thresholds()
# 64 MiB in 64 KiB blocks (below the mmap threshold: heap memory), then one live block above
# them, so the freed ones sit below the heap's top, where no automatic trim reaches them.
blocks = [libc.malloc(64 * 1024) for _ in range(1024)]
for p in blocks:
    ctypes.memset(p, 1, 64 * 1024)
sentinel = libc.malloc(64 * 1024)  # large: not from a free chunk elsewhere
for p in blocks:
    libc.free(p)
kept = rss_kib()
assert release_free_memory()
print(kept - rss_kib())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc behaviour")
def test_release_free_memory_hands_back_freed_heap_blocks_below_the_top() -> None:
    out = subprocess.run([sys.executable, "-c", _TRIM_SCRIPT], capture_output=True, text=True,
                         check=True)
    assert int(out.stdout.strip()) > 48 * 1024
