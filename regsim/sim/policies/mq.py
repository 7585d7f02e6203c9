"""MQ, the Multi-Queue algorithm (Zhou, Philbin and Li, USENIX ATC'01), as libCacheSim's ``MQ``."""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real
from typing import TYPE_CHECKING, Hashable, Iterator

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import LINKED64, KernelState, evict_tail, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["MQ"]

INT32_MAX = 2**31 - 1

# where: queue + 1 for a cached object, nq + 1 for one remembered in Qout (not cached)
# lists: [head, tail] of queues 0..nq-1, then Qout; st: 0 used, 1 vtime, 2 Qout bytes,
# 3 hit on ghost, 4 its frequency, 5 its id


@kernel(inline=True)
def _queue_num(freq: int, nq: int) -> int:
    q = 0
    while freq > 1 and q < nq - 1:
        freq >>= 1
        q += 1
    return q


@kernel(inline=True)
def _adjust(lists: Ints, prev: Links, nxt: Links, where: Flags, expire: Ints, vtime: int, lifetime: int,
            nq: int) -> int:
    vtime += 1
    for k in range(1, nq):
        t = lists[2 * k + 1]
        if t >= 0 and expire[t] < vtime:
            lists[2 * k], lists[2 * k + 1] = unlink(prev, nxt, lists[2 * k], lists[2 * k + 1], t)
            lists[2 * k - 2], lists[2 * k - 1] = push(prev, nxt, lists[2 * k - 2], lists[2 * k - 1], t)
            where[t] = k
            expire[t] = vtime + lifetime
    return vtime


@kernel(refcounts=False)
def mq_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
              nxt: Links, osize: Ints, where: Flags, freq: Ints, expire: Ints, nq: int, lifetime: int,
              qout_cap: int) -> tuple[int, int]:
    used, vtime, qout_used, ghost, ghost_freq, ghost_id = st[0], st[1], st[2], st[3], st[4], st[5]
    g = 2 * nq
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if 0 < w <= nq:
            q = w - 1
            lists[2 * q], lists[2 * q + 1] = unlink(prev, nxt, lists[2 * q], lists[2 * q + 1], x)
            if freq[x] < 2147483647:
                freq[x] += 1
            q = _queue_num(freq[x], nq)
            lists[2 * q], lists[2 * q + 1] = push(prev, nxt, lists[2 * q], lists[2 * q + 1], x)
            where[x] = q + 1
            expire[x] = vtime + lifetime
            vtime = _adjust(lists, prev, nxt, where, expire, vtime, lifetime, nq)
            if record:
                hits[i] = True
            continue
        ghost = 0
        ghost_freq = 0
        ghost_id = -1
        if w == nq + 1:
            ghost = 1
            ghost_freq = freq[x]
            ghost_id = x
            lists[g], lists[g + 1] = unlink(prev, nxt, lists[g], lists[g + 1], x)
            where[x] = 0
            qout_used -= osize[x]
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap:
            continue
        while used + s > cap:
            for q in range(nq):  # the least recent object of the lowest non-empty queue
                if lists[2 * q + 1] >= 0:
                    break
            lists[2 * q], lists[2 * q + 1], t, ts = evict_tail(prev, nxt, lists[2 * q], lists[2 * q + 1], where,
                                                              osize)
            used -= ts
            if ts <= qout_cap:  # remembered in Qout with its frequency
                while qout_used + ts > qout_cap:
                    lists[g], lists[g + 1], o, os_ = evict_tail(prev, nxt, lists[g], lists[g + 1], where, osize)
                    qout_used -= os_
                lists[g], lists[g + 1] = push(prev, nxt, lists[g], lists[g + 1], t)
                where[t] = nq + 1
                qout_used += ts
        if ghost == 1 and ghost_id == x:
            f = ghost_freq
            if f < 2147483647:
                f += 1
        else:
            f = 1
        ghost = 0
        ghost_freq = 0
        ghost_id = -1
        freq[x] = f
        q = _queue_num(f, nq)
        lists[2 * q], lists[2 * q + 1] = push(prev, nxt, lists[2 * q], lists[2 * q + 1], x)
        where[x] = q + 1
        osize[x] = s
        used += s
        expire[x] = vtime + lifetime
        vtime = _adjust(lists, prev, nxt, where, expire, vtime, lifetime, nq)
    st[0], st[1], st[2], st[3], st[4], st[5] = used, vtime, qout_used, ghost, ghost_freq, ghost_id
    return misses, missed


