"""Stack distances in one pass: a Fenwick tree over each object's latest request (numba).

For request ``i`` of object ``x`` whose previous request was ``p``, the *stack distance* is the
total weight of the distinct objects requested in ``(p, i)`` -- each counted once, at its latest
request -- plus ``x``'s own weight. With every weight 1 it is the classic reuse distance (the
distinct objects in between, plus one); with the object sizes it is the byte distance that
decides an LRU hit: an LRU cache of ``C`` bytes holds the longest prefix of the recency stack
that fits, so a request hits exactly when its byte distance is at most ``C`` (every object
keeping its size, none larger than ``C``). A first request has distance -1 (infinite).

The tree is indexed by request position: an object has its weight at its latest request and 0
elsewhere, so the sum over ``(p, i)`` counts every object requested in between exactly once.
O(N log N) time, O(N + objects) memory. This module imports numba (like
:mod:`regsim.sim.kernels`); :mod:`regsim.sim.curves` imports it only when needed.

>>> stack_distances([0, 1, 2, 0, 0, 1], [1, 1, 1, 1, 1, 1]).tolist()
[-1, -1, -1, 3, 1, 3]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from numba import njit

from .errors import InvalidParameter

__all__ = ["stack_distances", "previous_request"]


@njit(cache=True)
def _distances(ids: NDArray[np.int64], weights: NDArray[np.int64], objects: int, out: NDArray[np.int64]) -> None:
    n = ids.size
    tree = np.zeros(n + 1, np.int64)
    last = np.full(objects, -1, np.int64)
    lastw = np.zeros(objects, np.int64)
    for i in range(n):
        x = ids[i]
        w = weights[i]
        p = last[x]
        if p < 0:
            out[i] = -1
        else:
            # positions p+1 .. i-1 (0-based) = tree prefix(i) - prefix(p+1) (1-based)
            s = 0
            j = i
            while j > p + 1:  # the two prefix walks share their tail: stop where they meet
                s += tree[j]
                j -= j & -j
            k = p + 1
            while k > j:
                s -= tree[k]
                k -= k & -k
            out[i] = s + w
            v = lastw[x]
            k = p + 1
            while k <= n:
                tree[k] -= v
                k += k & -k
        k = i + 1
        while k <= n:
            tree[k] += w
            k += k & -k
        last[x] = i
        lastw[x] = w


def _int64(name: str, values: Any) -> Any:
    try:
        return np.ascontiguousarray(values, dtype=np.int64)
    except (TypeError, ValueError):
        raise InvalidParameter(f"{name} must be an array of integers, got {type(values).__name__} "
                               f"{values!r:.80}") from None


def stack_distances(ids: Any, weights: Any, objects: int | None = None) -> Any:
    """Each request's stack distance (an int64 array; -1 for a first request).

    ``ids`` are dense object ids ``0..objects-1``, ``weights`` each request's weight (1 for the
    reuse distance, the object's size for LRU's byte distance), of one length.
    """
    ids, weights = _int64("ids", ids), _int64("weights", weights)
    if ids.shape != weights.shape or ids.ndim != 1:
        raise InvalidParameter(f"ids and weights must be 1-d arrays of one length, got shapes {ids.shape} and {weights.shape}")
    if objects is None:
        objects = int(ids.max()) + 1 if ids.size else 0
    out = np.empty(ids.size, np.int64)
    if ids.size:
        _distances(ids, weights, objects, out)
    return out


def previous_request(ids: Any) -> Any:
    """For each request, the position of the previous request for its object (-1 for none).

    >>> previous_request([4, 5, 4, 4]).tolist()
    [-1, -1, 0, 2]
    """
    ids = _int64("ids", ids)
    out = np.full(ids.size, -1, np.int64)
    order = np.argsort(ids, kind="stable")
    same = ids[order][1:] == ids[order][:-1]
    out[order[1:][same]] = order[:-1][same]
    return out
