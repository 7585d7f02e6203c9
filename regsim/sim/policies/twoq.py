"""2Q (Johnson and Shasha, VLDB'94) as libCacheSim's ``TwoQ``: a FIFO ``Ain`` for new objects,
a ghost FIFO ``Aout`` remembering what ``Ain`` dropped, and an LRU ``Am`` for objects seen again."""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real
from typing import TYPE_CHECKING, Hashable, Iterator

from ..errors import InvalidParameter
from ._compiled import LINKED, KernelState, evict_tail, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["TwoQ"]

# where: 1 Ain, 2 Am, 3 Aout (a ghost: not cached); lists: Ain, Am, Aout
# st: 0 used, 1 Ain bytes, 2 Am bytes, 3 Aout bytes


@kernel
def twoq_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                nxt: Links, osize: Ints, where: Flags, in_cap: int, out_cap: int, main_cap: int) -> tuple[int, int]:
    used, in_used, main_used, out_used = st[0], st[1], st[2], st[3]
    ih, it, mh, mt, oh, ot = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if w == 1:
            if record:
                hits[i] = True
            continue
        if w == 2:
            if mh != x:
                mh, mt = unlink(prev, nxt, mh, mt, x)
                mh, mt = push(prev, nxt, mh, mt, x)
            if record:
                hits[i] = True
            continue
        ghost_hit = False
        if w == 3:
            oh, ot = unlink(prev, nxt, oh, ot, x)
            where[x] = 0
            out_used -= osize[x]
            ghost_hit = True
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > in_cap or s > cap:
            continue
        while used + s > cap:
            if in_used > in_cap:  # Ain's oldest leaves, remembered in Aout
                ih, it, t, ts = evict_tail(prev, nxt, ih, it, where, osize)
                in_used -= ts
                used -= ts
                if ts <= out_cap:
                    while out_used + ts > out_cap:
                        oh, ot, g, gs = evict_tail(prev, nxt, oh, ot, where, osize)
                        out_used -= gs
                    oh, ot = push(prev, nxt, oh, ot, t)
                    where[t] = 3
                    out_used += ts
            else:
                mh, mt, t, ts = evict_tail(prev, nxt, mh, mt, where, osize)
                main_used -= ts
                used -= ts
        if ghost_hit:  # into Am, which makes room by its own size
            if s <= main_cap:
                while main_used + s > main_cap:
                    mh, mt, t, ts = evict_tail(prev, nxt, mh, mt, where, osize)
                    main_used -= ts
                    used -= ts
                mh, mt = push(prev, nxt, mh, mt, x)
                where[x] = 2
                osize[x] = s
                main_used += s
                used += s
        else:
            ih, it = push(prev, nxt, ih, it, x)
            where[x] = 1
            osize[x] = s
            in_used += s
            used += s
    st[0], st[1], st[2], st[3] = used, in_used, main_used, out_used
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5] = ih, it, mh, mt, oh, ot
    return misses, missed


class TwoQState(KernelState):
    kernel = twoq_kernel
    queues = 3
    fields = LINKED

    def setup(self, policy: TwoQ) -> None:
        self.caps = (policy.in_capacity, policy.out_capacity, policy.main_capacity)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], *self.caps)


class TwoQ(Policy):
    """2Q as libCacheSim's ``TwoQ``: ``Ain`` (a FIFO of ``in_ratio`` of the bytes) takes new objects; what
    it drops is remembered in ``Aout`` (a ghost FIFO of ``out_ratio`` of the bytes, keys only); a
    request that finds its key in ``Aout`` is a miss that admits the object into ``Am``, an LRU of the
    other bytes, which makes room by evicting its own least recent objects. A hit in ``Ain`` changes
    nothing; in ``Am`` it moves the object to the front. To make room for a newcomer, ``Ain`` gives
    up its oldest while it holds more than its share, else ``Am`` its least recent. Objects larger
    than ``Ain`` are not admitted.
    """

    name = "twoq"
    libcachesim = "TwoQ"
    libcachesim_params = {"in_ratio": "a_in_size_ratio", "out_ratio": "a_out_size_ratio"}
    aliases = ("2Q",)
    State = TwoQState

    def __init__(self, capacity: int, in_ratio: float = 0.25, out_ratio: float = 0.5) -> None:
        super().__init__(capacity)
        for label, r in (("in_ratio", in_ratio), ("out_ratio", out_ratio)):
            if isinstance(r, bool) or not isinstance(r, Real) or not 0 <= r <= 1:
                raise InvalidParameter(f"{label} must be in [0, 1], got {r!r}")
        self.in_ratio, self.out_ratio = in_ratio, out_ratio
        self.in_capacity = int(self.capacity * in_ratio)
        self.out_capacity = int(self.capacity * out_ratio)
        self.main_capacity = self.capacity - self.in_capacity
        self._in: OrderedDict[Hashable, int] = OrderedDict()    # oldest first
        self._out: OrderedDict[Hashable, int] = OrderedDict()
        self._main: OrderedDict[Hashable, int] = OrderedDict()  # least recent first
        self._in_used = self._out_used = self._main_used = 0
        self._ghost_hit = False

    def can_admit(self, key: Hashable, size: int) -> bool:
        return size <= self.in_capacity and size <= self.capacity

    def lookup(self, key: Hashable) -> bool:
        self._ghost_hit = False
        if key in self._in:
            return True
        if key in self._out:
            self._out_used -= self._out.pop(key)
            self._ghost_hit = True
        if key in self._main:
            self._main.move_to_end(key)
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._ghost_hit:
            self._ghost_hit = False
            if size > self.main_capacity:
                return False
            while self._main_used + size > self.main_capacity:  # Am makes room by its own size
                _, freed = self._main.popitem(last=False)
                self._main_used -= freed
                self.used -= freed
            self._main[key] = size
            self._main_used += size
        else:
            self._in[key] = size
            self._in_used += size
        return True

    def evict(self) -> tuple[Hashable, int]:
        if self._in_used > self.in_capacity:
            key, size = self._in.popitem(last=False)
            self._in_used -= size
            if size <= self.out_capacity:
                while self._out_used + size > self.out_capacity:
                    self._out_used -= self._out.popitem(last=False)[1]
                self._out[key] = size
                self._out_used += size
            return key, size
        key, size = self._main.popitem(last=False)
        self._main_used -= size
        return key, size

    def _drop(self, key: Hashable) -> int | None:
        if key in self._in:
            size = self._in.pop(key)
            self._in_used -= size
            return size
        if key in self._main:
            size = self._main.pop(key)
            self._main_used -= size
            return size
        return None

    def __contains__(self, key: object) -> bool:
        return key in self._in or key in self._main

    def __len__(self) -> int:
        return len(self._in) + len(self._main)

    def __iter__(self) -> Iterator[Hashable]:
        yield from self._in
        yield from self._main
