"""Hyperbolic caching (Blankstein, Sen and Freedman, USENIX ATC'17), seeded, as libCacheSim's
``Hyperbolic``: to make room, sample cached objects at random and evict the one with the fewest
requests per unit of time in the cache. Both implementations draw from the same generator
(:func:`~regsim.sim.policies._compiled.rand_below`), so one seed gives the same victims in both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable

from .._util import check_int
from ._compiled import KernelState, evict_sampled, kernel, slot_add
from .base import SlotPolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Ints, Links

__all__ = ["Hyperbolic"]

# per object: pos (its slot, -1 = not cached), osize, freq, enter (the request count when admitted);
# slots[0..count-1]: the cached ids. st: 0 used, 1 count, 2 the generator's state, 3 requests so far


@kernel(inline=True)
def _priority(y: int, freq: Ints, enter: Ints, now: int) -> float:
    """Requests per unit of time in the cache (libCacheSim's scale); the lowest leaves."""
    return 1.0e8 * freq[y] / (now - enter[y])  # type: ignore[no-any-return]  # numpy scalars: Any


@kernel(refcounts=False)  # no reference counts of the arrays it hands to evict_sampled
def hyperbolic_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, pos: Links, slots: Links,
                      osize: Ints, freq: Ints, enter: Ints, samples: int) -> tuple[int, int]:
    used, count, state, now = st[0], st[1], st[2], st[3]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        now += 1
        if pos[x] >= 0:
            freq[x] += 1
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
            state, count, used = evict_sampled(state, count, used, pos, slots, osize, samples, _priority, freq, enter,
                                               now, 1.0e16)
        count = slot_add(pos, slots, count, x)
        osize[x] = s
        freq[x] = 1
        enter[x] = now
        used += s
    st[0], st[1], st[2], st[3] = used, count, state, now
    return misses, missed


class HyperbolicState(KernelState):
    kernel = hyperbolic_kernel
    fields = {"pos": ("int32", -1), "slots": ("int32", -1), "osize": ("int64", 0), "freq": ("int64", 0),
              "enter": ("int64", 0)}

    def setup(self, policy: Hyperbolic) -> None:
        self.st[2] = policy.rng_state
        self.samples = policy.samples

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, a["pos"], a["slots"], a["osize"],
                       a["freq"], a["enter"], self.samples)


class Hyperbolic(SlotPolicy):
    """Hyperbolic caching as libCacheSim's ``Hyperbolic``: an object's priority is its requests since
    admission (1 at admission, +1 a hit) divided by the requests the cache has seen since then; to
    make room, ``samples`` cached objects are drawn at random (with replacement, from a generator
    seeded by ``seed``) and the one of lowest priority leaves (the first drawn, on a tie).
    libCacheSim draws its samples from its hash table as its ``Random`` does (not uniformly), with
    its own random stream: the two agree on miss ratios within a tolerance over seeds.
    """

    name = "hyperbolic"
    libcachesim = "Hyperbolic"
    sampled = True
    State = HyperbolicState

    def __init__(self, capacity: int, samples: int = 64, seed: int = 0) -> None:
        super().__init__(capacity, seed)
        self.samples = check_int("samples", samples, minimum=1)
        self._now = 0
        self._freq: dict[Hashable, int] = {}
        self._enter: dict[Hashable, int] = {}

    def request(self, key: Hashable, size: int) -> bool:
        """As :meth:`Policy.request`; every request advances the clock, hit or miss."""
        self._now += 1
        return super().request(key, size)

    def lookup(self, key: Hashable) -> bool:
        if key in self._pos:
            self._freq[key] += 1
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        self._place(key, size)
        self._freq[key] = 1
        self._enter[key] = self._now
        return True

    def _forget(self, key: Hashable) -> None:
        del self._freq[key], self._enter[key]

    def evict(self) -> tuple[Hashable, int]:
        return self._evict_sampled(self.samples, _priority.py_func, self._freq, self._enter, self._now, 1.0e16)
