"""S3-FIFO (Yang et al., SOSP'23) as libCacheSim implements it: small FIFO, main CLOCK, ghost FIFO."""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real
from typing import TYPE_CHECKING, ClassVar, Hashable, Iterator

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import LINKED, KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Kernel, Links

__all__ = ["S3FIFO"]

# where: 1 small, 2 main, 3 ghost (ghost entries are not cached)


@kernel
def s3fifo_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                  nxt: Links, osize: Ints, where: Flags, freq: Ints, small_cap: int, main_cap: int, ghost_cap: int,
                  move_to_main: int) -> tuple[int, int]:
    """st: used, small bytes, main bytes, ghost bytes, has evicted; lists: small, main, ghost."""
    used, small_used, main_used, ghost_used, has_evicted = st[0], st[1], st[2], st[3], st[4]
    sh, st_, mh, mt, gh, gt = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if w == 1 or w == 2:
            freq[x] += 1
            if record:
                hits[i] = True
            continue
        ghost_hit = False
        if w == 3:
            ghost_used -= osize[x]
            gh, gt = unlink(prev, nxt, gh, gt, x)
            where[x] = 0
            ghost_hit = True
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > small_cap or s > cap:
            continue
        while used + s > cap:
            has_evicted = 1
            from_main = main_used > main_cap or small_used == 0
            while not from_main:  # evict from the small queue
                t = st_
                sh, st_ = unlink(prev, nxt, sh, st_, t)
                ts = osize[t]
                small_used -= ts
                if freq[t] >= move_to_main:
                    mh, mt = push(prev, nxt, mh, mt, t)
                    where[t] = 2
                    main_used += ts
                    freq[t] = 0
                    if sh < 0:  # nothing left to evict in small: fall back to main
                        from_main = True
                    continue
                where[t] = 0
                used -= ts
                if ts <= ghost_cap:  # remember it in the ghost queue
                    while ghost_used + ts > ghost_cap:
                        g = gt
                        gh, gt = unlink(prev, nxt, gh, gt, g)
                        where[g] = 0
                        ghost_used -= osize[g]
                    gh, gt = push(prev, nxt, gh, gt, t)
                    where[t] = 3
                    ghost_used += ts
                break
            if from_main:
                while True:
                    t = mt
                    mh, mt = unlink(prev, nxt, mh, mt, t)
                    f = freq[t]
                    if f >= 1:
                        mh, mt = push(prev, nxt, mh, mt, t)
                        freq[t] = min(f, 3) - 1
                        continue
                    where[t] = 0
                    main_used -= osize[t]
                    used -= osize[t]
                    break
        if ghost_hit:
            mh, mt = push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        elif s >= small_cap:
            continue  # not stored (the evictions happened all the same, as in libCacheSim)
        elif has_evicted == 0 and small_used >= small_cap:
            mh, mt = push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        else:
            sh, st_ = push(prev, nxt, sh, st_, x)
            where[x] = 1
            small_used += s
        freq[x] = 0
        osize[x] = s
        used += s
    st[0], st[1], st[2], st[3], st[4] = used, small_used, main_used, ghost_used, has_evicted
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5] = sh, st_, mh, mt, gh, gt
    return misses, missed


class S3FIFOState(KernelState):
    kernel: ClassVar[Kernel[..., tuple[int, int]]] = s3fifo_kernel  # (Clock2QPlus's takes more arguments)
    queues = 3
    fields = {**LINKED, "freq": ("int64", 0)}
    #: the per-object arrays the kernel takes after ``where``
    arrays: tuple[str, ...] = ("freq",)

    def setup(self, policy: _SmallMainGhost) -> None:
        self.params: tuple[float, ...] = (policy.small_capacity, policy.main_capacity, policy.ghost_capacity,
                                          policy.move_to_main)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["prev"], a["nxt"],
                       a["osize"], a["where"], *[a[f] for f in self.arrays], *self.params)


