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
  is the oldest), read into local variables while a chunk runs;
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
# A queue is (head, tail), kept in local variables inside a kernel (faster than an array: the
# compiler keeps them in registers); the helpers take them and return the new pair.


@njit(cache=True, inline="always")
def _push(prev, nxt, head, tail, x):
    """Insert ``x`` at the head (the newest end); return the new ``(head, tail)``."""
    prev[x] = -1
    nxt[x] = head
    if head >= 0:
        prev[head] = x
    else:
        tail = x
    return x, tail


@njit(cache=True, inline="always")
def _unlink(prev, nxt, head, tail, x):
    """Remove ``x`` from its queue; return the new ``(head, tail)``."""
    p = prev[x]
    n = nxt[x]
    if p >= 0:
        nxt[p] = n
    else:
        head = n
    if n >= 0:
        prev[n] = p
    else:
        tail = p
    return head, tail


# -- LRU and FIFO -----------------------------------------------------------------------------------


@njit(cache=True)
def lru(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where):
    """A hit moves the object to the head; evict from the tail."""
    used, head, tail = st[0], lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if head != x:
                head, tail = _unlink(prev, nxt, head, tail, x)
                head, tail = _push(prev, nxt, head, tail, x)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = tail
                head, tail = _unlink(prev, nxt, head, tail, t)
                where[t] = 0
                used -= osize[t]
            head, tail = _push(prev, nxt, head, tail, x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], lists[0], lists[1] = used, head, tail
    return misses, missed


@njit(cache=True)
def fifo(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where):
    """Hits change nothing; evict the oldest insertion."""
    used, head, tail = st[0], lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = tail
                head, tail = _unlink(prev, nxt, head, tail, t)
                where[t] = 0
                used -= osize[t]
            head, tail = _push(prev, nxt, head, tail, x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], lists[0], lists[1] = used, head, tail
    return misses, missed


# -- CLOCK --------------------------------------------------------------------------------------------


@njit(cache=True)
def clock(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, freq, top):
    used, head, tail = st[0], lists[0], lists[1]
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
                t = tail
                head, tail = _unlink(prev, nxt, head, tail, t)
                if freq[t]:
                    freq[t] -= 1
                    head, tail = _push(prev, nxt, head, tail, t)
                else:
                    where[t] = 0
                    used -= osize[t]
            head, tail = _push(prev, nxt, head, tail, x)
            where[x] = 1
            freq[x] = 0
            osize[x] = s
            used += s
    st[0], lists[0], lists[1] = used, head, tail
    return misses, missed


# -- LFU ------------------------------------------------------------------------------------------------


@njit(cache=True)
def _lfu_raise_min(bhead, mn, mx):
    for f in range(mn + 1, mx + 1):
        if bhead[f] >= 0:
            return f
    return mn


@njit(cache=True)
def lfu(ids, sizes, hits, record, cap, st, bhead, btail, prev, nxt, osize, where, freq):
    """One queue per frequency (``bhead``/``btail`` have room for every frequency the chunk can reach)."""
    used, mn, mx = st[0], st[1], st[2]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            f = freq[x]
            bhead[f], btail[f] = _unlink(prev, nxt, bhead[f], btail[f], x)
            f += 1
            freq[x] = f
            if f > mx:
                mx = f
            bhead[f], btail[f] = _push(prev, nxt, bhead[f], btail[f], x)
            if mn == f - 1 and bhead[f - 1] < 0:
                mn = _lfu_raise_min(bhead, mn, mx)
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:
                t = btail[mn]
                bhead[mn], btail[mn] = _unlink(prev, nxt, bhead[mn], btail[mn], t)
                if bhead[mn] < 0:
                    mn = _lfu_raise_min(bhead, mn, mx)
                where[t] = 0
                used -= osize[t]
            mn = 1
            freq[x] = 1
            bhead[1], btail[1] = _push(prev, nxt, bhead[1], btail[1], x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], st[1], st[2] = used, mn, mx
    return misses, missed


