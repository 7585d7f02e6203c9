"""Belady's MIN (OPT): evict the object whose next request is farthest in the future.

The optimal policy for unit sizes, and the bound researchers report. It needs the future: each
request's *next access*, the position in the trace of the next request for the same object
(libCacheSim's ``next_access_vtime``; oracleGeneral files store it). :meth:`Belady.replay_bytes`
computes it from the keys it is given; a trace fed in pieces passes it (``next_access=``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Hashable, Iterator, Sequence

from ..errors import InvalidParameter
from ._compiled import KernelState, kernel, next_accesses
from .base import Policy

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ._compiled import Bools, Flags, Floats, Ints

__all__ = ["Belady", "NEVER", "next_access_times"]

#: the next access of an object never requested again (libCacheSim's ``INT64_MAX``)
NEVER = 2**63 - 1


def next_access_times(keys: Sequence[Hashable]) -> list[int]:
    """For each request, the position of the next request for the same key (:data:`NEVER` if none).

    >>> next_access_times(["a", "b", "a", "c"])
    [2, 9223372036854775807, 9223372036854775807, 9223372036854775807]
    """
    if not (hasattr(keys, "__len__") and hasattr(keys, "__getitem__")):
        raise InvalidParameter(f"keys must be a sequence of keys, got {type(keys).__name__} {keys!r:.80}")
    out = [NEVER] * len(keys)
    seen: dict[Hashable, int] = {}
    for i in range(len(keys) - 1, -1, -1):
        k = keys[i]
        out[i] = seen.get(k, NEVER)
        seen[k] = i
    return out


# -- the priority queue, exactly as libCacheSim's pqueue.c (a max-heap from index 1) -------------------
# Objects never requested again all have the same priority; which of them goes first depends on
# the heap's shape, so the heap moves its entries exactly as libCacheSim's does. The kernel keeps it
# in arrays over dense ids, :class:`_PQueue` in a list and dicts over keys: both move entries with
# the same two functions (``_PQueue`` calls their Python code).


@kernel(inline=True)
def _bubble_up(hd: Any, pri: Any, pos: Any, i: int) -> None:
    moving = hd[i]
    mp = pri[moving]
    parent = i >> 1
    while i > 1 and pri[hd[parent]] < mp:
        hd[i] = hd[parent]
        pos[hd[i]] = i
        i = parent
        parent = i >> 1
    hd[i] = moving
    pos[moving] = i


@kernel(inline=True)
def _percolate_down(hd: Any, pri: Any, pos: Any, size: int, i: int) -> None:
    moving = hd[i]
    mp = pri[moving]
    while True:
        c = i << 1
        if c >= size:
            break
        if c + 1 < size and pri[hd[c]] < pri[hd[c + 1]]:
            c += 1
        if not mp < pri[hd[c]]:
            break
        hd[i] = hd[c]
        pos[hd[i]] = i
        i = c
    hd[i] = moving
    pos[moving] = i


class _PQueue:
    def __init__(self) -> None:
        self.d: list[Hashable] = [None]
        self.pri: dict[Hashable, float] = {}
        self.pos: dict[Hashable, int] = {}

    def _up(self, i: int) -> None:
        _bubble_up.py_func(self.d, self.pri, self.pos, i)

    def _down(self, i: int) -> None:
        _percolate_down.py_func(self.d, self.pri, self.pos, len(self.d), i)

    def insert(self, key: Hashable, priority: float) -> None:
        self.pri[key] = priority
        self.d.append(key)
        self._up(len(self.d) - 1)

    def change(self, key: Hashable, priority: float) -> None:
        old = self.pri[key]
        self.pri[key] = priority
        if old < priority:
            self._up(self.pos[key])
        else:
            self._down(self.pos[key])

    def pop(self) -> Hashable:
        d = self.d
        head = d[1]
        last = d.pop()
        if len(d) > 1:
            d[1] = last
            self._down(1)
        del self.pri[head], self.pos[head]
        return head

    def remove(self, key: Hashable) -> None:
        d, pri = self.d, self.pri
        p = self.pos.pop(key)
        last = d.pop()
        if p < len(d):
            d[p] = last
            if pri[key] < pri[last]:
                self._up(p)
            else:
                self._down(p)
        del pri[key]


# -- the compiled kernel --------------------------------------------------------------------------------


@kernel
def belady_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, future: Floats, osize: Ints,
                  where: Flags, pri: Floats, pos: Ints, hd: Ints) -> tuple[int, int]:
    """st: used, heap size (libCacheSim's: one more than the entries); ``future``: each request's next access."""
    used, size = st[0], st[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        f = future[i]
        if where[x]:
            old = pri[x]
            pri[x] = f
            if old < f:
                _bubble_up(hd, pri, pos, pos[x])
            else:
                _percolate_down(hd, pri, pos, size, pos[x])
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = hd[1]
                size -= 1
                hd[1] = hd[size]
                _percolate_down(hd, pri, pos, size, 1)
                where[t] = 0
                used -= osize[t]
            pri[x] = f
            hd[size] = x
            size += 1
            _bubble_up(hd, pri, pos, size - 1)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1] = used, size
    return misses, missed


class BeladyState(KernelState):
    kernel = belady_kernel
    queues = 0
    fields = {"osize": ("int64", 0), "where": ("int8", 0), "pri": ("float64", 0), "pos": ("int64", 0)}
    label = "belady"
    #: the kernel's type of a next access (Belady's: a double priority, as libCacheSim's)
    future_dtype = "float64"

    def setup(self, policy: Belady) -> None:
        self.st[1] = 1  # libCacheSim's heap starts at index 1
        self.hd = self.np.zeros(0, dtype=self.np.int64)
        self.fed = 0
        self.future: ArrayLike | None = None  # each request's next access, for the next chunk (CompiledCache.feed)

    def prepare(self, ids: Ints) -> None:
        np = self.np
        if self.hd.size < self.n + 2:
            grown = np.zeros(self.n + 2, dtype=np.int64)
            grown[: self.hd.size] = self.hd
            self.hd = grown

    def next_accesses(self, ids: Ints) -> Any:
        """The chunk's next accesses (:data:`NEVER` for none), as ``future_dtype``: given to
        :meth:`CompiledCache.feed` (``next_access=``, -1 = never), or computed from ``ids`` when the
        trace comes in one piece."""
        np = self.np
        future, self.future = self.future, None
        if future is None:
            if self.fed:
                raise InvalidParameter(f"{self.label} fed a trace in pieces needs each request's next access "
                                       "(next_access=, as in oracleGeneral files): the future is not in this piece")
            out = np.empty(ids.size, dtype=self.future_dtype)
            next_accesses(ids, np.full(self.n, -1, dtype=np.int64), out)
        else:
            given = np.asarray(future, dtype=self.future_dtype)
            if given.shape != ids.shape:
                raise InvalidParameter(f"next_access has {given.size} entries for {ids.size} requests")
            out = np.ascontiguousarray(np.where(given < 0, NEVER, given), dtype=self.future_dtype)
        self.fed += ids.size
        return out

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        future = self.next_accesses(ids)
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, future, a["osize"], a["where"], a["pri"],
                       a["pos"], self.hd)


class _FuturePolicy(Policy):
    """A policy that sees the future (Belady, BeladySize): each request comes with its *next
    access*, the position in the trace of the next request for the same key."""

    needs_future = True

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._now = 0  # requests so far
        self._next = NEVER  # the next access of the request being served
        self._replayed = 0

    def request(self, key: Hashable, size: int, next_access: int | None = -2) -> bool:
        """One request; ``next_access`` is the position of this key's next request (None: never)."""
        if next_access == -2:
            raise InvalidParameter(f"{self.name} needs each request's next access: request(key, size, next_access) "
                                   "(None when the key is never requested again), or replay_bytes(keys, sizes)")
        self._next = NEVER if next_access is None or next_access < 0 else int(next_access)
        self._now += 1
        return super().request(key, size)

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int],
                     next_access: Sequence[int] | None = None) -> tuple[int, int]:
        """Every request, with the next accesses computed from ``keys`` unless given."""
        if next_access is None:
            if self._replayed:
                raise InvalidParameter(f"{self.name} replaying a trace in pieces needs next_access= for each piece "
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


class Belady(_FuturePolicy):
    """Belady's MIN (OPT): evict the object whose next request is farthest away (as libCacheSim's
    ``Belady``, whose priority queue this one copies: objects never requested again go in its order).

    Each request needs its next access: :meth:`request` takes it (``next_access``, a position in
    the trace; None = never again), :meth:`replay_bytes` computes it from the keys. A hit updates
    the object's next access; an object larger than the cache is never admitted.
    """

    name = "belady"
    libcachesim = "Belady"
    aliases = ("OPT", "MIN")
    State = BeladyState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._pq = _PQueue()
        self._sizes: dict[Hashable, int] = {}

    def lookup(self, key: Hashable) -> bool:
        if key in self._sizes:
            self._pq.change(key, self._next)
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        self._sizes[key] = size
        self._pq.insert(key, self._next)
        return True

    def evict(self) -> tuple[Hashable, int]:
        key = self._pq.pop()
        return key, self._sizes.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        if key not in self._sizes:
            return None
        self._pq.remove(key)
        return self._sizes.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._sizes

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._sizes)
