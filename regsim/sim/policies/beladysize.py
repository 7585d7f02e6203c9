"""BeladySize, seeded, as libCacheSim's ``BeladySize``: a sampled OPT for objects of different
sizes. To make room, sample cached objects and evict the one whose size times distance to its next
request is largest; an object never requested again is not kept. Both implementations draw from
the same generator (:func:`~regsim.sim.policies._compiled.rand_below`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Hashable

from .._util import check_int
from ._compiled import evict_sampled, kernel, slot_add, slot_take
from .base import SlotPolicy
from .belady import NEVER, BeladyState, _FuturePolicy

if TYPE_CHECKING:
    from ._compiled import Bools, Ints, Links

__all__ = ["BeladySize"]

# per object: pos (its slot, -1 = not cached), osize, nxt (its next request); slots[0..count-1]
# st: 0 used, 1 count, 2 the generator's state, 3 requests so far


@kernel(inline=True)
def _keep_cost(y: int, osize: Ints, nxt: Ints, now: int) -> int:
    """Minus size x distance to the next request: the lowest (the costliest to keep) leaves."""
    return -(osize[y] * (nxt[y] - now))  # type: ignore[no-any-return]  # numpy scalars: Any


@kernel(refcounts=False)  # no reference counts of the arrays it hands to evict_sampled
def beladysize_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, future: Ints, pos: Links,
                      slots: Links, osize: Ints, nxt: Ints, samples: int) -> tuple[int, int]:
    used, count, state, now = st[0], st[1], st[2], st[3]
    never = 9223372036854775807
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        f = future[i]
        now += 1
        if pos[x] >= 0:
            if f == never:  # its last request: it leaves the cache
                _, count = slot_take(pos, slots, count, pos[x])
                used -= osize[x]
            else:
                nxt[x] = f
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap:
            continue
        while used + s > cap:  # worst = 1: a cost below it is a size x distance above -1 (libCacheSim's bar)
            state, count, used = evict_sampled(state, count, used, pos, slots, osize, samples, _keep_cost, osize, nxt,
                                               now, 1)
        if f == never:  # evicted to make room, but not kept
            continue
        count = slot_add(pos, slots, count, x)
        osize[x] = s
        nxt[x] = f
        used += s
    st[0], st[1], st[2], st[3] = used, count, state, now
    return misses, missed


class BeladySizeState(BeladyState):
    """Takes each request's next access as Belady's state does (``next_access=`` or computed)."""

    kernel = beladysize_kernel  # type: ignore[assignment]  # its own kernel, with the future as ints
    fields = {"pos": ("int32", -1), "slots": ("int32", -1), "osize": ("int64", 0), "nxt": ("int64", 0)}
    label = "beladysize"
    future_dtype = "int64"

    def setup(self, policy: Any) -> None:  # a BeladySize (Belady's state takes a Belady)
        self.st[2] = policy.rng_state
        self.samples = policy.samples
        self.fed = 0
        self.future = None

    def prepare(self, ids: Ints) -> None:
        pass  # no heap to grow (Belady's state has one)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        future = self.next_accesses(ids)
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, future, a["pos"], a["slots"], a["osize"],
                       a["nxt"], self.samples)


class BeladySize(SlotPolicy, _FuturePolicy):
    """BeladySize as libCacheSim's: each request brings its next access (as :class:`Belady`'s do);
    to make room, ``samples`` cached objects are drawn at random (with replacement, from a generator
    seeded by ``seed``) and the one with the largest size x (next access - requests so far) leaves
    (the first drawn, on a tie). A hit on an object's last request removes it after the hit; a missed
    object never requested again is not admitted (the eviction that made room for it still happens).
    libCacheSim draws its samples from its hash table as its ``Random`` does (not uniformly: on one
    state of a 37-object cache its sampler missed the best candidate in 1 of 5 calls, where uniform
    draws miss it 3% of the time), with its own random stream: the two agree on miss ratios within
    a tolerance over seeds.
    """

    name = "beladysize"
    libcachesim = "BeladySize"
    libcachesim_params = {"samples": "n_samples"}
    sampled = True
    State = BeladySizeState

    def __init__(self, capacity: int, samples: int = 128, seed: int = 0) -> None:
        super().__init__(capacity, seed)
        self.samples = check_int("samples", samples, minimum=1)
        self._nxt: dict[Hashable, int] = {}

    def lookup(self, key: Hashable) -> bool:
        if key not in self._pos:
            return False
        if self._next == NEVER:  # its last request: it leaves after this hit
            self.used -= self._drop(key)  # type: ignore[operator]
        else:
            self._nxt[key] = self._next
        return True

    def admit(self, key: Hashable, size: int) -> bool:
        if self._next == NEVER:
            return False
        self._place(key, size)
        self._nxt[key] = self._next
        return True

    def _forget(self, key: Hashable) -> None:
        del self._nxt[key]

    def evict(self) -> tuple[Hashable, int]:
        return self._evict_sampled(self.samples, _keep_cost.py_func, self._size, self._nxt, self._now, 1)
