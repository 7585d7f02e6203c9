"""What docker-like commands print: :class:`Output` (lines) and :class:`Table` (columns)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

__all__ = ["Output", "Table"]


@dataclass(frozen=True)
class Output:
    """What a command printed (``lines``); ``str()`` gives the whole text."""

    lines: tuple[str, ...] = field(repr=False)

    def __str__(self) -> str:
        return "\n".join(self.lines)


class Table(Output):
    """A table printed like the docker CLI prints one (columns padded, three spaces apart)."""

    def __init__(self, columns: tuple[str, ...], rows: Sequence[Sequence[str]]) -> None:
        self.columns = columns
        self.rows = [tuple(r) for r in rows]
        widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
        lines = ["   ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in [columns, *rows]]
        super().__init__(tuple(lines))

    def __repr__(self) -> str:
        return str(self)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, str]]:  # rows as dicts
        return iter(dict(zip(self.columns, r)) for r in self.rows)
