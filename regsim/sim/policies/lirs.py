"""LIRS, Low Inter-reference Recency Set (Jiang and Zhang, SIGMETRICS'02), as libCacheSim's ``LIRS``.

libCacheSim builds it from three LRU lists, each keeping its own copy of an object's entry
(``LIRS.c``): the stack ``S`` (recency, holding LIR objects, resident HIR objects and
non-resident HIR ones, whose bytes still count in ``S``), the list ``Q`` of resident HIR objects
(the eviction victims) and ``NH``, the non-resident HIR entries of ``S`` in the order they left
the cache. Both implementations here follow those lists step by step, including the cases the
paper does not have (objects of different sizes, an object that outgrows what ``Q`` can hold).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Hashable, Iterator

from ._compiled import KernelState, kernel, push, unlink
from .base import Policy

if TYPE_CHECKING:
    from ._compiled import Bools, Flags, Ints, Links

__all__ = ["LIRS"]

#: LIRS gives HIR (resident, non-LIR) objects this share of the bytes (libCacheSim's fixed ``hirs_ratio``)
HIRS_RATIO = 0.01
#: "no limit": libCacheSim's LIR limit of a 0-byte cache is ``0 - 1`` in unsigned arithmetic
NO_LIMIT = 2**63 - 1


def limits(capacity: int) -> tuple[int, int]:
    """``(lir_limit, hir_limit)`` of a cache, in bytes, as libCacheSim sets them."""
    hir = max(1, int(HIRS_RATIO * capacity))
    return (capacity - hir if capacity >= hir else NO_LIMIT), hir


# -- the compiled kernel ------------------------------------------------------------------------------
# Per object: its entry in S (s_prev/s_nxt, s_size, flags: 1 in S, 2 LIR, 4 resident), in Q (q_prev,
# q_nxt, q_size, in_q) and in NH (h_prev, h_nxt, h_size, in_h). lists: S, Q, NH as [head, tail].
# st: 0 used (resident bytes), 1 LIR bytes, 2 HIR bytes, 3 bytes of S (every entry of S), 4 the
# Python class's libcachesim_undefined.
IN_S, LIR, RES = 1, 2, 4


@kernel(inline=True)
def _evict_hir(lists: Ints, st: Ints, q_prev: Links, q_nxt: Links, q_size: Ints, in_q: Flags, h_prev: Links,
               h_nxt: Links, h_size: Ints, in_h: Flags, flags: Flags, s_size: Ints) -> None:
    """Q's oldest leaves the cache; its entry in S (if any) becomes non-resident and joins NH."""
    t = lists[3]
    ts = q_size[t]
    lists[2], lists[3] = unlink(q_prev, q_nxt, lists[2], lists[3], t)
    in_q[t] = 0
    st[2] -= ts
    st[0] -= ts
    if flags[t] & IN_S:
        flags[t] &= ~RES
        if not in_h[t]:
            lists[4], lists[5] = push(h_prev, h_nxt, lists[4], lists[5], t)
            in_h[t] = 1
        h_size[t] = ts


@kernel(inline=True)
def _drop_from_s(lists: Ints, st: Ints, s_prev: Links, s_nxt: Links, flags: Flags, s_size: Ints, x: int) -> None:
    lists[0], lists[1] = unlink(s_prev, s_nxt, lists[0], lists[1], x)
    flags[x] = 0
    st[3] -= s_size[x]


@kernel(inline=True)
def _drop_from_nh(lists: Ints, h_prev: Links, h_nxt: Links, in_h: Flags, x: int) -> None:
    if in_h[x]:
        lists[4], lists[5] = unlink(h_prev, h_nxt, lists[4], lists[5], x)
        in_h[x] = 0


@kernel(inline=True)
def _prune(lists: Ints, st: Ints, s_prev: Links, s_nxt: Links, flags: Flags, s_size: Ints, h_prev: Links, h_nxt: Links,
           in_h: Flags) -> None:
    """Pop S's bottom until it is an LIR object (or the only entry)."""
    while lists[1] != lists[0]:
        t = lists[1]
        if flags[t] & LIR:
            break
        if not flags[t] & RES:
            _drop_from_nh(lists, h_prev, h_nxt, in_h, t)
        _drop_from_s(lists, st, s_prev, s_nxt, flags, s_size, t)


