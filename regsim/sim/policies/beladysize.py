"""BeladySize, seeded, as libCacheSim's ``BeladySize``: a sampled OPT for objects of different
sizes. To make room, sample cached objects and evict the one whose size times distance to its next
request is largest; an object never requested again is not kept. Both implementations draw from
the same generator (:func:`~regsim.sim.policies._compiled.rand_below`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Hashable, Sequence

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import kernel, rand_below, rand_seed
from .base import SlotPolicy
from .belady import NEVER, BeladyState, _future_of_ids, next_access_times

if TYPE_CHECKING:
    from ._compiled import Bools, Ints, Links

__all__ = ["BeladySize"]

# per object: pos (its slot, -1 = not cached), osize, nxt (its next request); slots[0..count-1]
# st: 0 used, 1 count, 2 the generator's state, 3 requests so far


@kernel
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
                j = pos[x]
                count -= 1
                last = slots[count]
                slots[j] = last
                pos[last] = j
                pos[x] = -1
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
        while used + s > cap:
            best = -1
            best_score = -1
            for _ in range(samples):
                state, j = rand_below(state, count)
                score = osize[slots[j]] * (nxt[slots[j]] - now)
                if best_score < score:
                    best = j
                    best_score = score
            y = slots[best]
            count -= 1
            last = slots[count]
            slots[best] = last
            pos[last] = best
            pos[y] = -1
            used -= osize[y]
        if f == never:  # evicted to make room, but not kept
            continue
        slots[count] = x
        pos[x] = count
        count += 1
        osize[x] = s
        nxt[x] = f
        used += s
    st[0], st[1], st[2], st[3] = used, count, state, now
    return misses, missed


class BeladySizeState(BeladyState):
    """Takes each request's next access as Belady's state does (``next_access=`` or computed)."""

    kernel = beladysize_kernel  # type: ignore[assignment]  # its own kernel, with the future as ints
    fields = {"pos": ("int32", -1), "slots": ("int32", -1), "osize": ("int64", 0), "nxt": ("int64", 0)}

    def setup(self, policy: Any) -> None:  # a BeladySize (Belady's state takes a Belady)
        self.st[2] = policy.rng_state
        self.samples = policy.samples
        self.fed = 0
        self.future = None

    def prepare(self, ids: Ints) -> None:
        pass  # no heap to grow (Belady's state has one)

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        np = self.np
        future, self.future = self.future, None
        if future is None:
            if self.fed:
                raise InvalidParameter("beladysize fed a trace in pieces needs each request's next access "
                                       "(next_access=, as in oracleGeneral files): the future is not in this piece")
            computed = _future_of_ids(np, ids, self.n)
            never = computed >= float(NEVER)
            future = np.where(never, 0.0, computed).astype(np.int64)
            future[never] = NEVER
        else:
            future = np.asarray(future, dtype=np.int64)
            if future.shape != ids.shape:
                raise InvalidParameter(f"next_access has {future.size} entries for {ids.size} requests")
            future = np.ascontiguousarray(np.where(future < 0, NEVER, future), dtype=np.int64)
        self.fed += ids.size
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, future, a["pos"], a["slots"], a["osize"],
                       a["nxt"], self.samples)


class BeladySize(SlotPolicy):
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
    needs_future = True
    sampled = True
    State = BeladySizeState

    def __init__(self, capacity: int, samples: int = 128, seed: int = 0) -> None:
        super().__init__(capacity)
        self.samples = check_int("samples", samples, minimum=1)
        self.seed = check_int("seed", seed, minimum=0)
        #: the random generator's state; a compiled run of this policy starts from it too
        self.rng_state = rand_seed(seed=self.seed)
        self._now = 0
        self._next = NEVER
        self._replayed = 0
        self._nxt: dict[Hashable, int] = {}

    def request(self, key: Hashable, size: int, next_access: int | None = -2) -> bool:
        """One request; ``next_access`` is the position of this key's next request (None: never)."""
        if next_access == -2:
            raise InvalidParameter("beladysize needs each request's next access: request(key, size, next_access) "
                                   "(None when the key is never requested again), or replay_bytes(keys, sizes)")
        self._next = NEVER if next_access is None or next_access < 0 else int(next_access)
        self._now += 1
        return super().request(key, size)

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
        draw, keys, size, nxt, now = rand_below.py_func, self._keys, self._size, self._nxt, self._now
        state, best, best_score = self.rng_state, -1, -1
        for _ in range(self.samples):
            state, slot = draw(state, len(keys))
            key = keys[slot]
            score = size[key] * (nxt[key] - now)
            if best_score < score:
                best, best_score = slot, score
        self.rng_state = state
        return self._evict_slot(best)

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int],
                     next_access: Sequence[int] | None = None) -> tuple[int, int]:
        """Every request, with the next accesses computed from ``keys`` unless given."""
        if next_access is None:
            if self._replayed:
                raise InvalidParameter("beladysize replaying a trace in pieces needs next_access= for each piece "
                                       "(the future is not in this piece)")
            next_access = next_access_times(keys)
        self._replayed += len(keys)
        request = self.request
        misses = missed = 0
        for k, s, n in zip(keys, sizes, next_access):
            if not request(k, s, n):
                misses += 1
                missed += s
        return misses, missed
