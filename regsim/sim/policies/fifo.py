"""FIFO, first in first out: hits change nothing; evict the oldest insertion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._compiled import KernelState, kernel, queue_replay
from .base import QueuePolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["FIFO"]


@kernel
def fifo_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                nxt: Links, osize: Ints, where: Flags) -> tuple[int, int]:
    """Hits change nothing; evict the oldest insertion (the loop is _compiled.queue_replay)."""
    return queue_replay(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, False)


class FIFOState(KernelState):
    kernel = fifo_kernel

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"])


class FIFO(QueuePolicy):
    """First in, first out: hits change nothing; evict the oldest insertion."""

    name = "fifo"
    libcachesim = "FIFO"
    State = FIFOState
