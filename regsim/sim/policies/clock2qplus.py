"""Clock2QPlus as libCacheSim 0.3.5 implements it: a small FIFO with a correlation window in front
of a main CLOCK, and a ghost FIFO of keys the small FIFO dropped."""

from __future__ import annotations

import math
from numbers import Real
from typing import TYPE_CHECKING, Hashable

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import LINKED, kernel, push, unlink
from .s3fifo import S3FIFOState, _SmallMainGhost

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["Clock2QPlus"]

# where: 1 small FIFO, 2 main CLOCK, 3 ghost (a key only: not cached); lists: small, main, ghost
# st: 0 used, 1 small bytes, 2 main bytes, 3 ghost bytes, 4 has evicted, 5 objects admitted to small
# freq: the counter (small: hits outside the window; main: hits since its last pass of the hand);
# admitted: when an object entered small, counted in objects admitted to small


@kernel
def clock2qplus_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints,
                       prev: Links, nxt: Links, osize: Ints, where: Flags, freq: Ints, admitted: Ints,
                       small_cap: int, main_cap: int, ghost_cap: int, threshold: int,
                       window: float) -> tuple[int, int]:
    used, small_used, main_used, ghost_used, has_evicted, n_small = st[0], st[1], st[2], st[3], st[4], st[5]
    sh, stl, mh, mt, gh, gt = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        if w == 1:  # a hit in small counts outside the correlation window only
            if n_small - admitted[x] >= window:
                freq[x] += 1
            if record:
                hits[i] = True
            continue
        if w == 2:
            freq[x] += 1
            if record:
                hits[i] = True
            continue
        ghost_hit = w == 3
        if ghost_hit:  # the key leaves the ghost whether or not the object is admitted
            gh, gt = unlink(prev, nxt, gh, gt, x)
            where[x] = 0
            ghost_used -= osize[x]
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > small_cap:
            continue
        while used + s > cap:
            has_evicted = 1
            if main_used <= main_cap and small_used > 0:
                # small: its oldest goes to main if counted often enough, else out (into the ghost)
                evicted = False
                while small_used > 0:
                    t = stl
                    sh, stl = unlink(prev, nxt, sh, stl, t)
                    ts = osize[t]
                    small_used -= ts
                    if freq[t] >= threshold:
                        mh, mt = push(prev, nxt, mh, mt, t)
                        where[t] = 2
                        freq[t] = 0
                        main_used += ts
                        continue
                    where[t] = 0
                    used -= ts
                    if ghost_cap > 0 and ts <= ghost_cap:
                        while ghost_used + ts > ghost_cap:
                            g = gt
                            gh, gt = unlink(prev, nxt, gh, gt, g)
                            where[g] = 0
                            ghost_used -= osize[g]
                        gh, gt = push(prev, nxt, gh, gt, t)
                        where[t] = 3
                        ghost_used += ts
                    evicted = True
                    break
                if evicted:
                    continue
            # main: the hand passes objects hit since its last pass (clearing their bit)
            while True:
                t = mt
                if freq[t] >= 1:
                    freq[t] = 0
                    if t != mh:
                        p = prev[t]  # the tail moves to the head
                        nxt[p] = -1
                        mt = p
                        prev[t] = -1
                        nxt[t] = mh
                        prev[mh] = t
                        mh = t
                    continue
                mh, mt = unlink(prev, nxt, mh, mt, t)
                where[t] = 0
                main_used -= osize[t]
                used -= osize[t]
                break
        if ghost_hit:
            mh, mt = push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        elif s >= small_cap:
            continue  # not stored; the room was made all the same, as in libCacheSim
        elif has_evicted == 0 and small_used >= small_cap:
            mh, mt = push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        else:
            n_small += 1
            sh, stl = push(prev, nxt, sh, stl, x)
            where[x] = 1
            admitted[x] = n_small
            small_used += s
        freq[x] = 0
        osize[x] = s
        used += s
    st[0], st[1], st[2], st[3], st[4], st[5] = used, small_used, main_used, ghost_used, has_evicted, n_small
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5] = sh, stl, mh, mt, gh, gt
    return misses, missed