# -- S3-FIFO --------------------------------------------------------------------------------------------

# where: 1 small, 2 main, 3 ghost (ghost entries are not cached)


@njit(cache=True)
def s3fifo(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, freq, small_cap, main_cap,
           ghost_cap, move_to_main):
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
            gh, gt = _unlink(prev, nxt, gh, gt, x)
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
                sh, st_ = _unlink(prev, nxt, sh, st_, t)
                ts = osize[t]
                small_used -= ts
                if freq[t] >= move_to_main:
                    mh, mt = _push(prev, nxt, mh, mt, t)
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
                        gh, gt = _unlink(prev, nxt, gh, gt, g)
                        where[g] = 0
                        ghost_used -= osize[g]
                    gh, gt = _push(prev, nxt, gh, gt, t)
                    where[t] = 3
                    ghost_used += ts
                break
            if from_main:
                while True:
                    t = mt
                    mh, mt = _unlink(prev, nxt, mh, mt, t)
                    f = freq[t]
                    if f >= 1:
                        mh, mt = _push(prev, nxt, mh, mt, t)
                        freq[t] = min(f, 3) - 1
                        continue
                    where[t] = 0
                    main_used -= osize[t]
                    used -= osize[t]
                    break
        if ghost_hit:
            mh, mt = _push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        elif s >= small_cap:
            continue  # not stored (the evictions happened all the same, as in libCacheSim)
        elif has_evicted == 0 and small_used >= small_cap:
            mh, mt = _push(prev, nxt, mh, mt, x)
            where[x] = 2
            main_used += s
        else:
            sh, st_ = _push(prev, nxt, sh, st_, x)
            where[x] = 1
            small_used += s
        freq[x] = 0
        osize[x] = s
        used += s
    st[0], st[1], st[2], st[3], st[4] = used, small_used, main_used, ghost_used, has_evicted
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5] = sh, st_, mh, mt, gh, gt
    return misses, missed


# -- GDSF ---------------------------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _heap_less(hp, hv, a, b):
    return hp[a] < hp[b] or (hp[a] == hp[b] and hv[a] < hv[b])


@njit(cache=True, inline="always")
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


@njit(cache=True, inline="always")
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

# where: 1 T1, 2 T2, 3 B1, 4 B2 (ghosts are not cached); lists: T1, T2, B1, B2
# st: 0 used, 1 T1 bytes, 2 T2 bytes, 3 B1 bytes, 4 B2 bytes, 5 last ghost hit from B1, 6 from B2


@njit(cache=True, inline="always")
def _c_div(a, b):
    if b != 0:
        return a / b
    if a > 0:
        return np.inf
    return np.nan


