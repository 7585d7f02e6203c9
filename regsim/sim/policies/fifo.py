"""FIFO, first in first out: hits change nothing; evict the oldest insertion."""

from __future__ import annotations

from ._compiled import KernelState, kernel, queue_replay
from .base import QueuePolicy

__all__ = ["FIFO"]


@kernel
def fifo_kernel(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where):
    """Hits change nothing; evict the oldest insertion (the loop is _compiled.queue_replay)."""
    return queue_replay(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, False)


class FIFOState(KernelState):
    kernel = fifo_kernel

    def run(self, ids, sizes, hits, record):
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"])


class FIFO(QueuePolicy):
    """First in, first out: hits change nothing; evict the oldest insertion."""

    name = "fifo"
    libcachesim = "FIFO"
    State = FIFOState
