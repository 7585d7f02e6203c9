"""ARC, adaptive replacement (Megiddo and Modha, FAST'03), with byte sizes as libCacheSim."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable, Iterator

from ._compiled import LINKED64, KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Floats, Ints, Links

__all__ = ["ARC"]

# where: 1 T1, 2 T2, 3 B1, 4 B2 (ghosts are not cached); lists: T1, T2, B1, B2
# st: 0 used, 1 T1 bytes, 2 T2 bytes, 3 B1 bytes, 4 B2 bytes, 5 last ghost hit from B1, 6 from B2


@kernel(inline=True)
def _c_div_k(a: float, b: float) -> float:
    if b != 0:
        return a / b
    if a > 0:
        return math.inf
    return math.nan


@kernel(refcounts=False)
def arc_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, fst: Floats, lists: Ints,
               prev: Links, nxt: Links, osize: Ints, where: Flags) -> tuple[int, int]:
    p = fst[0]
    used, t1b, t2b, b1b, b2b, from_b1, from_b2 = st[0], st[1], st[2], st[3], st[4], st[5], st[6]
    h1, e1, h2, e2, g1h, g1t, g2h, g2t = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6], lists[7]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        ghost_hit = False
        if w == 1:
            from_b1 = 0
            from_b2 = 0
            h1, e1 = unlink(prev, nxt, h1, e1, x)
            h2, e2 = push(prev, nxt, h2, e2, x)
            where[x] = 2
            t1b -= osize[x]
            t2b += osize[x]
        elif w == 2:
            from_b1 = 0
            from_b2 = 0
            if h2 != x:
                h2, e2 = unlink(prev, nxt, h2, e2, x)
                h2, e2 = push(prev, nxt, h2, e2, x)
        elif w == 3:
            from_b1 = 1
            from_b2 = 0
            ghost_hit = True
            delta = _c_div_k(b2b, b1b)
            if not delta > 1.0:
                delta = 1.0
            grown = p + delta
            p = grown if grown < cap else float(cap)
            b1b -= osize[x]
            g1h, g1t = unlink(prev, nxt, g1h, g1t, x)
            where[x] = 0
        elif w == 4:
            from_b1 = 0
            from_b2 = 1
            ghost_hit = True
            delta = _c_div_k(b1b, b2b)
            if not delta > 1.0:
                delta = 1.0
            shrunk = p - delta
            p = shrunk if shrunk > 0.0 else 0.0
            b2b -= osize[x]
            g2h, g2t = unlink(prev, nxt, g2h, g2t, x)
            where[x] = 0
        if w == 1 or w == 2:
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap:
            continue
        while used + s > cap:
            replace = True
            if not ghost_hit:
                if t1b + b1b + s > cap:
                    if b1b > 0:  # forget B1's oldest, then replace
                        g = g1t
                        g1h, g1t = unlink(prev, nxt, g1h, g1t, g)
                        where[g] = 0
                        b1b -= osize[g]
                    else:  # T1 alone is too big: evict its oldest, no ghost
                        t = e1
                        h1, e1 = unlink(prev, nxt, h1, e1, t)
                        where[t] = 0
                        t1b -= osize[t]
                        used -= osize[t]
                        replace = False
                elif t1b + b1b + t2b + b2b >= 2 * cap and b2b > 0:  # forget B2's oldest
                    g = g2t
                    g2h, g2t = unlink(prev, nxt, g2h, g2t, g)
                    where[g] = 0
                    b2b -= osize[g]
            if replace:  # the paper's REPLACE: T1's or T2's oldest goes to its ghost list
                if (t1b > 0 and (t1b > p or (t1b == p and from_b2 != 0))) or t2b == 0:
                    t = e1
                    h1, e1 = unlink(prev, nxt, h1, e1, t)
                    g1h, g1t = push(prev, nxt, g1h, g1t, t)
                    where[t] = 3
                    t1b -= osize[t]
                    b1b += osize[t]
                else:
                    t = e2
                    h2, e2 = unlink(prev, nxt, h2, e2, t)
                    g2h, g2t = push(prev, nxt, g2h, g2t, t)
                    where[t] = 4
                    t2b -= osize[t]
                    b2b += osize[t]
                used -= osize[t]
        if ghost_hit:
            h2, e2 = push(prev, nxt, h2, e2, x)
            where[x] = 2
            t2b += s
            from_b1 = 0
            from_b2 = 0
        else:
            h1, e1 = push(prev, nxt, h1, e1, x)
            where[x] = 1
            t1b += s
        osize[x] = s
        used += s
    fst[0] = p
    st[0], st[1], st[2], st[3], st[4], st[5], st[6] = used, t1b, t2b, b1b, b2b, from_b1, from_b2
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6], lists[7] = h1, e1, h2, e2, g1h, g1t, g2h, g2t
    return misses, missed


class ARCState(KernelState):
    kernel = arc_kernel
    queues = 4
    fields = LINKED64

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.fst, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"])


def _c_max(a: float, b: float) -> float:
    """C's ``MAX(a, b)`` macro (``a > b ? a : b``): NaN loses, as in libCacheSim."""
    return a if a > b else b