@kernel(inline=True)
def _evict_lir(lists: Ints, st: Ints, hir_limit: int, s_prev: Links, s_nxt: Links, s_size: Ints, flags: Flags,
               q_prev: Links, q_nxt: Links, q_size: Ints, in_q: Flags, h_prev: Links, h_nxt: Links, h_size: Ints,
               in_h: Flags) -> bool:
    """S's bottom (an LIR object) leaves S: into Q as a resident HIR object if it fits there, else
    out of the cache; then prune S. False when S is empty (nothing to demote)."""
    t = lists[1]
    if t < 0:
        return False
    ts = s_size[t]
    st[1] -= ts
    _drop_from_s(lists, st, s_prev, s_nxt, flags, s_size, t)
    st[0] -= ts
    if ts <= hir_limit:
        while st[2] + ts > hir_limit and lists[3] >= 0:
            _evict_hir(lists, st, q_prev, q_nxt, q_size, in_q, h_prev, h_nxt, h_size, in_h, flags, s_size)
        if in_q[t]:
            lists[2], lists[3] = unlink(q_prev, q_nxt, lists[2], lists[3], t)
        lists[2], lists[3] = push(q_prev, q_nxt, lists[2], lists[3], t)
        in_q[t] = 1
        q_size[t] = ts
        st[2] += ts
        st[0] += ts
    _prune(lists, st, s_prev, s_nxt, flags, s_size, h_prev, h_nxt, in_h)
    return True


@kernel(refcounts=False)
def lirs_kernel(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, s_prev: Links,
                s_nxt: Links, s_size: Ints, flags: Flags, q_prev: Links, q_nxt: Links, q_size: Ints, in_q: Flags,
                h_prev: Links, h_nxt: Links, h_size: Ints, in_h: Flags, lir_limit: int,
                hir_limit: int) -> tuple[int, int]:
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        f = flags[x]
        hit = False
        if f & IN_S and lists[0] != x:  # find: S and Q move the entry to their tops
            lists[0], lists[1] = unlink(s_prev, s_nxt, lists[0], lists[1], x)
            lists[0], lists[1] = push(s_prev, s_nxt, lists[0], lists[1], x)
        if in_q[x] and lists[2] != x:
            lists[2], lists[3] = unlink(q_prev, q_nxt, lists[2], lists[3], x)
            lists[2], lists[3] = push(q_prev, q_nxt, lists[2], lists[3], x)
        if f & IN_S:
            if f & LIR:
                hit = True
                _prune(lists, st, s_prev, s_nxt, flags, s_size, h_prev, h_nxt, in_h)
            elif f & RES:  # a resident HIR object in S becomes LIR
                hit = True
                if in_q[x]:
                    lists[2], lists[3] = unlink(q_prev, q_nxt, lists[2], lists[3], x)
                    in_q[x] = 0
                    st[2] -= q_size[x]
                    st[0] -= q_size[x]
                while st[1] + s_size[x] > lir_limit:
                    if not _evict_lir(lists, st, hir_limit, s_prev, s_nxt, s_size, flags, q_prev, q_nxt, q_size,
                                      in_q, h_prev, h_nxt, h_size, in_h):
                        break
                if not flags[x] & IN_S:
                    st[4] = 1
                if flags[x] & IN_S:
                    flags[x] |= LIR
                st[1] += s_size[x]
                st[0] += s_size[x]
        elif in_q[x]:  # a resident HIR object not in S: back on top of S, still HIR
            hit = True
            qs = q_size[x]
            while st[1] + qs > lir_limit:
                if not _evict_lir(lists, st, hir_limit, s_prev, s_nxt, s_size, flags, q_prev, q_nxt, q_size,
                                  in_q, h_prev, h_nxt, h_size, in_h):
                    break
            if not in_q[x]:
                st[4] = 1
            lists[0], lists[1] = push(s_prev, s_nxt, lists[0], lists[1], x)
            flags[x] = IN_S | RES
            s_size[x] = qs
            st[3] += qs
        if record:
            hits[i] = hit
        if not hit:
            misses += 1
            missed += s
            f = flags[x]
            insert = False
            if s <= cap:
                if f & IN_S:  # a non-resident HIR object in S: it comes back as LIR
                    while st[1] + s_size[x] > lir_limit:
                        if not _evict_lir(lists, st, hir_limit, s_prev, s_nxt, s_size, flags, q_prev, q_nxt,
                                          q_size, in_q, h_prev, h_nxt, h_size, in_h):
                            break
                    if not flags[x] & IN_S:
                        st[4] = 1
                    _drop_from_nh(lists, h_prev, h_nxt, in_h, x)
                    insert = True
                elif s <= lir_limit and s <= hir_limit:
                    if st[1] + s > lir_limit and st[2] + s > hir_limit:
                        while st[2] + s > hir_limit and lists[3] >= 0:
                            _evict_hir(lists, st, q_prev, q_nxt, q_size, in_q, h_prev, h_nxt, h_size, in_h,
                                       flags, s_size)
                    insert = True
            if insert:
                while st[0] + s > cap:
                    f = flags[x]
                    progress = False
                    if f & IN_S and not f & (LIR | RES):
                        while st[2] >= hir_limit and lists[3] >= 0:
                            _evict_hir(lists, st, q_prev, q_nxt, q_size, in_q, h_prev, h_nxt, h_size, in_h,
                                       flags, s_size)
                            progress = True
                        if _evict_lir(lists, st, hir_limit, s_prev, s_nxt, s_size, flags, q_prev, q_nxt, q_size,
                                      in_q, h_prev, h_nxt, h_size, in_h):
                            progress = True
                    elif not f & IN_S and not in_q[x]:
                        if st[1] + s > lir_limit and st[2] + s > hir_limit and lists[3] >= 0:
                            _evict_hir(lists, st, q_prev, q_nxt, q_size, in_q, h_prev, h_nxt, h_size, in_h,
                                       flags, s_size)
                            progress = True
                    if not progress:
                        break
                f = flags[x]
                if f & IN_S:
                    if not f & (LIR | RES):
                        flags[x] = IN_S | LIR | RES
                        st[1] += s_size[x]
                        st[0] += s_size[x]
                elif not in_q[x]:
                    lists[0], lists[1] = push(s_prev, s_nxt, lists[0], lists[1], x)
                    s_size[x] = s
                    st[3] += s
                    if st[1] + s <= lir_limit:
                        flags[x] = IN_S | LIR | RES
                        st[1] += s
                    else:
                        flags[x] = IN_S | RES
                        lists[2], lists[3] = push(q_prev, q_nxt, lists[2], lists[3], x)
                        in_q[x] = 1
                        q_size[x] = s
                        st[2] += s
                    st[0] += s
        # limit S to twice the cache: forget the oldest non-resident entries
        while st[3] > 2 * cap and lists[5] >= 0:
            t = lists[5]
            lists[4], lists[5] = unlink(h_prev, h_nxt, lists[4], lists[5], t)
            in_h[t] = 0
            if flags[t] & IN_S:
                _drop_from_s(lists, st, s_prev, s_nxt, flags, s_size, t)
    return misses, missed


