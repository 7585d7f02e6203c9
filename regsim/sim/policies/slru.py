"""Segmented LRU as libCacheSim's ``SLRU``: ``segments`` LRU queues of equal bytes; a hit moves an
object up one segment, and each overfull segment pushes its least recent object down one."""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable, Iterator

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import LINKED64, KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["SLRU"]

# where: segment + 1; lists: [head, tail] per segment; seg_bytes, seg_max: bytes per segment


@kernel(inline=True)
def _evict_lowest(prev: Links, nxt: Links, lists: Ints, where: Flags, osize: Ints, seg_bytes: Ints, nseg: int) -> int:
    """libCacheSim's SLRU_evict: the least recent object of the lowest segment holding bytes."""
    for j in range(nseg):
        if seg_bytes[j] > 0:
            t = lists[2 * j + 1]
            lists[2 * j], lists[2 * j + 1] = unlink(prev, nxt, lists[2 * j], lists[2 * j + 1], t)
            where[t] = 0
            seg_bytes[j] -= osize[t]
            return osize[t]  # type: ignore[no-any-return]  # a numpy int64 (Any in the stubs)
    return 0


@kernel(refcounts=False)
def slru_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                nxt: Links, osize: Ints, where: Flags, seg_bytes: Ints, seg_max: Ints, nseg: int) -> tuple[int, int]:
    used = st[0]
    top = nseg - 1
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if w:
            j = w - 1
            lists[2 * j], lists[2 * j + 1] = unlink(prev, nxt, lists[2 * j], lists[2 * j + 1], x)
            if j < top:  # up one segment
                seg_bytes[j] -= osize[x]
                j += 1
                seg_bytes[j] += osize[x]
                where[x] = j + 1
            lists[2 * j], lists[2 * j + 1] = push(prev, nxt, lists[2 * j], lists[2 * j + 1], x)
            # cool down: each overfull segment passes its least recent object down (from segment 0, evicted),
            # lower segments first, as libCacheSim's recursive SLRU_cool
            level = j
            while True:
                if seg_bytes[level] > seg_max[level]:
                    if level == 0:
                        used -= _evict_lowest(prev, nxt, lists, where, osize, seg_bytes, nseg)
                    else:
                        t = lists[2 * level + 1]
                        lists[2 * level], lists[2 * level + 1] = unlink(prev, nxt, lists[2 * level],
                                                                        lists[2 * level + 1], t)
                        lists[2 * level - 2], lists[2 * level - 1] = push(prev, nxt, lists[2 * level - 2],
                                                                          lists[2 * level - 1], t)
                        where[t] = level
                        seg_bytes[level] -= osize[t]
                        seg_bytes[level - 1] += osize[t]
                        level -= 1
                elif level == j:
                    break
                else:
                    level += 1
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap or s > seg_max[0]:
            continue
        while used + s > cap:
            used -= _evict_lowest(prev, nxt, lists, where, osize, seg_bytes, nseg)
        j = 0
        while j < nseg and seg_bytes[j] + s > seg_max[j]:
            j += 1
        if j == nseg:
            j = 0
        lists[2 * j], lists[2 * j + 1] = push(prev, nxt, lists[2 * j], lists[2 * j + 1], x)
        where[x] = j + 1
        seg_bytes[j] += s
        osize[x] = s
        used += s
    st[0] = used
    return misses, missed


class SLRUState(KernelState):
    kernel = slru_kernel
    fields = LINKED64

    def setup(self, policy: SLRU) -> None:
        np = self.np
        self.nseg = policy.segments
        self.lists = np.full(2 * self.nseg, -1, dtype=np.int64)
        self.seg_bytes = np.zeros(self.nseg, dtype=np.int64)
        self.seg_max = np.full(self.nseg, policy.segment_capacity, dtype=np.int64)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], self.seg_bytes, self.seg_max, self.nseg)


class SLRU(Policy):
    """Segmented LRU as libCacheSim's ``SLRU``: ``segments`` LRU queues of ``capacity // segments``
    bytes each, segment 0 the lowest.

    A newcomer enters the lowest segment with room for it (segment 0 when none has). A hit in the
    top segment moves the object to its front; lower, it moves up one segment, and a segment that is
    now over its bytes passes its least recent object down one (segment 0 evicts it), lower segments
    settled first. To make room, the least recent object of the lowest segment holding bytes is
    evicted. Objects larger than one segment are not admitted.
    """

    name = "slru"
    libcachesim = "SLRU"
    State = SLRUState

    def __init__(self, capacity: int, segments: int = 4) -> None:
        super().__init__(capacity)
        self.segments = check_int("segments", segments, minimum=1)
        if self.segments > 16:
            raise InvalidParameter(f"segments must be at most 16 (libCacheSim's limit), got {segments!r}")
        self.segment_capacity = self.capacity // self.segments
        self._segs: list[OrderedDict[Hashable, None]] = [OrderedDict() for _ in range(self.segments)]
        self._bytes = [0] * self.segments
        self._where: dict[Hashable, int] = {}
        self._size: dict[Hashable, int] = {}

    def can_admit(self, key: Hashable, size: int) -> bool:
        return size <= self.capacity and size <= self.segment_capacity

    def lookup(self, key: Hashable) -> bool:
        j = self._where.get(key)
        if j is None:
            return False
        if j == self.segments - 1:
            self._segs[j].move_to_end(key)
            return True
        size = self._size[key]
        del self._segs[j][key]
        self._bytes[j] -= size
        self._segs[j + 1][key] = None
        self._bytes[j + 1] += size
        self._where[key] = j + 1
        while self._bytes[j + 1] > self.segment_capacity:
            self._cool(j + 1)
        return True

    def _cool(self, j: int) -> None:
        """Segment ``j`` passes its least recent object down (segment 0 evicts)."""
        if j == 0:
            self.used -= self._evict_lowest()[1]
            return
        key, _ = self._segs[j].popitem(last=False)
        size = self._size[key]
        self._bytes[j] -= size
        self._segs[j - 1][key] = None
        self._bytes[j - 1] += size
        self._where[key] = j - 1
        while self._bytes[j - 1] > self.segment_capacity:
            self._cool(j - 1)

    def admit(self, key: Hashable, size: int) -> bool:
        j = next((j for j in range(self.segments) if self._bytes[j] + size <= self.segment_capacity), 0)
        self._segs[j][key] = None
        self._bytes[j] += size
        self._where[key] = j
        self._size[key] = size
        return True

    def _evict_lowest(self) -> tuple[Hashable, int]:
        j = next(j for j in range(self.segments) if self._bytes[j] > 0)
        key, _ = self._segs[j].popitem(last=False)
        del self._where[key]
        size = self._size.pop(key)
        self._bytes[j] -= size
        return key, size

    def evict(self) -> tuple[Hashable, int]:
        return self._evict_lowest()

    def _drop(self, key: Hashable) -> int | None:
        j = self._where.pop(key, None)
        if j is None:
            return None
        del self._segs[j][key]
        size = self._size.pop(key)
        self._bytes[j] -= size
        return size

    def __contains__(self, key: object) -> bool:
        return key in self._where

    def __len__(self) -> int:
        return len(self._where)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._where)