class MQState(KernelState):
    kernel = mq_kernel
    fields = {**LINKED64, "freq": ("int64", 0), "expire": ("int64", 0)}

    def setup(self, policy: MQ) -> None:
        np = self.np
        self.nq = policy.queues
        self.lists = np.full(2 * (self.nq + 1), -1, dtype=np.int64)
        self.st[5] = -1
        self.params = (self.nq, policy.lifetime, policy.qout_capacity)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], a["freq"], a["expire"], *self.params)


class MQ(Policy):
    """MQ as libCacheSim's: ``queues`` LRU queues; an object requested ``f`` times lives in queue
    ``min(log2 f, queues - 1)``. Every hit and every admission advances a clock and gives the object
    ``lifetime`` ticks; after each, the least recent object of each queue above the first whose time
    has run out moves down one queue. To make room, the least recent object of the lowest non-empty
    queue is evicted and remembered, with its count, in Qout, a FIFO of ``qout_ratio`` x the bytes;
    an object admitted again while remembered there resumes its count.
    """

    name = "mq"
    libcachesim = "MQ"
    libcachesim_params = {"queues": "n_queue", "lifetime": "lifetime", "qout_ratio": "qout_size_ratio"}
    State = MQState

    def __init__(self, capacity: int, queues: int = 8, lifetime: int = 10_000, qout_ratio: float = 4.0) -> None:
        super().__init__(capacity)
        self.queues = check_int("queues", queues, minimum=1)
        if self.queues > 64:
            raise InvalidParameter(f"queues must be at most 64 (libCacheSim's limit), got {queues!r}")
        self.lifetime = check_int("lifetime", lifetime, minimum=0)
        if isinstance(qout_ratio, bool) or not isinstance(qout_ratio, Real) or qout_ratio < 0:
            raise InvalidParameter(f"qout_ratio must be a number >= 0, got {qout_ratio!r}")
        self.qout_ratio = qout_ratio
        self.qout_capacity: int = int(float(self.capacity) * qout_ratio)
        self._q: list[OrderedDict[Hashable, None]] = [OrderedDict() for _ in range(self.queues)]  # LRU end first
        self._where: dict[Hashable, int] = {}
        self._size: dict[Hashable, int] = {}
        self._freq: dict[Hashable, int] = {}
        self._expire: dict[Hashable, int] = {}
        self._qout: OrderedDict[Hashable, tuple[int, int]] = OrderedDict()  # key -> (size, freq), oldest first
        self._qout_used: int = 0
        self._vtime: int = 0
        self._ghost: tuple[Hashable, int] | None = None

    def _queue_num(self, freq: int) -> int:
        q = 0
        while freq > 1 and q < self.queues - 1:
            freq >>= 1
            q += 1
        return q

    def _link(self, key: Hashable, q: int) -> None:
        self._q[q][key] = None
        self._where[key] = q

    def _adjust(self) -> None:
        self._vtime += 1
        for k in range(1, self.queues):
            queue = self._q[k]
            if queue:
                key = next(iter(queue))
                if self._expire[key] < self._vtime:
                    del queue[key]
                    self._link(key, k - 1)
                    self._expire[key] = self._vtime + self.lifetime

    def lookup(self, key: Hashable) -> bool:
        q = self._where.get(key)
        if q is not None:
            del self._q[q][key]
            if self._freq[key] < INT32_MAX:
                self._freq[key] += 1
            self._link(key, self._queue_num(self._freq[key]))
            self._expire[key] = self._vtime + self.lifetime
            self._adjust()
            return True
        self._ghost = None
        remembered = self._qout.pop(key, None)
        if remembered is not None:
            self._qout_used -= remembered[0]
            self._ghost = (key, remembered[1])
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._ghost is not None and self._ghost[0] == key:
            f = min(self._ghost[1] + 1, INT32_MAX) if self._ghost[1] < INT32_MAX else INT32_MAX
        else:
            f = 1
        self._ghost = None
        self._freq[key] = f
        self._size[key] = size
        self._link(key, self._queue_num(f))
        self._expire[key] = self._vtime + self.lifetime
        self._adjust()
        return True

    def evict(self) -> tuple[Hashable, int]:
        q = next(q for q in range(self.queues) if self._q[q])
        key, _ = self._q[q].popitem(last=False)
        del self._where[key], self._expire[key]
        size = self._size.pop(key)
        freq = self._freq.pop(key)
        if size <= self.qout_capacity:
            while self._qout_used + size > self.qout_capacity:
                self._qout_used -= self._qout.popitem(last=False)[1][0]
            self._qout[key] = (size, freq)
            self._qout_used += size
        return key, size

    def _drop(self, key: Hashable) -> int | None:
        q = self._where.pop(key, None)
        if q is None:
            return None
        del self._q[q][key], self._expire[key], self._freq[key]
        return self._size.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._where)
