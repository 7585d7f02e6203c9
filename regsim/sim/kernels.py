"""Compiled replay kernels: the built-in policies again, as numba loops over dense object ids.

Each kernel is a second implementation of a policy in :mod:`regsim.sim.cache` -- the readable
reference -- and gives the same hit or miss on every request (``tests/sim/test_engines.py``
proves it with Hypothesis). Kernels see objects as dense ids ``0..n-1`` and keep their state in
numpy arrays owned by :class:`regsim.sim.engine.CompiledCache`, so a trace can be fed in chunks:

* per object: ``where`` (0 = not cached; otherwise which queue holds it), ``osize`` (the size
  it was admitted with; a hit never changes it), ``prev``/``nxt`` (its neighbours in that queue:
  ``prev`` towards the head, the newest end, ``nxt`` towards the tail, -1 at the ends) and
  policy-specific counters;
* ``lists``: ``[head, tail]`` of each queue (libCacheSim's layout: insert at the head, the tail
  is the oldest);
* ``st`` (int64) and ``fst`` (float64): the scalars (bytes used, queue sizes, hands, ...).

Every kernel has the signature ``(ids, sizes, hits, record, cap, <state...>) -> (misses,
missed_bytes)``; with ``record`` it writes each request's outcome into ``hits``. Compiled once per
machine (``cache=True`` keeps the machine code next to this file), so a second process starts
fast. This module imports numba; :mod:`regsim.sim.engine` imports it only when needed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["KERNELS", "dense_ids"]

# -- doubly linked queues over dense ids ----------------------------------------------------------


@njit(cache=True)
def _push_head(lists, q, prev, nxt, x):
    h = lists[2 * q]
    prev[x] = -1
    nxt[x] = h
    if h >= 0:
        prev[h] = x
    else:
        lists[2 * q + 1] = x
    lists[2 * q] = x


@njit(cache=True)
def _unlink(lists, q, prev, nxt, x):
    p = prev[x]
    n = nxt[x]
    if p >= 0:
        nxt[p] = n
    else:
        lists[2 * q] = n
    if n >= 0:
        prev[n] = p
    else:
        lists[2 * q + 1] = p


# -- LRU and FIFO -----------------------------------------------------------------------------------


@njit(cache=True)
def lru(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, promote):
    """LRU (``promote``: a hit moves the object to the head) or FIFO (hits change nothing)."""
    used = st[0]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if promote and lists[0] != x:
                _unlink(lists, 0, prev, nxt, x)
                _push_head(lists, 0, prev, nxt, x)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = lists[1]
                _unlink(lists, 0, prev, nxt, t)
                where[t] = 0
                used -= osize[t]
            _push_head(lists, 0, prev, nxt, x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0] = used
    return misses, missed


# -- CLOCK --------------------------------------------------------------------------------------------


@njit(cache=True)
def clock(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, freq, top):
    used = st[0]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if freq[x] < top:
                freq[x] += 1
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = lists[1]
                _unlink(lists, 0, prev, nxt, t)
                if freq[t]:
                    freq[t] -= 1
                    _push_head(lists, 0, prev, nxt, t)
                else:
                    where[t] = 0
                    used -= osize[t]
            _push_head(lists, 0, prev, nxt, x)
            where[x] = 1
            freq[x] = 0
            osize[x] = s
            used += s
    st[0] = used
    return misses, missed


# -- LFU ------------------------------------------------------------------------------------------------


@njit(cache=True)
def _lfu_raise_min(lists, mn, mx):
    for f in range(mn + 1, mx + 1):
        if lists[2 * f] >= 0:
            return f
    return mn


@njit(cache=True)
def lfu(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, freq):
    """One queue per frequency (``lists`` has room for every frequency the chunk can reach)."""
    used, mn, mx = st[0], st[1], st[2]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            f = freq[x]
            _unlink(lists, f, prev, nxt, x)
            f += 1
            freq[x] = f
            if f > mx:
                mx = f
            _push_head(lists, f, prev, nxt, x)
            if mn == f - 1 and lists[2 * (f - 1)] < 0:
                mn = _lfu_raise_min(lists, mn, mx)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = lists[2 * mn + 1]
                _unlink(lists, mn, prev, nxt, t)
                if lists[2 * mn] < 0:
                    mn = _lfu_raise_min(lists, mn, mx)
                where[t] = 0
                used -= osize[t]
            mn = 1
            freq[x] = 1
            _push_head(lists, 1, prev, nxt, x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1], st[2] = used, mn, mx
    return misses, missed


# -- S3-FIFO --------------------------------------------------------------------------------------------

# where: 1 small, 2 main, 3 ghost (ghost entries are not cached)


@njit(cache=True)
def _s3_evict_main(st, lists, prev, nxt, osize, where, freq):
    while True:
        t = lists[2 * 1 + 1]
        _unlink(lists, 1, prev, nxt, t)
        f = freq[t]
        if f >= 1:
            _push_head(lists, 1, prev, nxt, t)
            freq[t] = min(f, 3) - 1
            continue
        where[t] = 0
        st[2] -= osize[t]
        return osize[t]


@njit(cache=True)
def s3fifo(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, freq, small_cap, main_cap,
           ghost_cap, move_to_main):
    """st: used, small bytes, main bytes, ghost bytes, has evicted."""
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
            st[3] -= osize[x]
            _unlink(lists, 2, prev, nxt, x)
            where[x] = 0
            ghost_hit = True
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > small_cap or s > cap:
            continue
        while st[0] + s > cap:
            st[4] = 1
            if st[2] > main_cap or st[1] == 0:
                st[0] -= _s3_evict_main(st, lists, prev, nxt, osize, where, freq)
                continue
            while True:  # evict from the small queue
                t = lists[2 * 0 + 1]
                _unlink(lists, 0, prev, nxt, t)
                ts = osize[t]
                st[1] -= ts
                if freq[t] >= move_to_main:
                    _push_head(lists, 1, prev, nxt, t)
                    where[t] = 2
                    st[2] += ts
                    freq[t] = 0
                    if lists[0] < 0:
                        st[0] -= _s3_evict_main(st, lists, prev, nxt, osize, where, freq)
                        break
                    continue
                where[t] = 0
                st[0] -= ts
                if ts <= ghost_cap:  # remember it in the ghost queue
                    while st[3] + ts > ghost_cap:
                        g = lists[2 * 2 + 1]
                        _unlink(lists, 2, prev, nxt, g)
                        where[g] = 0
                        st[3] -= osize[g]
                    _push_head(lists, 2, prev, nxt, t)
                    where[t] = 3
                    st[3] += ts
                break
        if ghost_hit:
            _push_head(lists, 1, prev, nxt, x)
            where[x] = 2
            st[2] += s
        elif s >= small_cap:
            continue  # not stored (the evictions happened all the same, as in libCacheSim)
        elif st[4] == 0 and st[1] >= small_cap:
            _push_head(lists, 1, prev, nxt, x)
            where[x] = 2
            st[2] += s
        else:
            _push_head(lists, 0, prev, nxt, x)
            where[x] = 1
            st[1] += s
        freq[x] = 0
        osize[x] = s
        st[0] += s
    return misses, missed


# -- GDSF ---------------------------------------------------------------------------------------------------


@njit(cache=True)
def _heap_less(hp, hv, a, b):
    return hp[a] < hp[b] or (hp[a] == hp[b] and hv[a] < hv[b])


@njit(cache=True)
def _heap_swap(hp, hv, hx, a, b):
    hp[a], hp[b] = hp[b], hp[a]
    hv[a], hv[b] = hv[b], hv[a]
    hx[a], hx[b] = hx[b], hx[a]


@njit(cache=True)
def _sift_down(hp, hv, hx, n, i):
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        if c + 1 < n and _heap_less(hp, hv, c + 1, c):
            c += 1
        if not _heap_less(hp, hv, c, i):
            return
        _heap_swap(hp, hv, hx, c, i)
        i = c


@njit(cache=True)
def _heap_push(hp, hv, hx, n, prio, vtime, x):
    i = n
    hp[i], hv[i], hx[i] = prio, vtime, x
    while i > 0:
        parent = (i - 1) // 2
        if not _heap_less(hp, hv, i, parent):
            break
        _heap_swap(hp, hv, hx, i, parent)
        i = parent
    return n + 1


@njit(cache=True)
def _heap_compact(hp, hv, hx, n, where, vtime):
    """Keep the live entries (an object's newest, while cached) and heapify them."""
    m = 0
    for i in range(n):
        x = hx[i]
        if where[x] and vtime[x] == hv[i]:
            hp[m], hv[m], hx[m] = hp[i], hv[i], x
            m += 1
    for i in range(m // 2 - 1, -1, -1):
        _sift_down(hp, hv, hx, m, i)
    return m


@njit(cache=True)
def _gdsf_priority(inflation, f, size):
    if size == 0:
        return np.inf
    return inflation + f * 1.0e6 / size


@njit(cache=True)
def gdsf(ids, sizes, hits, record, cap, st, fst, osize, where, freq, vtime, hp, hv, hx):
    """st: used, clock, heap length; fst: inflation. A newcomer is admitted before evicting."""
    used, clk, n = st[0], st[1], st[2]
    inflation = fst[0]
    room = hp.size
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        clk += 1
        if n == room:
            n = _heap_compact(hp, hv, hx, n, where, vtime)
        if where[x]:
            f = freq[x] + 1
            freq[x] = f
            vtime[x] = clk
            n = _heap_push(hp, hv, hx, n, _gdsf_priority(inflation, f, osize[x]), clk, x)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            freq[x] = 1
            vtime[x] = clk
            where[x] = 1
            osize[x] = s
            n = _heap_push(hp, hv, hx, n, _gdsf_priority(inflation, 1, s), clk, x)
            used += s
            while used > cap:
                while True:
                    t = hx[0]
                    tv = hv[0]
                    tp = hp[0]
                    n -= 1
                    if n > 0:
                        hp[0], hv[0], hx[0] = hp[n], hv[n], hx[n]
                        _sift_down(hp, hv, hx, n, 0)
                    if where[t] and vtime[t] == tv:
                        break
                where[t] = 0
                inflation = tp
                used -= osize[t]
    st[0], st[1], st[2] = used, clk, n
    fst[0] = inflation
    return misses, missed


# -- ARC ------------------------------------------------------------------------------------------------------

# queues: 0 T1, 1 T2, 2 B1, 3 B2; where: 1 T1, 2 T2, 3 B1, 4 B2 (ghosts are not cached)
# st: 0 used, 1 T1 bytes, 2 T2 bytes, 3 B1 bytes, 4 B2 bytes, 5 last ghost hit from B1, 6 from B2


@njit(cache=True)
def _c_div(a, b):
    if b != 0:
        return a / b
    if a > 0:
        return np.inf
    return np.nan


@njit(cache=True)
def _arc_replace(st, p, lists, prev, nxt, osize, where):
    t1 = st[1]
    if (t1 > 0 and (t1 > p or (t1 == p and st[6] != 0))) or st[2] == 0:
        t = lists[2 * 0 + 1]
        _unlink(lists, 0, prev, nxt, t)
        _push_head(lists, 2, prev, nxt, t)
        where[t] = 3
        st[1] -= osize[t]
        st[3] += osize[t]
    else:
        t = lists[2 * 1 + 1]
        _unlink(lists, 1, prev, nxt, t)
        _push_head(lists, 3, prev, nxt, t)
        where[t] = 4
        st[2] -= osize[t]
        st[4] += osize[t]
    return osize[t]


@njit(cache=True)
def arc(ids, sizes, hits, record, cap, st, fst, lists, prev, nxt, osize, where):
    p = fst[0]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        ghost_hit = False
        if w == 1:
            st[5] = 0
            st[6] = 0
            _unlink(lists, 0, prev, nxt, x)
            _push_head(lists, 1, prev, nxt, x)
            where[x] = 2
            st[1] -= osize[x]
            st[2] += osize[x]
        elif w == 2:
            st[5] = 0
            st[6] = 0
            if lists[2] != x:
                _unlink(lists, 1, prev, nxt, x)
                _push_head(lists, 1, prev, nxt, x)
        elif w == 3:
            st[5] = 1
            st[6] = 0
            ghost_hit = True
            delta = _c_div(st[4], st[3])
            if not delta > 1.0:
                delta = 1.0
            grown = p + delta
            p = grown if grown < cap else float(cap)
            st[3] -= osize[x]
            _unlink(lists, 2, prev, nxt, x)
            where[x] = 0
        elif w == 4:
            st[5] = 0
            st[6] = 1
            ghost_hit = True
            delta = _c_div(st[3], st[4])
            if not delta > 1.0:
                delta = 1.0
            shrunk = p - delta
            p = shrunk if shrunk > 0.0 else 0.0
            st[4] -= osize[x]
            _unlink(lists, 3, prev, nxt, x)
            where[x] = 0
        if w == 1 or w == 2:
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s > cap:
            continue
        while st[0] + s > cap:
            if ghost_hit:
                st[0] -= _arc_replace(st, p, lists, prev, nxt, osize, where)
            elif st[1] + st[3] + s > cap:
                if st[3] > 0:  # forget B1's oldest, then replace
                    g = lists[2 * 2 + 1]
                    _unlink(lists, 2, prev, nxt, g)
                    where[g] = 0
                    st[3] -= osize[g]
                    st[0] -= _arc_replace(st, p, lists, prev, nxt, osize, where)
                else:  # T1 alone is too big: evict its oldest, no ghost
                    t = lists[2 * 0 + 1]
                    _unlink(lists, 0, prev, nxt, t)
                    where[t] = 0
                    st[1] -= osize[t]
                    st[0] -= osize[t]
            else:
                if st[1] + st[3] + st[2] + st[4] >= 2 * cap and st[4] > 0:
                    g = lists[2 * 3 + 1]
                    _unlink(lists, 3, prev, nxt, g)
                    where[g] = 0
                    st[4] -= osize[g]
                st[0] -= _arc_replace(st, p, lists, prev, nxt, osize, where)
        if ghost_hit:
            _push_head(lists, 1, prev, nxt, x)
            where[x] = 2
            st[2] += s
            st[5] = 0
            st[6] = 0
        else:
            _push_head(lists, 0, prev, nxt, x)
            where[x] = 1
            st[1] += s
        osize[x] = s
        st[0] += s
    fst[0] = p
    return misses, missed


# -- SIEVE -------------------------------------------------------------------------------------------------------


@njit(cache=True)
def sieve(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, visited):
    """st: used, hand (-1: start at the tail)."""
    used, hand = st[0], st[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            visited[x] = 1
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = hand if hand >= 0 else lists[1]
                while visited[t]:
                    visited[t] = 0
                    t = prev[t] if prev[t] >= 0 else lists[1]
                hand = prev[t]
                _unlink(lists, 0, prev, nxt, t)
                where[t] = 0
                used -= osize[t]
            _push_head(lists, 0, prev, nxt, x)
            where[x] = 1
            visited[x] = 0
            osize[x] = s
            used += s
    st[0], st[1] = used, hand
    return misses, missed


# -- dense ids for streamed traces ----------------------------------------------------------------------------------


@njit(cache=True)
def dense_ids(keys, table_keys, table_ids, count, out):
    """Map 64-bit object ids to dense ids ``0..n-1`` in order of first appearance.

    ``table_keys``/``table_ids`` are an open-addressing hash table (power-of-two length,
    ``table_ids == -1`` for an empty slot) with room for every new key of the chunk at half load
    (the caller grows it). Returns the new number of distinct keys.
    """
    mask = table_keys.size - 1
    for i in range(keys.size):
        k = keys[i]
        h = (k * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)
        j = np.int64(h & np.uint64(mask))
        while True:
            if table_ids[j] < 0:
                table_keys[j] = k
                table_ids[j] = count
                out[i] = count
                count += 1
                break
            if table_keys[j] == k:
                out[i] = table_ids[j]
                break
            j = (j + 1) & mask
    return count


KERNELS = {"lru": lru, "fifo": lru, "clock": clock, "lfu": lfu, "s3fifo": s3fifo, "gdsf": gdsf, "arc": arc,
           "sieve": sieve}