class LIRSState(KernelState):
    kernel = lirs_kernel
    queues = 3
    fields = {"s_prev": ("int64", -1), "s_nxt": ("int64", -1), "s_size": ("int64", 0), "flags": ("int8", 0),
              "q_prev": ("int64", -1), "q_nxt": ("int64", -1), "q_size": ("int64", 0), "in_q": ("int8", 0),
              "h_prev": ("int64", -1), "h_nxt": ("int64", -1), "h_size": ("int64", 0), "in_h": ("int8", 0)}

    def setup(self, policy: LIRS) -> None:
        self.limits = (policy.lir_limit, policy.hir_limit)

    @property
    def libcachesim_undefined(self) -> bool:
        return bool(self.st[4])

    def run(self, ids: Ints, sizes: Ints, hits: Bools, record: bool) -> tuple[int, int]:
        a = self.a
        return self.fn(ids, sizes, hits, record, self.capacity, self.st, self.lists, a["s_prev"], a["s_nxt"],
                       a["s_size"], a["flags"], a["q_prev"], a["q_nxt"], a["q_size"], a["in_q"], a["h_prev"],
                       a["h_nxt"], a["h_size"], a["in_h"], *self.limits)


# -- the readable class -------------------------------------------------------------------------------


class _Entry:
    """An object's entry in the stack S."""

    __slots__ = ("size", "lir", "resident")

    def __init__(self, size: int, lir: bool, resident: bool) -> None:
        self.size, self.lir, self.resident = size, lir, resident


