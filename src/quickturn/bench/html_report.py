"""One small HTML page for every benchmark: metadata, text tables, and the PNG charts inlined.

The PNG files stay next to the page as well (to paste into an issue or a slide); inlining them as
base64 makes ``report.html`` readable on its own, with no network and no scripts.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any


def _meta_rows(meta: Mapping[str, Any]) -> str:
    return "".join(
        f"<tr><th>{escape(str(k))}</th>"
        f"<td>{escape(v if isinstance(v, str) else json.dumps(v))}</td></tr>"
        for k, v in meta.items()
    )


def render_page(
    title: str,
    meta: Mapping[str, Any],
    tables: Sequence[tuple[str, str]],
    charts: Sequence[Path],
) -> str:
    """``tables``: (heading, preformatted text); ``charts``: PNG files, inlined in order."""
    parts = [f"<h2>{escape(h)}</h2><pre>{escape(t)}</pre>" for h, t in tables]
    figures = "".join(
        f"<figure><img alt='{escape(p.stem)}' src='data:image/png;base64,"
        f"{base64.b64encode(p.read_bytes()).decode('ascii')}'>"
        f"<figcaption>{escape(p.name)}</figcaption></figure>"
        for p in charts
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:24px;max-width:1400px}"
        "figure{display:inline-block;margin:6px}img{max-width:100%}"
        "pre{background:#f6f6f6;padding:12px;overflow-x:auto}"
        "th{text-align:left;padding-right:12px}</style></head><body>"
        f"<h1>{escape(title)}</h1><table>{_meta_rows(meta)}</table>"
        + "".join(parts)
        + f"<h2>Charts</h2>{figures}</body></html>"
    )


def write_page(path: Path, *args: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(*args), encoding="utf-8")
    return path


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write JSON via a ``.partial`` file, so a reader never sees half a file; NaN is refused
    (it would make the file unreadable to strict parsers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".partial")
    tmp.write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
    tmp.replace(path)
    return path
