"""Bounds on what one client can make the server hold: credentials, request heads, failed
logins, open upload sessions.

* :data:`MAX_CREDENTIAL` -- a user name or password longer than this many bytes (UTF-8) is
  refused before it is decoded further, hashed, looked up or stored.
* :data:`MAX_HEAD` -- a request line plus headers longer than this many bytes is refused with
  ``431`` while it arrives (:mod:`~regsim.server.runner` bounds uvicorn's parsers).
* :class:`LoginThrottle` -- after ``attempts`` failed logins for one user from one client within
  ``window`` seconds, that pair is refused with ``429 TOOMANYREQUESTS`` (and ``Retry-After``)
  until the window has passed; other users and other clients are unaffected. The table is
  bounded in bytes (``max_bytes``): past it, the oldest pairs are forgotten.
* :class:`UploadTracker` -- which client opened which upload session and when. Sessions older
  than ``purge_age`` are purged (distribution's ``uploadpurging``, default age 168 h), and a
  client may hold at most ``per_client`` open sessions (429 past that).

Both take a ``clock`` (``time.monotonic`` by default), so tests need not sleep.

>>> clock = iter([0.0, 1.0, 2.0, 100.0]).__next__
>>> throttle = LoginThrottle(attempts=2, window=60, clock=clock)
>>> throttle.failed("ci", "10.0.0.1"); throttle.failed("ci", "10.0.0.1")
>>> throttle.retry_after("ci", "10.0.0.1")
58
>>> throttle.retry_after("ci", "10.0.0.1") is None    # 100 s later: the window has passed
True
"""

from __future__ import annotations

import numbers
import math
import time
from collections import OrderedDict, deque
from typing import Callable, Iterable

from ..errors import InvalidArgument, expect

__all__ = ["LoginThrottle", "UploadTracker", "DEFAULT_PURGE_AGE", "MAX_CREDENTIAL", "MAX_HEAD", "shown"]

#: Longest user name, and longest password, in bytes (UTF-8).
MAX_CREDENTIAL = 256
#: Longest request head (request line and headers), in bytes: 64 KiB.
MAX_HEAD = 64 << 10

#: distribution's ``storage.maintenance.uploadpurging.age`` default: 168 hours.
DEFAULT_PURGE_AGE = 168 * 3600.0


def shown(text: str, limit: int = 64) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis says so): what an error may echo of input.

    >>> shown("x" * 100, 5)
    'xxxx…'
    """
    expect("text", text, str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class LoginThrottle:
    """Failed logins per ``(user, client)`` in a sliding window, in at most ``max_bytes``.

    Each pair is counted as its user and client strings plus :attr:`ENTRY_BYTES` (the dict
    entry, the key tuple and the deque of times); when a new pair would pass ``max_bytes`` the
    oldest pairs are forgotten.
    """

    #: Bytes one pair costs besides its strings' characters (measured with tracemalloc: 1,066
    #: bytes for a pair of short strings with 5 failures: key tuple, two str objects, a deque
    #: of floats, the ordered dict's entry).
    ENTRY_BYTES = 1100

    def __init__(self, attempts: int = 5, window: float = 60.0, *, max_bytes: int = 8 << 20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        expect("attempts", attempts, numbers.Integral, "an int")
        expect("window", window, numbers.Real, "a number")
        expect("max_bytes", max_bytes, numbers.Integral, "an int")
        if attempts < 1 or window <= 0:
            raise InvalidArgument(f"login throttle needs attempts >= 1 and window > 0, got {attempts}, {window}")
        if max_bytes < self.ENTRY_BYTES:
            raise InvalidArgument(f"login throttle needs max_bytes >= {self.ENTRY_BYTES}, got {max_bytes}")
        self.attempts = attempts
        self.window = window
        self.max_bytes = max_bytes
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def _cost(key: tuple[str, str]) -> int:
        return len(key[0]) + len(key[1]) + LoginThrottle.ENTRY_BYTES

    @property
    def bytes(self) -> int:
        """What the table holds, as counted against ``max_bytes``."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._failures)

    def _forget(self, key: tuple[str, str]) -> None:
        if self._failures.pop(key, None) is not None:
            self._bytes -= self._cost(key)

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._forget(key)
            return None
        return times

    def retry_after(self, user: str, client: str) -> int | None:
        """Seconds until ``user`` may try again from ``client``; None when not locked."""
        now = self._clock()
        times = self._recent((user, client), now)
        if times is None or len(times) < self.attempts:
            return None
        return max(1, math.ceil(times[0] + self.window - now))

    def failed(self, user: str, client: str) -> None:
        key = (user, client)
        now = self._clock()
        times = self._recent(key, now)
        if times is None:
            cost = self._cost(key)
            while self._failures and self._bytes + cost > self.max_bytes:  # bounded: forget the oldest
                self._forget(next(iter(self._failures)))
            times = self._failures[key] = deque(maxlen=self.attempts)
            self._bytes += cost
        times.append(now)

    def succeeded(self, user: str, client: str) -> None:
        self._forget((user, client))


class UploadTracker:
    """Upload sessions opened over HTTP: by whom, since when."""

    def __init__(self, purge_age: float = DEFAULT_PURGE_AGE, per_client: int = 100, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        expect("purge_age", purge_age, numbers.Real, "a number")
        expect("per_client", per_client, numbers.Integral, "an int")
        if purge_age <= 0 or per_client < 1:
            raise InvalidArgument(f"upload limits need purge_age > 0 and per_client >= 1, got {purge_age}, {per_client}")
        self.purge_age = purge_age
        self.per_client = per_client
        self._clock = clock
        self._started: OrderedDict[str, tuple[str, float]] = OrderedDict()  # oldest first
        self._per_client: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._started)

    def opened(self, upload_id: str, client: str, *, age: float = 0.0) -> None:
        """Track a new session (``age``: seconds it has already been open, for one found in a store)."""
        self._started[upload_id] = (client, self._clock() - age)
        self._per_client.setdefault(client, set()).add(upload_id)

    def closed(self, upload_id: str) -> None:
        entry = self._started.pop(upload_id, None)
        if entry is not None:
            ids = self._per_client.get(entry[0])
            if ids is not None:
                ids.discard(upload_id)
                if not ids:
                    del self._per_client[entry[0]]

    def expired(self) -> list[str]:
        """Sessions older than ``purge_age`` (forgotten here; the caller purges them)."""
        limit = self._clock() - self.purge_age
        out = []
        for upload_id, (_, started) in list(self._started.items()):
            if started > limit:
                break
            out.append(upload_id)
            self.closed(upload_id)
        return out

    def forget_missing(self, live: Iterable[str]) -> None:
        """Drop sessions the registry no longer has (closed by the model directly)."""
        live = set(live)
        for upload_id in [u for u in self._started if u not in live]:
            self.closed(upload_id)

    def open_by(self, client: str) -> int:
        return len(self._per_client.get(client, ()))