@njit(cache=True)
def arc(ids, sizes, hits, record, cap, st, fst, lists, prev, nxt, osize, where):
    p = fst[0]
    used, t1b, t2b, b1b, b2b, from_b1, from_b2 = st[0], st[1], st[2], st[3], st[4], st[5], st[6]
    h1, e1, h2, e2, g1h, g1t, g2h, g2t = lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6], lists[7]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        w = where[x]
        ghost_hit = False
        if w == 1:
            from_b1 = 0
            from_b2 = 0
            h1, e1 = _unlink(prev, nxt, h1, e1, x)
            h2, e2 = _push(prev, nxt, h2, e2, x)
            where[x] = 2
            t1b -= osize[x]
            t2b += osize[x]
        elif w == 2:
            from_b1 = 0
            from_b2 = 0
            if h2 != x:
                h2, e2 = _unlink(prev, nxt, h2, e2, x)
                h2, e2 = _push(prev, nxt, h2, e2, x)
        elif w == 3:
            from_b1 = 1
            from_b2 = 0
            ghost_hit = True
            delta = _c_div(b2b, b1b)
            if not delta > 1.0:
                delta = 1.0
            grown = p + delta
            p = grown if grown < cap else float(cap)
            b1b -= osize[x]
            g1h, g1t = _unlink(prev, nxt, g1h, g1t, x)
            where[x] = 0
        elif w == 4:
            from_b1 = 0
            from_b2 = 1
            ghost_hit = True
            delta = _c_div(b1b, b2b)
            if not delta > 1.0:
                delta = 1.0
            shrunk = p - delta
            p = shrunk if shrunk > 0.0 else 0.0
            b2b -= osize[x]
            g2h, g2t = _unlink(prev, nxt, g2h, g2t, x)
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
        while used + s > cap:
            replace = True
            if not ghost_hit:
                if t1b + b1b + s > cap:
                    if b1b > 0:  # forget B1's oldest, then replace
                        g = g1t
                        g1h, g1t = _unlink(prev, nxt, g1h, g1t, g)
                        where[g] = 0
                        b1b -= osize[g]
                    else:  # T1 alone is too big: evict its oldest, no ghost
                        t = e1
                        h1, e1 = _unlink(prev, nxt, h1, e1, t)
                        where[t] = 0
                        t1b -= osize[t]
                        used -= osize[t]
                        replace = False
                elif t1b + b1b + t2b + b2b >= 2 * cap and b2b > 0:  # forget B2's oldest
                    g = g2t
                    g2h, g2t = _unlink(prev, nxt, g2h, g2t, g)
                    where[g] = 0
                    b2b -= osize[g]
            if replace:  # the paper's REPLACE: T1's or T2's oldest goes to its ghost list
                if (t1b > 0 and (t1b > p or (t1b == p and from_b2 != 0))) or t2b == 0:
                    t = e1
                    h1, e1 = _unlink(prev, nxt, h1, e1, t)
                    g1h, g1t = _push(prev, nxt, g1h, g1t, t)
                    where[t] = 3
                    t1b -= osize[t]
                    b1b += osize[t]
                else:
                    t = e2
                    h2, e2 = _unlink(prev, nxt, h2, e2, t)
                    g2h, g2t = _push(prev, nxt, g2h, g2t, t)
                    where[t] = 4
                    t2b -= osize[t]
                    b2b += osize[t]
                used -= osize[t]
        if ghost_hit:
            h2, e2 = _push(prev, nxt, h2, e2, x)
            where[x] = 2
            t2b += s
            from_b1 = 0
            from_b2 = 0
        else:
            h1, e1 = _push(prev, nxt, h1, e1, x)
            where[x] = 1
            t1b += s
        osize[x] = s
        used += s
    fst[0] = p
    st[0], st[1], st[2], st[3], st[4], st[5], st[6] = used, t1b, t2b, b1b, b2b, from_b1, from_b2
    lists[0], lists[1], lists[2], lists[3], lists[4], lists[5], lists[6], lists[7] = h1, e1, h2, e2, g1h, g1t, g2h, g2t
    return misses, missed


# -- SIEVE -------------------------------------------------------------------------------------------------------


@njit(cache=True)
def sieve(ids, sizes, hits, record, cap, st, lists, prev, nxt, osize, where, visited):
    """st: used, hand (-1: start at the tail)."""
    used, hand, head, tail = st[0], st[1], lists[0], lists[1]
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
                t = hand if hand >= 0 else tail
                while visited[t]:
                    visited[t] = 0
                    t = prev[t] if prev[t] >= 0 else tail
                hand = prev[t]
                head, tail = _unlink(prev, nxt, head, tail, t)
                where[t] = 0
                used -= osize[t]
            head, tail = _push(prev, nxt, head, tail, x)
            where[x] = 1
            visited[x] = 0
            osize[x] = s
            used += s
    st[0], st[1], lists[0], lists[1] = used, hand, head, tail
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


KERNELS = {"lru": lru, "fifo": fifo, "clock": clock, "lfu": lfu, "s3fifo": s3fifo, "gdsf": gdsf, "arc": arc,
           "sieve": sieve}
