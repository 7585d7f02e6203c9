"""CLOCK: FIFO with reinsertion ("second chance"), with an ``bits``-bit access counter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable, Sequence

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import LINKED, KernelState, evict_tail, kernel, push, unlink
from .base import QueuePolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["Clock"]


@kernel
def clock_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                 nxt: Links, osize: Ints, where: Flags, freq: Ints, top: int) -> tuple[int, int]:
    used, head, tail = st[0], lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if freq[x] < top:
                freq[x] += 1
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = tail
                if freq[t]:
                    head, tail = unlink(prev, nxt, head, tail, t)
                    freq[t] -= 1
                    head, tail = push(prev, nxt, head, tail, t)
                else:
                    head, tail, t, ts = evict_tail(prev, nxt, head, tail, where, osize)
                    used -= ts
            head, tail = push(prev, nxt, head, tail, x)
            where[x] = 1
            freq[x] = 0
            osize[x] = s
            used += s
    st[0], lists[0], lists[1] = used, head, tail
    return misses, missed


class ClockState(KernelState):
    kernel = clock_kernel
    fields = {**LINKED, "freq": ("int64", 0)}

    def setup(self, policy: Clock) -> None:
        self.top = (1 << policy.bits) - 1

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], a["freq"], self.top)


class Clock(QueuePolicy):
    """CLOCK (FIFO with reinsertion, "second chance") with an ``bits``-bit access counter.

    A hit raises the counter (up to ``2**bits - 1``); eviction looks at the oldest object: if
    its counter is positive it is decremented and the object goes back to the front.
    """

    name = "clock"
    libcachesim = "Clock"
    libcachesim_params = {"bits": "n_bit_counter"}
    State = ClockState

    def __init__(self, capacity: int, bits: int = 1) -> None:
        super().__init__(capacity)
        self.bits = check_int("bits", bits, minimum=1)
        if self.bits > 62:
            raise InvalidParameter(f"bits must be at most 62, got {bits!r}")
        self._max = (1 << self.bits) - 1
        self._freq: dict[Hashable, int] = {}

    def lookup(self, key: Hashable) -> bool:
        freq = self._freq
        f = freq.get(key)
        if f is None:
            return False
        if f < self._max:
            freq[key] = f + 1
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        self._queue[key] = size
        self._freq[key] = 0
        return True

    def evict(self) -> tuple[Hashable, int]:
        queue, freq = self._queue, self._freq
        while True:
            key, size = queue.popitem(last=False)
            f = freq[key]
            if f:
                freq[key] = f - 1
                queue[key] = size
            else:
                del freq[key]
                return key, size

    def _drop(self, key: Hashable) -> int | None:
        self._freq.pop(key, None)
        return self._queue.pop(key, None)

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        queue, freq = self._queue, self._freq
        pop, get = queue.popitem, freq.get
        cap, used, top = self.capacity, self.used, self._max
        misses = missed = 0
        for k, s in zip(keys, sizes):
            f = get(k)
            if f is not None:
                if f < top:
                    freq[k] = f + 1
                continue
            misses += 1
            missed += s
            if s <= cap:
                used += s
                while used > cap:
                    v, vs = pop(False)
                    f = freq[v]
                    if f:
                        freq[v] = f - 1
                        queue[v] = vs
                    else:
                        del freq[v]
                        used -= vs
                queue[k] = s
                freq[k] = 0
        self.used = used
        return misses, missed