def _c_div(a: int, b: int) -> float:
    """``(double)a / b`` as C computes it: x/0 is inf, 0/0 is NaN."""
    if b:
        return a / b
    return math.inf if a > 0 else math.nan


class ARC(Policy):
    """ARC, adaptive replacement (Megiddo and Modha, FAST'03), with byte sizes as libCacheSim.

    Two LRU lists of cached objects, ``T1`` (seen once) and ``T2`` (seen again), and two ghost
    lists of keys recently evicted from them, ``B1`` and ``B2``, each counted in bytes. A hit in
    ``T1`` or ``T2`` moves the object to the front of ``T2``. A request that finds its key in a
    ghost list is a miss that adapts the target ``p`` for ``T1``'s bytes (up after a ``B1`` hit,
    down after a ``B2`` hit, by ``max(other ghost / this ghost, 1)``) and admits the object
    straight into ``T2``. Eviction follows libCacheSim's ``ARC.c`` step for step, including its
    rules for variable sizes (the ghost lists are trimmed by bytes, not by count) and the flag
    that remembers which ghost list the last ghost hit came from.
    """

    name = "arc"
    libcachesim = "ARC"
    State = ARCState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        # key -> size, least recently used first (libCacheSim's tail is our first item)
        self._t1: OrderedDict[Hashable, int] = OrderedDict()
        self._t2: OrderedDict[Hashable, int] = OrderedDict()
        self._b1: OrderedDict[Hashable, int] = OrderedDict()
        self._b2: OrderedDict[Hashable, int] = OrderedDict()
        self._t1_bytes = self._t2_bytes = self._b1_bytes = self._b2_bytes = 0
        self.p = 0.0                 #: target bytes for T1
        self._from_b1 = False        # which ghost list the last ghost hit came from
        self._from_b2 = False        # (kept across requests, as libCacheSim keeps them)
        self._ghost_hit = False      # this request hit a ghost
        self._incoming = 0           # size of the object being admitted

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; ARC's eviction also looks at the incoming object's size."""
        self._incoming = size
        return super().request(key, size)

    def lookup(self, key: Hashable) -> bool:
        self._ghost_hit = False
        if key in self._t1:
            self._from_b1 = self._from_b2 = False
            size = self._t1.pop(key)
            self._t1_bytes -= size
            self._t2[key] = size
            self._t2_bytes += size
            return True
        if key in self._t2:
            self._from_b1 = self._from_b2 = False
            self._t2.move_to_end(key)
            return True
        if key in self._b1:
            self._from_b1, self._from_b2, self._ghost_hit = True, False, True
            delta = _c_max(_c_div(self._b2_bytes, self._b1_bytes), 1.0)
            grown = self.p + delta
            self.p = grown if grown < self.capacity else float(self.capacity)
            self._b1_bytes -= self._b1.pop(key)
        elif key in self._b2:
            self._from_b1, self._from_b2, self._ghost_hit = False, True, True
            delta = _c_max(_c_div(self._b1_bytes, self._b2_bytes), 1.0)
            self.p = _c_max(self.p - delta, 0.0)
            self._b2_bytes -= self._b2.pop(key)
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._ghost_hit:
            self._t2[key] = size
            self._t2_bytes += size
            self._from_b1 = self._from_b2 = self._ghost_hit = False
        else:
            self._t1[key] = size
            self._t1_bytes += size
        return True

    def evict(self) -> tuple[Hashable, int]:
        if self._ghost_hit:
            return self._replace()
        t1, b1 = self._t1_bytes, self._b1_bytes
        if t1 + b1 + self._incoming > self.capacity:
            if b1 > 0:  # T1 and B1 hold a cache's worth: forget B1's oldest, then replace
                self._b1_bytes -= self._b1.popitem(last=False)[1]
                return self._replace()
            key, size = self._t1.popitem(last=False)  # T1 alone is too big: evict, no ghost
            self._t1_bytes -= size
            return key, size
        if t1 + b1 + self._t2_bytes + self._b2_bytes >= 2 * self.capacity and self._b2_bytes > 0:
            self._b2_bytes -= self._b2.popitem(last=False)[1]
        return self._replace()

    def _replace(self) -> tuple[Hashable, int]:
        """The paper's REPLACE: evict T1's or T2's least recent object into its ghost list."""
        t1 = self._t1_bytes
        if (t1 > 0 and (t1 > self.p or (t1 == self.p and self._from_b2))) or self._t2_bytes == 0:
            key, size = self._t1.popitem(last=False)
            self._t1_bytes -= size
            self._b1[key] = size
            self._b1_bytes += size
        else:
            key, size = self._t2.popitem(last=False)
            self._t2_bytes -= size
            self._b2[key] = size
            self._b2_bytes += size
        return key, size

    def _drop(self, key: Hashable) -> int | None:
        for queue, attr in ((self._t1, "_t1_bytes"), (self._t2, "_t2_bytes")):
            size = queue.pop(key, None)
            if size is not None:
                setattr(self, attr, getattr(self, attr) - size)
                return size
        return None

    def __contains__(self, key: object) -> bool:
        return key in self._t1 or key in self._t2

    def __len__(self) -> int:
        return len(self._t1) + len(self._t2)

    def __iter__(self) -> Iterator[Hashable]:
        yield from self._t1
        yield from self._t2
