"""Fixed-width text tables for the benchmarks' terminal output (and the HTML reports' <pre>)."""

from __future__ import annotations

from collections.abc import Container, Sequence


def text_table(rows: Sequence[Sequence[str]], *, left: Container[int] = (0,)) -> list[str]:
    """``rows[0]`` is the header; columns in ``left`` are left-aligned, the rest right-aligned
    (numbers). A rule of dashes follows the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(c.ljust(w) if i in left else c.rjust(w)
                  for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        for r in rows
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return lines
