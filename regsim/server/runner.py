"""Run the server in a background thread: in a notebook kernel, a test, or the CLI.

>>> from regsim import Registry
>>> with serve(Registry()) as server:          # a free port on 127.0.0.1
...     server.running
True
>>> server.running
False
"""

from __future__ import annotations

import numbers
import asyncio
import socket
import threading
from collections import deque
from typing import Any, Protocol

import uvicorn
from starlette.types import Receive, Scope, Send

from ..errors import expect
from ..registry import Registry
from .app import RegistryApp, RequestRecord
from .auth import Authenticator
from .gate import ModelGate
from .heads import protocol_options

__all__ = ["RegistryServer", "serve", "bind"]


class _ThreadedServer(uvicorn.Server):
    """uvicorn's server, woken at once by :meth:`wake` instead of polling every 0.1 s to exit."""

    _loop: asyncio.AbstractEventLoop | None = None
    _wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):  # on_tick refreshes the Date header when counter % 10 == 0
            counter = (counter + 10) % 864000
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass

    def wake(self) -> None:
        loop, event = self._loop, self._wake
        if loop is not None and event is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # the loop closed in between: it has already exited
                pass


class ServedApp(Protocol):
    """What a :class:`RegistryServer` serves: a :class:`~regsim.server.app.RegistryApp`, or an app
    that wraps one and answers the same attributes (:class:`~regsim.server.classroom.ClassroomApp`)."""

    @property
    def registry(self) -> Registry: ...

    @property
    def gate(self) -> ModelGate: ...

    @property
    def auth(self) -> Authenticator: ...

    @property
    def requests(self) -> deque[RequestRecord]: ...

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class RegistryServer:
    """A running server: ``url``, ``port``, ``lock`` (hold it to read the model), ``stop()``."""

    def __init__(self, app: ServedApp, sock: socket.socket, *, log_level: str = "error", http: str = "auto",
                 loop: str = "auto") -> None:
        expect("sock", sock, socket.socket)
        self.app = app
        self.registry = app.registry
        self._socket = sock
        self.host, self.port = sock.getsockname()[:2]
        # log_config=None: leave the process's logging alone (a notebook kernel's, say); uvicorn
        # only sets its own loggers' level. "error" hides the warning each TLS probe causes
        # (clients such as skopeo try https first).
        # http/loop "auto": httptools and uvloop when installed (the server extra has them), else
        # h11 and asyncio; either way a request head is bounded (regsim.server.heads).
        config = uvicorn.Config(app, log_config=None, log_level=log_level, access_log=False, lifespan="off",
                                loop=loop, timeout_keep_alive=5, timeout_graceful_shutdown=5,
                                **protocol_options(http))
        self._server = _ThreadedServer(config)
        self._thread = threading.Thread(target=self._run, name=f"regsim-server-{self.port}", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, as image references name the registry."""
        return self.url.removeprefix("http://")

    @property
    def lock(self) -> threading.RLock:
        """The model lock: hold it while reading or changing the registry from another thread."""
        return self.app.gate.lock

    @property
    def requests(self) -> list[RequestRecord]:
        """The requests served so far, oldest first (:class:`~regsim.server.app.RequestRecord`)."""
        return list(self.app.requests.copy())  # deque.copy() is atomic; iterating a live deque is not

    @property
    def running(self) -> bool:
        """Whether the server thread is up and accepting requests (not yet told to stop)."""
        return self._thread.is_alive() and self._server.started and not self._server.should_exit

    def start(self, timeout: float = 10.0) -> "RegistryServer":
        """Start serving in a background thread and return the server once it accepts connections.

        If it has not started within ``timeout`` seconds (a port taken, a bad option), it is stopped
        and ``RuntimeError`` names why. Use :meth:`stop`, or a ``with`` block, to stop it.
        """
        self._thread.start()
        ready = threading.Event()
        while not ready.wait(0.005):
            if self._server.started:
                ready.set()
            elif not self._thread.is_alive() or timeout <= 0:
                self.stop()
                raise RuntimeError(f"regsim server on {self.address} did not start: {self._error!r}")
            timeout -= 0.005
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting requests, finish the ones in flight, and join the thread."""
        self._server.should_exit = True
        self._server.wake()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start()
            self._error = exc

    def __enter__(self) -> "RegistryServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"RegistryServer({self.registry.name!r}, auth={self.app.auth.scheme!r}, {state})"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``OSError`` naming the address when taken)."""
    expect("host", host, str)
    expect("port", port, numbers.Integral, "an int")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it a response written in two pieces waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def serve(registry: Registry, port: int = 0, *, host: str = "127.0.0.1", log_level: str = "error", http: str = "auto",
          loop: str = "auto", **options: Any) -> RegistryServer:
    """Serve ``registry`` over HTTP in a background thread and return once it accepts requests.

    ``port=0`` picks a free port (read it from ``server.port``). ``http`` (``"h11"``,
    ``"httptools"``) and ``loop`` (``"asyncio"``, ``"uvloop"``) choose uvicorn's HTTP parser and
    event loop (``"auto"``: the fastest installed). ``options`` go to
    :class:`~regsim.server.app.RegistryApp` (``auth``, ``auto_mount``, ``catalog_max_entries``,
    ``token_secret``, ``token_ttl``). Stop with ``server.stop()``, or use ``with serve(...)``.
    """
    expect("registry", registry, Registry)
    app = RegistryApp(registry, **options)
    return RegistryServer(app, bind(host, port), log_level=log_level, http=http, loop=loop).start()
