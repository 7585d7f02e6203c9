"""What the compiled policies share: lazy numba kernels, the state arrays, and inlined helpers.

A policy's kernel is a numba loop over dense object ids ``0..n-1`` (a second implementation of
its Python class, proven to give the same hit or miss on every request by
``tests/sim/test_engines.py``). Its state lives in numpy arrays owned by a :class:`KernelState`,
so a trace can be fed in chunks:

* per object (``fields``): ``where`` (0 = not cached; otherwise which queue holds it),
  ``osize`` (the size it was admitted with; a hit never changes it), ``prev``/``nxt`` (its
  neighbours in that queue: ``prev`` towards the head, the newest end, ``nxt`` towards the tail,
  -1 at the ends) and policy-specific counters;
* ``lists``: ``[head, tail]`` of each queue (libCacheSim's layout: insert at the head, the tail
  is the oldest), read into local variables while a chunk runs;
* ``st`` (int64) and ``fst`` (float64): the scalars (bytes used, queue sizes, hands, ...).

Every kernel has the signature ``(ids, sizes, hits, record, cap, <state...>) -> (misses,
missed_bytes)``; with ``record`` it writes each request's outcome into ``hits``.

:func:`kernel` marks a function as a kernel without importing numba: importing a policy stays
cheap, and numba is needed only when a kernel first runs. Then it is compiled with
``cache=True`` (the machine code is kept next to its source file, so a second process starts
fast), and every marked function its module refers to is compiled with it. numba's own cache
looks only at the kernel's file, not at the helpers it calls (here, or in any other module): a
kernel's cache key also holds a digest of the files of every numba function it calls, directly or
through others (:func:`helper_digest`), so editing or upgrading a helper compiles its callers anew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, ParamSpec, TypeVar, cast, overload

if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    from numpy.typing import NDArray

    # The kernels' arrays, as KernelState makes them (numba reads no annotations: these are for
    # readers and mypy; the kernels are compiled for the dtypes they are called with).
    Ints: TypeAlias = NDArray[np.int64]  #: ids, sizes, sizes of objects, scalars (st), queue ends (lists)
    Links: TypeAlias = NDArray[np.int32] | NDArray[np.int64]  #: prev/nxt: neighbours in a queue, -1 at the ends
    Flags: TypeAlias = NDArray[np.int8]  #: where: which queue holds an object (0: none); bits
    Floats: TypeAlias = NDArray[np.float64]  #: float scalars (fst), priorities
    Bools: TypeAlias = NDArray[np.bool_]  #: each request's outcome (hits)

__all__ = ["Kernel", "kernel", "KernelState", "LINKED", "LINKED64", "push", "unlink", "evict_tail", "queue_replay",
           "heap_push", "heap_pop", "heap_compact", "rand_seed", "rand_below", "slot_add", "slot_take",
           "evict_sampled", "next_accesses", "evict_oldest"]


P = ParamSpec("P")
R = TypeVar("R")


class Kernel(Generic[P, R]):
    """A function to compile with numba on first use (see the module docstring)."""

    def __init__(self, fn: Callable[P, R], inline: bool, refcounts: bool = True) -> None:
        self.py_func = fn
        self.inline = inline
        self.refcounts = refcounts
        self._dispatcher: Any = None
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def compiled(self) -> Any:
        """The numba dispatcher (created once; numba compiles or loads it on its first call)."""
        if self._dispatcher is None:
            from numba import njit

            options: dict[str, Any] = {"cache": True, "inline": "always" if self.inline else "never"}
            if not self.refcounts:
                options["_nrt"] = False  # numba's runtime off: no reference counts (not in numba's stubs)
            self._dispatcher = cast(Any, njit)(**options)(self.py_func)
            self._dispatcher._cache = _helper_aware_cache(self.py_func)
            namespace = self.py_func.__globals__  # what the kernel calls must be numba functions too
            for key, value in list(namespace.items()):
                if isinstance(value, Kernel):
                    namespace[key] = value.compiled()
        return self._dispatcher

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self.compiled()(*args, **kwargs)
        return result

    def __repr__(self) -> str:
        return f"<kernel {self.py_func.__module__}.{self.__name__}>"


def _called_functions(fn: Callable[..., Any]) -> list[Callable[..., Any]]:
    """The numba functions (marked, or numba's dispatchers) that ``fn``'s code names as globals."""
    names: set[str] = set()
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    found = []
    for name in sorted(names):
        value = fn.__globals__.get(name)
        py_func = getattr(value, "py_func", None)  # a Kernel, or a numba dispatcher it was compiled to
        if callable(py_func) and hasattr(py_func, "__code__"):
            found.append(py_func)
    return found


def helper_digest(fn: Callable[..., Any]) -> str:
    """A sha256 of the source files of every numba function ``fn`` calls, directly or through others.

    Part of a kernel's key in numba's on-disk cache (numba's own key holds the kernel's file alone).
    """
    import hashlib

    files: set[str] = set()
    seen: set[int] = set()
    todo = _called_functions(fn)
    while todo:
        f = todo.pop()
        if id(f) in seen:
            continue
        seen.add(id(f))
        files.add(f.__code__.co_filename)
        todo.extend(_called_functions(f))
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0")
        try:
            with open(name, "rb") as source:
                digest.update(source.read())
        except OSError:  # no file (a function made at run time): its code is in numba's own key
            pass
    return digest.hexdigest()


def _helper_aware_cache(fn: Callable[..., Any]) -> Any:
    """numba's cache of ``fn``, keyed also by :func:`helper_digest`."""
    from numba.core.caching import FunctionCache

    digest = helper_digest(fn)  # the helpers as they are now, when the kernel is first compiled or loaded

    class HelperAwareCache(FunctionCache):
        def _index_key(self, sig: Any, codegen: Any) -> Any:
            return (*super()._index_key(sig, codegen), digest)  # type: ignore[no-untyped-call]

    return HelperAwareCache(fn)  # type: ignore[no-untyped-call]


class _Marker:
    """``@kernel(inline=..., refcounts=...)``: marks the function it decorates."""

    def __init__(self, inline: bool, refcounts: bool) -> None:
        self.inline = inline
        self.refcounts = refcounts

    def __call__(self, fn: Callable[P, R]) -> Kernel[P, R]:
        return Kernel(fn, self.inline, self.refcounts)


@overload
def kernel(fn: Callable[P, R], *, inline: bool = ..., refcounts: bool = ...) -> Kernel[P, R]: ...


@overload
def kernel(fn: None = ..., *, inline: bool = ..., refcounts: bool = ...) -> _Marker: ...


def kernel(fn: Callable[P, R] | None = None, *, inline: bool = False,
           refcounts: bool = True) -> Kernel[P, R] | _Marker:
    """Mark ``fn`` as a numba kernel (``inline=True``: a helper inlined into its callers).

    ``refcounts=False``: compiled without numba's runtime, for a kernel that allocates nothing. With
    it, numba counts references to each array handed to an inlined helper, atomically, inside the
    request loop, where its pruning misses them: ARC ran 1.4-1.9x and LIRS 3-4x faster without.
    """
    if fn is None:
        return _Marker(inline, refcounts)
    return Kernel(fn, inline, refcounts)


#: the per-object arrays of a policy kept in doubly linked queues: name -> (dtype, fill)
LINKED: dict[str, tuple[str, int]] = {"osize": ("int64", 0), "where": ("int8", 0), "prev": ("int32", -1),
                                      "nxt": ("int32", -1)}
#: LINKED with 64-bit links: the kernels that keep several queues (ARC, MQ, SLRU, LRU-K, LIRS) run
#: 1.3-3x faster with them (numba's code for int32 links is slower there; benchmarks/cache.py)
LINKED64: dict[str, tuple[str, int]] = {**LINKED, "prev": ("int64", -1), "nxt": ("int64", -1)}


class KernelState:
    """A compiled policy's state between chunks; a policy module subclasses it.

    Built from a fresh Python policy object (its parameters and everything derived from them,
    such as S3-FIFO's small queue bytes, come from there: one source of truth). A subclass sets
    ``kernel``, ``queues`` (how many ``[head, tail]`` pairs), ``fields`` and :meth:`run`; and
    may use :meth:`setup` (its own scalars) and :meth:`prepare` (grow its own arrays before a chunk).
    """

    kernel: ClassVar[Kernel[..., tuple[int, int]]]
    queues: ClassVar[int] = 1
    fields: ClassVar[dict[str, tuple[str, int]]] = LINKED

    def __init__(self, policy: Any, objects: int = 0) -> None:
        import numpy as np

        self.np = np
        self.capacity = policy.capacity
        self.lists = np.full(2 * self.queues, -1, dtype=np.int64)
        self.st = np.zeros(8, dtype=np.int64)
        self.fst = np.zeros(2, dtype=np.float64)
        self.a: dict[str, Any] = {f: np.zeros(0, dtype) for f, (dtype, _) in self.fields.items()}
        self.n = 0
        self.fn: Callable[..., tuple[int, int]] = type(self).kernel.compiled()
        self.setup(policy)
        self.grow(objects)

    def setup(self, policy: Any) -> None:
        """Read the policy's parameters; set initial scalars."""

    def prepare(self, ids: Any) -> None:
        """Before a chunk of ``ids``: grow arrays that do not grow with the number of objects."""

    def run(self, ids: Any, sizes: Any, hits: Any, record: bool) -> tuple[int, int]:
        raise NotImplementedError

    @property
    def used(self) -> int:
        return int(self.st[0])

    def grow(self, n: int) -> None:
        """Room for object ids ``0..n-1`` in every per-object array."""
        np = self.np
        if n > self.n:
            new = min(max(n, 2 * self.n, 1024), 2**31 - 1)
            for f, (dtype, fill) in self.fields.items():
                a = np.full(new, fill, dtype=dtype)
                a[: self.n] = self.a[f][: self.n]
                self.a[f] = a
            self.n = new


class BucketState(KernelState):
    """The state of a kernel that keeps one queue per frequency (LFU and the LFU experts of LeCaR
    and Cacheus): ``bhead``/``btail`` indexed by frequency, ``st[2]`` the highest frequency held,
    grown before each chunk to the highest frequency that chunk can reach."""

    def __init__(self, policy: Any, objects: int = 0) -> None:
        import numpy as np

        self.bhead = np.full(0, -1, dtype=np.int64)
        self.btail = np.full(0, -1, dtype=np.int64)
        super().__init__(policy, objects)

    def prepare(self, ids: Any) -> None:
        np = self.np
        need = int(self.st[2]) + ids.size + 2  # the highest frequency this chunk can reach, + 1
        if self.bhead.size < need:
            size = max(need, 2 * self.bhead.size)
            for attr in ("bhead", "btail"):
                grown = np.full(size, -1, dtype=np.int64)
                old = getattr(self, attr)
                grown[: old.size] = old
                setattr(self, attr, grown)


@kernel(refcounts=False)
def next_bucket(bhead: Ints, low: int, high: int, none: int) -> int:
    """The lowest frequency above ``low``, up to ``high``, whose queue holds an object; ``none``
    if there is none."""
    for f in range(low + 1, high + 1):
        if bhead[f] >= 0:
            return f
    return none


# -- doubly linked queues over dense ids ----------------------------------------------------------
# A queue is (head, tail), kept in local variables inside a kernel (faster than an array: the
# compiler keeps them in registers); the helpers take them and return the new pair.


@kernel(inline=True)
def push(prev: Links, nxt: Links, head: int, tail: int, x: int) -> tuple[int, int]:
    """Insert ``x`` at the head (the newest end); return the new ``(head, tail)``."""
    prev[x] = -1
    nxt[x] = head
    if head >= 0:
        prev[head] = x
    else:
        tail = x
    return x, tail


@kernel(inline=True)
def unlink(prev: Links, nxt: Links, head: int, tail: int, x: int) -> tuple[int, int]:
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


@kernel(inline=True)
def evict_tail(prev: Links, nxt: Links, head: int, tail: int, where: Flags, osize: Ints) -> tuple[int, int, int, int]:
    """Drop the queue's oldest object (it leaves the cache, or a ghost list): ``(head, tail, x, its size)``."""
    x = tail
    head, tail = unlink(prev, nxt, head, tail, x)
    where[x] = 0
    return head, tail, x, osize[x]


@kernel(inline=True)
def queue_replay(ids: Ints, sizes: Ints, hits: Bools, record: bool, cap: int, st: Ints, lists: Ints, prev: Links,
                 nxt: Links, osize: Ints, where: Flags, recency: bool) -> tuple[int, int]:
    """LRU (``recency``: a hit moves the object to the head) and FIFO: one queue, evict the tail."""
    used, head, tail = st[0], lists[0], lists[1]
    misses = 0
    missed = 0
    for i in range(ids.size):
        x = ids[i]
        s = sizes[i]
        if where[x]:
            if recency and head != x:  # move x to the head; written out (not unlink + push): x has a
                p = prev[x]            # predecessor and the queue a head, and the loop runs ~2x faster
                n = nxt[x]
                nxt[p] = n
                if n >= 0:
                    prev[n] = p
                else:
                    tail = p
                prev[x] = -1
                nxt[x] = head
                prev[head] = x
                head = x
            if record:
                hits[i] = True
            continue
        if record:
            hits[i] = False
        misses += 1
        missed += s
        if s <= cap:
            while used + s > cap:  # pop the tail, written out for the same reason
                t = tail
                tail = prev[t]
                where[t] = 0
                used -= osize[t]
                if tail >= 0:
                    nxt[tail] = -1
                else:
                    head = -1
            head, tail = push(prev, nxt, head, tail, x)
            where[x] = 1
            osize[x] = s
            used += s
    st[0], lists[0], lists[1] = used, head, tail
    return misses, missed


# -- a binary min-heap of (priority, tie, id), with lazy deletion -----------------------------------
# Ties go to the smaller ``tie`` (a virtual time: the entry set earliest). An entry is live while
# its object is cached and ``vtime[x]`` still equals its tie; others are skipped when popped.


@kernel(inline=True)
def _heap_less(hp: Floats, hv: Ints, a: int, b: int) -> bool:
    return hp[a] < hp[b] or (hp[a] == hp[b] and hv[a] < hv[b])  # type: ignore[no-any-return]  # numpy scalars: Any


@kernel(inline=True)
def _heap_swap(hp: Floats, hv: Ints, hx: Ints, a: int, b: int) -> None:
    hp[a], hp[b] = hp[b], hp[a]
    hv[a], hv[b] = hv[b], hv[a]
    hx[a], hx[b] = hx[b], hx[a]


@kernel(refcounts=False)
def _sift_down(hp: Floats, hv: Ints, hx: Ints, n: int, i: int) -> None:
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


@kernel(refcounts=False)
def heap_push(hp: Floats, hv: Ints, hx: Ints, n: int, prio: float, vtime: int, x: int) -> int:
    """Add an entry to the heap of ``n``; return the new length."""
    i = n
    hp[i], hv[i], hx[i] = prio, vtime, x
    while i > 0:
        parent = (i - 1) // 2
        if not _heap_less(hp, hv, i, parent):
            break
        _heap_swap(hp, hv, hx, i, parent)
        i = parent
    return n + 1


@kernel(inline=True)
def heap_pop(hp: Floats, hv: Ints, hx: Ints, n: int, where: Flags, vtime: Ints) -> tuple[int, float, int]:
    """Pop live entries' minimum (skipping retired ones): ``(id, priority, new length)``."""
    while True:
        t = hx[0]
        tv = hv[0]
        tp = hp[0]
        n -= 1
        if n > 0:
            hp[0], hv[0], hx[0] = hp[n], hv[n], hx[n]
            _sift_down(hp, hv, hx, n, 0)
        if where[t] and vtime[t] == tv:
            return t, tp, n


@kernel(refcounts=False)
def heap_compact(hp: Floats, hv: Ints, hx: Ints, n: int, where: Flags, vtime: Ints) -> int:
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


class HeapState(KernelState):
    """A state with a lazy-deletion heap (``self.heap``: priorities, ties, ids; its length in ``st[2]``)."""

    def setup(self, policy: Any) -> None:
        np = self.np
        self.heap = (np.zeros(0, np.float64), np.zeros(0, np.int64), np.zeros(0, np.int64))

    def prepare(self, ids: Any) -> None:
        np = self.np
        need = 2 * self.n + 64
        hp, hv, hx = self.heap
        if hp.size < need:
            m = int(self.st[2])
            grown = (np.zeros(need, np.float64), np.zeros(need, np.int64), np.zeros(need, np.int64))
            for old, new in zip(self.heap, grown):
                new[:m] = old[:m]
            self.heap = grown


# -- seeded random numbers, the same in Python and in a kernel ----------------------------------------
# A 48-bit linear congruential generator (java.util.Random's constants): int64 arithmetic wraps in a
# kernel and is exact in Python, and the low 48 bits of the product are the same either way. A
# sampled policy keeps the state in its State's scalars and calls ``rand_below.py_func`` in Python.

RAND_MASK = (1 << 48) - 1


def rand_seed(*, seed: int) -> int:
    """The generator's first state for ``seed`` (an int >= 0)."""
    return (seed ^ 0x5DEECE66D) & RAND_MASK


@kernel(inline=True)
def rand_below(state: int, n: int) -> tuple[int, int]:
    """Advance the generator: ``(new state, a number in [0, n))`` (32 random bits modulo ``n``)."""
    state = (state * 0x5DEECE66D + 0xB) & 0xFFFFFFFFFFFF
    return state, (state >> 16) % n


# -- the slot array of the sampled policies (Random, Hyperbolic, BeladySize) ----------------------------
# ``slots[0..count-1]`` hold the cached ids in no order; ``pos[x]`` is x's slot (-1: not cached). An id
# leaves in O(1): the last slot's id moves into its gap (as SlotPolicy does in Python).


@kernel(inline=True)
def slot_add(pos: Links, slots: Links, count: int, x: int) -> int:
    """Put ``x`` in a new last slot; return the new count."""
    slots[count] = x
    pos[x] = count
    return count + 1


@kernel(inline=True)
def slot_take(pos: Links, slots: Links, count: int, j: int) -> tuple[int, int]:
    """Remove the id in slot ``j`` (the last slot's id moves into it): ``(that id, the new count)``."""
    y = slots[j]
    count -= 1
    last = slots[count]
    slots[j] = last
    pos[last] = j
    pos[y] = -1
    return y, count


@kernel(inline=True)
def evict_sampled(state: int, count: int, used: int, pos: Links, slots: Links, osize: Ints, samples: int,
                  score: Callable[..., Any], a: Any, b: Any, now: int, worst: Any) -> tuple[int, int, int]:
    """Draw ``samples`` slots at random (with replacement) and evict the id of lowest
    ``score(id, a, b, now)`` (the first drawn, on a tie; ``worst`` is above every score):
    ``(the generator's new state, the new count, the bytes still used)``."""
    best = -1
    best_score = worst
    for _ in range(samples):
        state, j = rand_below(state, count)
        value = score(slots[j], a, b, now)
        if value < best_score:
            best = j
            best_score = value
    y, count = slot_take(pos, slots, count, best)
    return state, count, used - osize[y]


# -- each request's next access (Belady, BeladySize) ---------------------------------------------------


@kernel
def next_accesses(ids: Ints, last: Ints, out: Any) -> None:
    """Each request's next access: the position of the next request for the same id, or
    ``2**63 - 1`` (``NEVER``; 2.0**63 in a float64 ``out``). Scans backwards; ``last`` holds -1 per id."""
    for i in range(ids.size - 1, -1, -1):
        x = ids[i]
        nxt_i = last[x]
        out[i] = 9223372036854775807 if nxt_i < 0 else nxt_i
        last[x] = i


# -- arrays of queues (LFU's and LFUDA's frequency buckets) ----------------------------------------------


@kernel(inline=True)
def evict_oldest(prev: Links, nxt: Links, heads: Ints, tails: Ints, j: int, where: Flags,
                 osize: Ints) -> tuple[int, int]:
    """Drop the oldest object of queue ``j`` (``heads[j]``, ``tails[j]``): ``(it, its size)``.

    A caller that runs with numba's reference counts pays for them on every call (the arrays it
    hands over): LFU's kernel, without them, runs 1.7x faster than its old hand-written eviction."""
    heads[j], tails[j], x, size = evict_tail(prev, nxt, heads[j], tails[j], where, osize)
    return x, size