class _SmallMainGhost(Policy):
    """The queues S3-FIFO and the policies derived from it share (not a policy itself).

    A small FIFO takes new objects, a main queue (a CLOCK over a FIFO) keeps objects seen again,
    a ghost FIFO remembers the keys the small FIFO dropped; a miss whose key is in the ghost goes
    straight to main. A subclass validates its parameters, calls :meth:`_queues` and says how a
    hit in the small queue counts, how the hand treats a counted object in main and when the
    small queue has nothing left to give.
    """

    small_ratio: float
    ghost_ratio: float
    move_to_main: int

    def _queues(self, small_ratio: float, ghost_ratio: float) -> None:
        self.small_ratio, self.ghost_ratio = small_ratio, ghost_ratio
        # libCacheSim's arithmetic: the bytes as a double, times the ratio, truncated
        self.small_capacity = int(self.capacity * small_ratio)
        self.main_capacity = self.capacity - self.small_capacity
        self.ghost_capacity = int(self.capacity * ghost_ratio)
        self._small: OrderedDict[Hashable, int] = OrderedDict()  # oldest first
        self._main: OrderedDict[Hashable, int] = OrderedDict()   # the hand at the oldest
        self._ghost: OrderedDict[Hashable, int] = OrderedDict()  # keys (and sizes) only
        self._freq: dict[Hashable, int] = {}
        self._small_used = self._main_used = self._ghost_used = 0
        self._hit_on_ghost = False
        self._has_evicted = False

    def can_admit(self, key: Hashable, size: int) -> bool:
        return size <= self.small_capacity

    def _count_small(self, key: Hashable) -> None:
        """A hit in the small queue."""
        self._freq[key] += 1

    def _enter_small(self, key: Hashable, size: int) -> None:
        self._small[key] = size
        self._small_used += size

    def _leave_small(self, key: Hashable) -> None:
        """``key`` left the small queue (its size and count are handled by the caller)."""

    def _small_left(self) -> bool:
        """Whether the small queue may still give an object up."""
        return bool(self._small)

    def _pass_main(self, count: int) -> int:
        """A main object's count after the hand passes it (it was at least one)."""
        return min(count, 3) - 1

    def lookup(self, key: Hashable) -> bool:
        self._hit_on_ghost = False
        if key in self._small:
            self._count_small(key)
            return True
        ghost = self._ghost
        if key in ghost:
            self._ghost_used -= ghost.pop(key)
            self._hit_on_ghost = True  # (then it is not in main either)
        if key in self._main:
            self._freq[key] += 1
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        if self._hit_on_ghost:
            self._hit_on_ghost = False
            self._main[key] = size
            self._main_used += size
        elif size >= self.small_capacity:
            return False
        elif not self._has_evicted and self._small_used >= self.small_capacity:
            self._main[key] = size
            self._main_used += size
        else:
            self._enter_small(key, size)
        self._freq[key] = 0
        return True

    def evict(self) -> tuple[Hashable, int]:
        self._has_evicted = True
        if self._main_used <= self.main_capacity and self._small_used > 0:
            evicted = self._evict_small()
            if evicted is not None:
                return evicted
        return self._evict_main()

    def _evict_small(self) -> tuple[Hashable, int] | None:
        """The small queue's oldest objects move to main while counted often enough; the first that
        is not leaves (remembered in the ghost). None if the small queue had nothing left to give."""
        small, freq = self._small, self._freq
        while self._small_left():
            key, size = small.popitem(last=False)
            self._small_used -= size
            self._leave_small(key)
            if freq[key] >= self.move_to_main:
                self._main[key] = size
                self._main_used += size
                freq[key] = 0
                continue
            del freq[key]
            self._remember(key, size)
            return key, size
        return None

    def _evict_main(self) -> tuple[Hashable, int]:
        main, freq = self._main, self._freq
        while True:
            key, size = main.popitem(last=False)
            f = freq[key]
            if f >= 1:
                main[key] = size
                freq[key] = self._pass_main(f)
                continue
            del freq[key]
            self._main_used -= size
            return key, size

    def _remember(self, key: Hashable, size: int) -> None:
        ghost = self._ghost
        if key in ghost or size > self.ghost_capacity:
            return
        while self._ghost_used + size > self.ghost_capacity:
            self._ghost_used -= ghost.popitem(last=False)[1]
        ghost[key] = size
        self._ghost_used += size

    def _drop(self, key: Hashable) -> int | None:
        if key in self._small:
            size = self._small.pop(key)
            self._small_used -= size
            self._leave_small(key)
        elif key in self._main:
            size = self._main.pop(key)
            self._main_used -= size
        else:
            return None
        del self._freq[key]
        return size

    def __contains__(self, key: object) -> bool:
        return key in self._small or key in self._main

    def __len__(self) -> int:
        return len(self._small) + len(self._main)

    def __iter__(self) -> Iterator[Hashable]:
        yield from self._small
        yield from self._main


class S3FIFO(_SmallMainGhost):
    """S3-FIFO (Yang et al., SOSP'23) as libCacheSim implements it.

    A small FIFO (``small_ratio`` of the bytes) takes new objects, a main FIFO with a 2-bit
    CLOCK counter keeps objects seen again, and a ghost FIFO (``ghost_ratio`` of the bytes, keys
    only) remembers what the small FIFO dropped. Objects larger than the small FIFO are not
    admitted. Until the first eviction, new objects go to main once the small FIFO is full.
    """

    name = "s3fifo"
    libcachesim = "S3FIFO"
    libcachesim_params = {"small_ratio": "small_size_ratio", "ghost_ratio": "ghost_size_ratio", "move_to_main": "move_to_main_threshold"}
    aliases = ("S3-FIFO",)
    State = S3FIFOState

    def __init__(self, capacity: int, small_ratio: float = 0.1, ghost_ratio: float = 0.9,
                 move_to_main: int = 2) -> None:
        super().__init__(capacity)
        for label, r in (("small_ratio", small_ratio), ("ghost_ratio", ghost_ratio)):
            if isinstance(r, bool) or not isinstance(r, Real) or not 0 <= r <= 1:
                raise InvalidParameter(f"{label} must be in [0, 1], got {r!r}")
        self._queues(small_ratio, ghost_ratio)
        self.move_to_main = check_int("move_to_main", move_to_main, minimum=1)

    def can_admit(self, key: Hashable, size: int) -> bool:
        return size <= self.small_capacity and size <= self.capacity