class Clock2QPlusState(S3FIFOState):
    kernel = clock2qplus_kernel
    fields = {**LINKED, "freq": ("int64", 0), "admitted": ("int64", 0)}
    arrays = ("freq", "admitted")

    def setup(self, policy: _SmallMainGhost) -> None:
        assert isinstance(policy, Clock2QPlus)
        super().setup(policy)
        self.params += (policy.window,)


class Clock2QPlus(_SmallMainGhost):
    """Clock2QPlus as libCacheSim 0.3.5's: a small FIFO with a correlation window, a main CLOCK, a ghost FIFO.

    New objects enter the small FIFO (``small_ratio`` of the bytes). A hit there is counted only
    once ``window_ratio`` x (the small FIFO's bytes) other objects have entered it since this one
    did: a burst of requests right after admission counts as one access (the window is measured
    in objects admitted, its length from the small FIFO's bytes). When the small FIFO gives up its
    oldest object, one counted ``move_to_main`` times moves to the main queue; the others leave
    the cache and their keys go to a ghost FIFO (``ghost_ratio`` of the bytes; none when that is
    less than a byte). A miss that finds its key in the ghost is admitted straight to main.

    The main queue is a CLOCK with one bit: a hit sets it; the hand, at the oldest object, clears
    a set bit and moves that object to the front, and evicts the first object whose bit is clear.
    Room is made from main while it holds more than its share (the rest of the bytes) or the small
    FIFO holds no bytes; otherwise from the small FIFO (which may move all its bytes to main
    without evicting any: then main gives one up). Until the first eviction, a newcomer goes
    straight to main once the small FIFO is full.

    Sizes, as libCacheSim treats them: an object larger than the small FIFO is not admitted (no
    room is made); one exactly as large has room made for it and is then not stored, unless its
    key was in the ghost. The small FIFO may hold more than its share (it is checked only at
    eviction). libCacheSim's source says the policy "only works correctly with uniform object
    sizes"; with others it still runs, and this class does what it does.
    """

    name = "clock2qplus"
    libcachesim = "Clock2QPlus"
    libcachesim_params = {"small_ratio": "fifo_size_ratio", "ghost_ratio": "ghost_size_ratio",
                          "move_to_main": "move_to_main_threshold", "window_ratio": "corr_window_ratio"}
    aliases = ("Clock2QPlus", "Clock2Q+", "Clock-2Q+")
    State = Clock2QPlusState

    def __init__(self, capacity: int, small_ratio: float = 0.1, ghost_ratio: float = 0.9, move_to_main: int = 1,
                 window_ratio: float = 0.5) -> None:
        super().__init__(capacity)
        for label, r, most in (("small_ratio", small_ratio, 1.0), ("ghost_ratio", ghost_ratio, math.inf),
                               ("window_ratio", window_ratio, math.inf)):
            if isinstance(r, bool) or not isinstance(r, Real) or not 0 <= r <= most or r == math.inf:
                bounds = "in [0, 1]" if most == 1 else "a finite number >= 0"
                raise InvalidParameter(f"{label} must be {bounds}, got {r!r}")
        self.window_ratio = window_ratio
        self._queues(small_ratio, ghost_ratio)
        self.move_to_main = check_int("move_to_main", move_to_main, minimum=0)
        #: the correlation window, in objects admitted to the small FIFO
        self.window = self.small_capacity * float(window_ratio)
        self._admitted: dict[Hashable, int] = {}  # small FIFO objects: the admission count when they entered
        self._n_small = 0  # objects admitted to the small FIFO so far

    def _count_small(self, key: Hashable) -> None:
        if self._n_small - self._admitted[key] >= self.window:  # outside the correlation window only
            self._freq[key] += 1

    def _enter_small(self, key: Hashable, size: int) -> None:
        self._n_small += 1
        super()._enter_small(key, size)
        self._admitted[key] = self._n_small

    def _leave_small(self, key: Hashable) -> None:
        del self._admitted[key]

    def _small_left(self) -> bool:
        return self._small_used > 0

    def _pass_main(self, count: int) -> int:
        return 0  # one bit

    def _remember(self, key: Hashable, size: int) -> None:
        if self.ghost_capacity > 0:  # no ghost at all below one byte (not even for zero-size objects)
            super()._remember(key, size)
