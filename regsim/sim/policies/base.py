"""What every cache policy is: :class:`Policy` (three methods and a byte count), the queue
policies' shared base, and :class:`Configured` (a built-in policy with its parameters set).

A policy is three methods on top of :class:`Policy` (which keeps the byte count)::

    lookup(key) -> bool          is ``key`` cached? (a hit updates recency/frequency)
    admit(key, size) -> bool     store ``key`` (called only when there is room); False = not stored
    evict() -> (key, size)       remove one object chosen by the policy and return it

and, optionally, ``can_admit(key, size)`` (admission control; by default an object is admitted
when it fits in the whole cache). :meth:`Policy.request` runs the classic loop::

    if lookup(key): hit
    elif can_admit(key, size):
        while used + size > capacity: evict()
        admit(key, size)

This is exactly libCacheSim's ``cache_get_base``. A built-in policy also names its compiled
implementation (``State``, a :class:`~regsim.sim.policies._compiled.KernelState` subclass), so
that ``engine="compiled"`` can run it.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections import OrderedDict
from typing import Any, Callable, ClassVar, Hashable, Iterator, Sequence

from .._util import check_int
from ..errors import InvalidParameter
from ._compiled import rand_below, rand_seed

__all__ = ["Policy", "QueuePolicy", "SlotPolicy", "Configured"]


class Policy(ABC):
    """A cache of keyed objects holding at most ``capacity`` bytes.

    Subclasses implement :meth:`lookup`, :meth:`admit` and :meth:`evict`; this base class keeps
    ``used`` (bytes held) from the sizes they are given and return.
    """

    #: short name used in experiment tables (``"lru"``, ``"gdsf"``...); a subclass that sets none is
    #: named after its class, so its rows are never taken for its parent's (an admitted policy's
    #: object carries its own: not a ClassVar)
    name: str = "policy"
    #: other spellings accepted for a built-in policy (libCacheSim's: ``"S3-FIFO"``, ``"LRU-K"``...)
    aliases: ClassVar[tuple[str, ...]] = ()
    #: the same policy's class in the ``libcachesim`` package, which the tests compare it with
    libcachesim: ClassVar[str | None] = None
    #: our parameter names -> that class's keyword arguments
    libcachesim_params: ClassVar[dict[str, str]] = {}
    #: True for a policy that needs each request's next access (Belady): see ``regsim.sim.policies.belady``
    needs_future: bool = False  # (an admitted policy's object takes its inner policy's: not a ClassVar)
    #: True for a policy that draws random numbers (from its ``seed``): its random stream is not
    #: libCacheSim's, so the tests compare it with libCacheSim by a tolerance over seeds
    sampled: ClassVar[bool] = False
    #: the compiled implementation of a built-in policy (None: runs in Python only)
    State: ClassVar[Any] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__
        if "State" not in cls.__dict__:
            cls.State = None  # a subclass changes the rules: its parent's kernel is not its own
        if "libcachesim" not in cls.__dict__:
            cls.libcachesim = None

    def __init__(self, capacity: int) -> None:
        self.capacity = check_int("capacity", capacity, minimum=0)
        self.used = 0

    # -- parameters -------------------------------------------------------------------------------

    @classmethod
    def parameters(cls) -> dict[str, Any]:
        """The constructor's parameters after ``capacity``, with their defaults."""
        sig = inspect.signature(cls.__init__)
        return {p.name: p.default for p in list(sig.parameters.values())[2:]
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}

    @classmethod
    def with_params(cls, **params: Any) -> "Configured":
        """This policy with some parameters set: a factory ``capacity -> policy`` that the
        compiled engine runs too, labelled in tables as ``s3fifo(small_ratio=0.05)``.

        >>> from regsim.sim import S3FIFO
        >>> S3FIFO.with_params(small_ratio=0.05)
        s3fifo(small_ratio=0.05)
        """
        return Configured(cls, params)

    @property
    def label(self) -> str:
        """``name``, with the parameters that differ from their defaults: ``clock(bits=2)``."""
        changed = []
        for key, default in type(self).parameters().items():
            value = getattr(self, key, default)
            if value != default:
                changed.append(f"{key}={value!r}")
        return f"{self.name}({', '.join(changed)})" if changed else self.name

    # -- what a policy implements ---------------------------------------------------------------

    @abstractmethod
    def lookup(self, key: Hashable) -> bool:
        """True when ``key`` is cached (and record the access)."""

    @abstractmethod
    def admit(self, key: Hashable, size: int) -> bool | None:
        """Store ``key`` (there is room). Return False if the policy decided not to store it."""

    @abstractmethod
    def evict(self) -> tuple[Hashable, int]:
        """Remove one object and return ``(key, size)``."""

    def can_admit(self, key: Hashable, size: int) -> bool:
        """Whether a missed object may enter the cache (default: it fits in the whole cache)."""
        return size <= self.capacity

    def discard(self, key: Hashable) -> bool:
        """Drop ``key`` if cached (a TTL expiry); True if it was there.

        Optional: the built-in policies implement ``_drop``; a user policy that does not
        simply never loses objects before eviction.
        """
        size = self._drop(key)
        if size is None:
            return False
        self.used -= size
        return True

    def _drop(self, key: Hashable) -> int | None:
        """Remove ``key`` from the policy's structures and return its size (None if absent)."""
        return None

    # -- driving it -----------------------------------------------------------------------------

    def request(self, key: Hashable, size: int) -> bool:
        """One request: True on a hit; on a miss, admit ``key`` (evicting as needed) if allowed."""
        if self.lookup(key):
            return True
        if self.can_admit(key, size):
            while self.used + size > self.capacity:
                _, freed = self.evict()
                self.used -= freed
            if self.admit(key, size) is not False:
                self.used += size
        return False

    def replay(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> int:
        """Run every request; return the number of **misses** (through :meth:`replay_bytes`)."""
        return self.replay_bytes(keys, sizes)[0]

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        """Run every request; return ``(misses, missed_bytes)``. Queue policies (LRU, FIFO) and
        CLOCK override this loop with one that inlines their rules."""
        request = self.request
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if not request(k, s):
                misses += 1
                missed += s
        return misses, missed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(capacity={self.capacity}, used={self.used})"


class SlotPolicy(Policy):
    """Policies that evict a sampled slot (Random, Hyperbolic, BeladySize): the cached keys sit in
    an array of slots, so a key leaves in O(1) by moving the last slot's key into its gap.

    A subclass keeps its own per-key state beside ``_size`` and forgets it in :meth:`_forget`, and
    picks its victims with :meth:`_evict_sampled`, from a generator seeded by ``seed``.
    """

    def __init__(self, capacity: int, seed: int = 0) -> None:
        super().__init__(capacity)
        self.seed = check_int("seed", seed, minimum=0)
        #: the random generator's state; a compiled run of this policy starts from it too
        self.rng_state = rand_seed(seed=self.seed)
        self._keys: list[Hashable] = []        # the cached keys, in slots
        self._pos: dict[Hashable, int] = {}     # key -> its slot
        self._size: dict[Hashable, int] = {}

    def _place(self, key: Hashable, size: int) -> None:
        """Put ``key`` in a new last slot."""
        self._pos[key] = len(self._keys)
        self._keys.append(key)
        self._size[key] = size

    def _forget(self, key: Hashable) -> None:
        """Drop a subclass's per-key state of a key that leaves (nothing here)."""

    def _take(self, slot: int) -> Hashable:
        """Remove the key in ``slot``; the last slot's key moves into it."""
        keys = self._keys
        key = keys[slot]
        last = keys.pop()
        if slot < len(keys):
            keys[slot] = last
            self._pos[last] = slot
        del self._pos[key]
        self._forget(key)
        return key

    def _evict_slot(self, slot: int) -> tuple[Hashable, int]:
        key = self._take(slot)
        return key, self._size.pop(key)

    def _evict_sampled(self, samples: int, score: Callable[..., Any], a: Any, b: Any, now: int,
                       worst: Any) -> tuple[Hashable, int]:
        """Draw ``samples`` slots at random (with replacement) and evict the key of lowest
        ``score(key, a, b, now)`` (the first drawn, on a tie; ``worst`` is above every score): the
        kernels' :func:`~regsim.sim.policies._compiled.evict_sampled`, with the same draws and the
        same ``score`` (its Python function, given the policy's dicts)."""
        draw, keys = rand_below.py_func, self._keys
        state, best, best_score = self.rng_state, -1, worst
        for _ in range(samples):
            state, slot = draw(state, len(keys))
            value = score(keys[slot], a, b, now)
            if value < best_score:
                best, best_score = slot, value
        self.rng_state = state
        return self._evict_slot(best)

    def _drop(self, key: Hashable) -> int | None:
        slot = self._pos.get(key)
        if slot is None:
            return None
        self._take(slot)
        return self._size.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._pos

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._keys)


