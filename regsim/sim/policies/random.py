"""Random eviction, seeded, as libCacheSim's ``Random``: to make room, a cached object chosen at random
leaves. Both implementations draw from the same generator
(:func:`~regsim.sim.policies._compiled.rand_below`), so one seed gives the same victims in both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Hashable

from ._compiled import KernelState, evict_sampled, kernel, slot_add
from .base import SlotPolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Ints, Links

__all__ = ["Random"]

# per object: pos (its slot in ``slots``, -1 = not cached), osize; slots[0..count-1]: the cached ids
# st: 0 used, 1 count, 2 the generator's state


@kernel(inline=True)
def _anyone(y: int, a: Ints, b: Ints, now: int) -> int:
    """Every cached object scores the same: one draw picks the victim."""
    return 0


@kernel(refcounts=False)  # no reference counts of the arrays it hands to evict_sampled
def random_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, pos: Links, slots: Links,
                  osize: Ints) -> tuple[int, int]:
    used, count, state = st[0], st[1], st[2]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if pos[x] >= 0:
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
            state, count, used = evict_sampled(state, count, used, pos, slots, osize, 1, _anyone, osize, osize, 0, 1)
        count = slot_add(pos, slots, count, x)
        osize[x] = s
        used += s
    st[0], st[1], st[2] = used, count, state
    return misses, missed


class RandomState(KernelState):
    kernel = random_kernel
    fields = {"pos": ("int32", -1), "slots": ("int32", -1), "osize": ("int64", 0)}

    def setup(self, policy: Random) -> None:
        self.st[2] = policy.rng_state

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, a["pos"], a["slots"], a["osize"])


class Random(SlotPolicy):
    """Random eviction as libCacheSim's ``Random``: to make room, a cached object drawn uniformly at
    random leaves (from a generator seeded by ``seed``: one seed, one run, on either engine). A hit
    changes nothing. libCacheSim draws a random non-empty bucket of its hash table and evicts its
    first object, which is uniform while buckets rarely hold two objects; its random stream is its
    own, so the two agree on miss ratios within a tolerance over seeds, not request by request.
    """

    name = "random"
    libcachesim = "Random"
    sampled = True
    State = RandomState

    def __init__(self, capacity: int, seed: int = 0) -> None:
        super().__init__(capacity, seed)

    def lookup(self, key: Hashable) -> bool:
        return key in self._pos

    def admit(self, key: Hashable, size: int) -> bool:
        self._place(key, size)
        return True

    def evict(self) -> tuple[Hashable, int]:
        return self._evict_sampled(1, _anyone.py_func, None, None, 0, 1)
