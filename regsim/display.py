"""Rich notebook display: small, escaped HTML tables, the helpers every model object's
``_repr_html_`` uses.

A leaf module: it imports nothing of regsim but :mod:`regsim.units`, so any module may use it.
Each type renders itself (its ``_repr_html_`` calls :func:`table`); :func:`to_html` asks an
object for its own HTML. The HTML is cheap (no drawing), deterministic (no ids, no times),
escaped, uses inline styles only and no scripts, so it renders the same in JupyterLab, VS Code,
Voilà and nbval's comparisons.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from .units import human_size

__all__ = ["to_html", "table", "some", "bytes_cell", "descriptor_rows", "MAX_ROWS"]

_TABLE = "border-collapse:collapse;font-family:monospace;font-size:12px;margin:2px 0"
_TH = "text-align:left;padding:2px 8px;border-bottom:1px solid #888;background:#f4f4f4"
_TD = "text-align:left;padding:2px 8px;border-bottom:1px solid #ddd;vertical-align:top"
_CAPTION = "text-align:left;font-weight:bold;padding:2px 0;font-family:sans-serif"
MAX_ROWS = 40
MAX_LIST = 8  # items shown in one cell (tags of a repository, swept digests)


def table(rows: Iterable[Iterable[Any]], *, header: Iterable[str] | None = None, caption: str | None = None,
          max_rows: int = MAX_ROWS) -> str:
    """An HTML table of escaped cells; long tables are cut at ``max_rows`` with a count."""
    cells = [list(r) for r in rows]
    out = [f'<table style="{_TABLE}">']
    if caption:
        out.append(f'<caption style="{_CAPTION}">{escape(caption)}</caption>')
    if header:
        out.append("<tr>" + "".join(f'<th style="{_TH}">{escape(str(h))}</th>' for h in header) + "</tr>")
    for row in cells[:max_rows]:
        out.append("<tr>" + "".join(f'<td style="{_TD}">{escape(str(c))}</td>' for c in row) + "</tr>")
    if len(cells) > max_rows:
        width = len(cells[0]) if cells else 1
        out.append(f'<tr><td style="{_TD}" colspan="{width}">… {len(cells) - max_rows} more rows</td></tr>')
    out.append("</table>")
    return "".join(out)


def descriptor_rows(descs: Iterable[Any]) -> list[list[str]]:
    """Rows ``type, digest, size, platform`` of OCI descriptors."""
    return [[d.media_type.rsplit(".", 1)[-1] if "." in d.media_type else d.media_type, d.digest.short,
             human_size(d.size), str(d.platform) if d.platform else ""] for d in descs]


def some(items: list[str], limit: int = MAX_LIST) -> str:
    """``a, b, c … +12 more``: long lists stay one readable cell."""
    if not items:
        return "—"
    more = f" … +{len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def bytes_cell(n: int) -> str:
    """A byte count both readable and exact, for a table cell.

    >>> bytes_cell(1536)
    '1.54kB (1536 B)'
    """
    return f"{human_size(n)} ({n} B)"


def to_html(obj: Any) -> str:
    """The object's own HTML (its ``_repr_html_``), or its escaped ``repr``."""
    render = getattr(obj, "_repr_html_", None)
    if callable(render):
        html: str = render()
        return html
    return f"<pre>{escape(repr(obj))}</pre>"