class BucketPolicy(Policy):
    """Policies that keep keys in buckets by frequency, oldest first (LFU, LFUDA): ``_freq`` (key
    -> its frequency), ``_size``, ``_buckets`` (frequency -> its keys, bucket 1 always there) and
    the minimum frequency ``_min``. A bucket a key leaves empty goes to :meth:`_emptied`.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._freq: dict[Hashable, int] = {}
        self._size: dict[Hashable, int] = {}
        self._buckets: dict[int, OrderedDict[Hashable, None]] = {1: OrderedDict()}
        self._min = 1

    @abstractmethod
    def _emptied(self, f: int) -> None:
        """Bucket ``f`` has just become empty (a key left it)."""

    def _evict_oldest(self, f: int) -> tuple[Hashable, int]:
        """Evict the oldest key of bucket ``f``."""
        bucket = self._buckets[f]
        key, _ = bucket.popitem(last=False)
        if not bucket:
            self._emptied(f)
        del self._freq[key]
        return key, self._size.pop(key)

    def _drop(self, key: Hashable) -> int | None:
        f = self._freq.pop(key, None)
        if f is None:
            return None
        bucket = self._buckets[f]
        del bucket[key]
        if not bucket:
            self._emptied(f)
        return self._size.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._freq

    def __len__(self) -> int:
        return len(self._freq)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._freq)


class QueuePolicy(Policy):
    """Policies whose state is one insertion-ordered queue ``key -> size`` (oldest first).

    ``recency = True`` (LRU) moves a hit to the newest end; False (FIFO) leaves it. The lookup
    and the fast :meth:`replay_bytes` loop are written once, here, for both.
    """

    recency: ClassVar[bool] = False

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self._queue: OrderedDict[Hashable, int] = OrderedDict()

    def lookup(self, key: Hashable) -> bool:
        if key in self._queue:
            if self.recency:
                self._queue.move_to_end(key)
            return True
        return False

    def admit(self, key: Hashable, size: int) -> bool:
        self._queue[key] = size
        return True

    def evict(self) -> tuple[Hashable, int]:
        return self._queue.popitem(last=False)

    def _drop(self, key: Hashable) -> int | None:
        return self._queue.pop(key, None)

    def replay_bytes(self, keys: Sequence[Hashable], sizes: Sequence[int]) -> tuple[int, int]:
        queue = self._queue
        touch = queue.move_to_end if self.recency else None
        pop = queue.popitem
        cap, used = self.capacity, self.used
        misses = missed = 0
        for k, s in zip(keys, sizes):
            if k in queue:
                if touch is not None:
                    touch(k)
                continue
            misses += 1
            missed += s
            if s <= cap:
                used += s
                while used > cap:
                    used -= pop(False)[1]
                queue[k] = s
        self.used = used
        return misses, missed

    def __contains__(self, key: object) -> bool:
        return key in self._queue

    def __len__(self) -> int:
        return len(self._queue)

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._queue)


class Configured:
    """A built-in policy class with some parameters set: ``capacity -> policy``.

    Made by :meth:`Policy.with_params` (or from ``functools.partial(S3FIFO, small_ratio=0.05)``);
    equal when class and parameters are; labelled ``s3fifo(small_ratio=0.05)``. The parameters
    are checked at once, by building a cache of capacity 0.
    """

    __slots__ = ("cls", "params")

    def __init__(self, cls: type[Policy], params: dict[str, Any]) -> None:
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise InvalidParameter(f"cls must be a Policy class, got {type(cls).__name__} {cls!r:.80}")
        if not isinstance(params, dict):
            raise InvalidParameter(f"params must be a dict of parameters, got {type(params).__name__} {params!r:.80}")
        known = cls.parameters()
        for key in params:
            if key not in known:
                raise InvalidParameter(f"{cls.name} has no parameter {key!r} (its parameters: "
                                       f"{', '.join(known) or 'none'})")
        # in the constructor's order, defaults left out: one spelling per configuration
        ordered = {k: params[k] for k in known if k in params and not _same(params[k], known[k])}
        cls(0, **ordered)  # the class checks the values, naming the bad one
        self.cls = cls
        self.params = ordered

    def __call__(self, capacity: int) -> Policy:
        return self.cls(capacity, **self.params)

    @property
    def name(self) -> str:
        """The label of the configuration: the class's name and the parameters that differ from the
        defaults, as :func:`~regsim.sim.experiments.sweep` tables show it.

        >>> from regsim.sim.policies import S3FIFO
        >>> S3FIFO.with_params(small_ratio=0.05).name
        's3fifo(small_ratio=0.05)'
        """
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.cls.name}({args})" if args else self.cls.name

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Configured) and (self.cls, self.params) == (other.cls, other.params)

    def __hash__(self) -> int:
        return hash((self.cls, tuple(self.params.items())))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Configured, (self.cls, dict(self.params)))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