class LIRS(Policy):
    """LIRS as libCacheSim's ``LIRS``: objects whose reuse distance is short (LIR, 99% of the bytes)
    are kept; the others (HIR) get 1% of the bytes, in ``Q``, and are evicted first, oldest first.
    The stack ``S`` orders recent objects, resident or not: a request for an HIR object still in ``S``
    (its reuse distance beats the oldest LIR object's recency) makes it LIR, and the LIR object at
    the bottom of ``S`` becomes HIR in ``Q``. ``S`` is pruned to end with an LIR object, and holds at
    most twice the cache's bytes (the oldest non-resident entries go first). New objects are LIR while
    the LIR share has room, HIR after; an object larger than either share is not admitted.

    Where libCacheSim's behaviour is undefined, this class says so: ``libcachesim_undefined``
    becomes True. A hit on a resident HIR object that is not in ``S`` demotes LIR objects into
    ``Q`` until its size fits the LIR share; when that pushes the object itself out of ``Q``,
    libCacheSim's ``hit_RD_HIRinQ`` frees its entry and then reads the size from the freed memory
    for the next round of its loop (what it reads depends on the memory allocator: often the size
    of the next object allocated there). Here the loop goes on with the object's own size. The
    same holds for an object demoted out of ``S`` while its own size is being made room for (a
    stack ``S`` of one entry). The agreement tests compare runs up to such a request.
    """

    name = "lirs"
    libcachesim = "LIRS"
    State = LIRSState

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.lir_limit, self.hir_limit = limits(self.capacity)
        self._s: OrderedDict[Hashable, _Entry] = OrderedDict()  # bottom (oldest) first
        self._q: OrderedDict[Hashable, int] = OrderedDict()     # resident HIR objects, oldest first
        self._nh: OrderedDict[Hashable, int] = OrderedDict()    # non-resident entries of S, oldest first
        self._lir_bytes = self._hir_bytes = self._s_bytes = 0
        #: True once a request took a path where libCacheSim reads an entry it has just freed (see
        #: the class docstring): from then on its results depend on its memory allocator
        self.libcachesim_undefined = False

    # -- the three lists ---------------------------------------------------------------------------

    def _drop_from_s(self, key: Hashable) -> None:
        self._s_bytes -= self._s.pop(key).size

    def _prune(self) -> None:
        """Pop S's bottom until it is an LIR object (or S's only entry)."""
        s = self._s
        while len(s) > 1:
            key, entry = next(iter(s.items()))
            if entry.lir:
                break
            if not entry.resident:
                self._nh.pop(key, None)
            self._drop_from_s(key)

    def evict(self) -> tuple[Hashable, int]:
        """Evict the resident HIR object at the bottom of Q (its entry in S, if any, stays there,
        non-resident, and joins NH); return it. ``used`` is the caller's to update."""
        key, size = self._q.popitem(last=False)
        self._hir_bytes -= size
        entry = self._s.get(key)
        if entry is not None:
            entry.resident = False
            self._nh[key] = size
        return key, size

    def _evict_hir(self) -> bool:
        if not self._q:
            return False
        self.used -= self.evict()[1]
        return True

    def _evict_lir(self) -> bool:
        """S's bottom leaves S: into Q as a resident HIR object if it fits, else out of the cache."""
        if not self._s:
            return False
        key = next(iter(self._s))
        size = self._s[key].size
        self._lir_bytes -= size
        self._drop_from_s(key)
        self.used -= size
        if size <= self.hir_limit:
            while self._hir_bytes + size > self.hir_limit and self._evict_hir():
                pass
            self._q.pop(key, None)
            self._q[key] = size
            self._hir_bytes += size
            self.used += size
        self._prune()
        return True

    def _freed_if(self, freed: bool) -> None:
        if freed:
            self.libcachesim_undefined = True

    def _make_room_for_lir(self, size: int) -> None:
        while self._lir_bytes + size > self.lir_limit and self._evict_lir():
            pass

    # -- requests ------------------------------------------------------------------------------------

    def lookup(self, key: Hashable) -> bool:
        entry = self._s.get(key)
        if entry is not None:
            self._s.move_to_end(key)
        in_q = key in self._q
        if in_q:
            self._q.move_to_end(key)
        if entry is not None:
            if entry.lir:
                self._prune()
            elif entry.resident:  # a resident HIR object in S: LIR now
                if in_q:
                    size = self._q.pop(key)
                    self._hir_bytes -= size
                    self.used -= size
                self._make_room_for_lir(entry.size)
                self._freed_if(key not in self._s)
                entry.lir = True
                self._lir_bytes += entry.size
                self.used += entry.size
            else:
                return False
        elif in_q:  # a resident HIR object no longer in S: on top of S again, still HIR
            size = self._q[key]
            self._make_room_for_lir(size)
            self._freed_if(key not in self._q)
            self._s[key] = _Entry(size, False, True)
            self._s_bytes += size
        else:
            return False
        self._limit_stack()
        return True

    def can_admit(self, key: Hashable, size: int) -> bool:
        """libCacheSim's ``LIRS_can_insert``, which also makes room in the LIR or HIR share."""
        if size > self.capacity:
            return False
        entry = self._s.get(key)
        if entry is not None:  # a non-resident HIR object (lookup missed)
            self._make_room_for_lir(entry.size)
            self._freed_if(key not in self._s)
            self._nh.pop(key, None)
            return True
        if size > self.lir_limit or size > self.hir_limit:
            return False
        if self._lir_bytes + size > self.lir_limit and self._hir_bytes + size > self.hir_limit:
            while self._hir_bytes + size > self.hir_limit and self._evict_hir():
                pass
        return True

    def _make_room(self, key: Hashable, size: int) -> None:
        """libCacheSim's ``LIRS_evict``, repeated until the object fits (or nothing moves)."""
        while self.used + size > self.capacity:
            entry = self._s.get(key)
            moved = False
            if entry is not None and not entry.lir and not entry.resident:
                while self._hir_bytes >= self.hir_limit and self._evict_hir():
                    moved = True
                moved = self._evict_lir() or moved
            elif entry is None and key not in self._q:
                if self._lir_bytes + size > self.lir_limit and self._hir_bytes + size > self.hir_limit:
                    moved = self._evict_hir()
            if not moved:
                break

    def admit(self, key: Hashable, size: int) -> bool:
        """libCacheSim's ``LIRS_insert``: a non-resident HIR object of S becomes a resident LIR one;
        a new object is LIR while the LIR share has room, else HIR (in S and Q). ``used`` is the
        caller's to update (by the S entry's size, for the first)."""
        entry = self._s.get(key)
        if entry is not None:
            if entry.lir or entry.resident:
                return False
            entry.lir = entry.resident = True
            self._lir_bytes += entry.size
            return True
        if key in self._q:
            return False
        self._s[key] = _Entry(size, True, True)
        self._s_bytes += size
        if self._lir_bytes + size <= self.lir_limit:
            self._lir_bytes += size
        else:
            self._s[key].lir = False
            self._q[key] = size
            self._hir_bytes += size
        return True

    def request(self, key: Hashable, size: int) -> bool:
        """One request, as libCacheSim's ``LIRS_get``: find, else admit (making room), then bound S."""
        if self.lookup(key):
            return True
        if self.can_admit(key, size):
            self._make_room(key, size)
            entry = self._s.get(key)
            ghost = entry if entry is not None and not entry.resident else None
            if self.admit(key, size):
                self.used += ghost.size if ghost is not None else size
        self._limit_stack()
        return False

    def _limit_stack(self) -> None:
        """S holds at most twice the cache's bytes: forget the oldest non-resident entries."""
        while self._s_bytes > 2 * self.capacity and self._nh:
            key, _ = self._nh.popitem(last=False)
            if key in self._s:
                self._drop_from_s(key)

    def _drop(self, key: Hashable) -> int | None:
        """libCacheSim's ``LIRS_remove`` for a cached object (a TTL expiry)."""
        entry = self._s.get(key)
        if entry is not None and entry.lir:
            self._drop_from_s(key)
            self._lir_bytes -= entry.size
            self._prune()
            return entry.size
        if entry is not None and entry.resident:
            self._drop_from_s(key)
            self._hir_bytes -= entry.size
            self._q.pop(key, None)
            return entry.size
        if entry is None and key in self._q:
            size = self._q.pop(key)
            self._hir_bytes -= size
            return size
        return None

    def __contains__(self, key: object) -> bool:
        entry = self._s.get(key)
        return key in self._q or (entry is not None and entry.resident)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __iter__(self) -> Iterator[Hashable]:
        yield from (k for k, e in self._s.items() if e.lir)
        yield from self._q
