"""Fixed allocator thresholds: applied on glibc, harmless to call again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from quickturn.allocator import pin_malloc_thresholds

_SCRIPT = """
import ctypes, sys
from quickturn.allocator import pin_malloc_thresholds
if sys.argv[1] == "pinned":
    assert pin_malloc_thresholds()
    assert pin_malloc_thresholds()  # harmless to call again
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4
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
