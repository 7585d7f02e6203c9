"""Issue 16, "memory from outside": what a client sends is bounded before the server works on it.

Each test reproduces a finding first: 3,000 failed logins with distinct 200 kB user names took
the server from 137 to 718 MiB; an 8 MB header was accepted and the name echoed twice; a
single-request push held the blob twice. (The memory figures themselves are printed by
benchmarks/bounds_memory.py and benchmarks/upload_memory.py.)
"""

from __future__ import annotations

import base64
import hashlib
import socket
import time

import pytest

from regsim import Registry
from regsim.server import serve
from regsim.server.limits import MAX_CREDENTIAL, MAX_HEAD, LoginThrottle


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def private(api_for):
    registry = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with serve(registry, login_attempts=3, login_window=60) as server:
        yield registry, server, api_for(server)


# (a 200 kB name is over the head cap: see test_request_heads_are_bounded_while_they_arrive)
@pytest.mark.parametrize("user, password", [("u" * 20_000, "pw"), ("ci", "p" * 20_000),
                                            ("é" * (MAX_CREDENTIAL // 2 + 1), "pw")])
def test_long_user_names_and_passwords_are_refused_before_any_work(private, monkeypatch, user, password):
    registry, server, api = private
    asked = []
    monkeypatch.setattr(registry, "login", lambda *args: asked.append(args))
    response = api.get("/v2/", headers=basic(user, password))
    assert response.status_code == 401 and response.json()["errors"][0]["code"] == "UNAUTHORIZED"
    assert f"at most {MAX_CREDENTIAL} bytes" in response.text
    assert len(response.content) < 1000  # nothing of the name echoed back
    assert asked == [] and len(server.app.auth.throttle) == 0  # not checked, not stored


def test_credentials_at_the_cap_still_log_in(api_for):
    user, password = "u" * MAX_CREDENTIAL, "p" * MAX_CREDENTIAL
    registry = Registry.private("localhost:5000", users={user: password})
    with serve(registry) as server:
        assert api_for(server).get("/v2/", headers=basic(user, password)).status_code == 200


def test_failed_logins_echo_at_most_the_capped_name(private):
    _, server, api = private
    user = "x" * MAX_CREDENTIAL
    for _ in range(4):
        response = api.get("/v2/", headers=basic(user, "guess"))
    assert response.status_code == 429
    assert len(response.content) < 3 * MAX_CREDENTIAL


def test_the_failed_login_table_is_bounded_in_bytes():
    throttle = LoginThrottle(attempts=3, window=60, max_bytes=100_000, clock=lambda: 0.0)
    for i in range(3000):
        throttle.failed(f"{i:05d}" + "x" * (MAX_CREDENTIAL - 5), "10.0.0.1")
        assert throttle.bytes <= 100_000
    assert 0 < len(throttle) < 3000
    newest = f"{2999:05d}" + "x" * (MAX_CREDENTIAL - 5)
    for _ in range(2):
        throttle.failed(newest, "10.0.0.1")
    assert throttle.retry_after(newest, "10.0.0.1") == 60  # the newest pairs are kept
    throttle.succeeded(newest, "10.0.0.1")
    assert throttle.retry_after(newest, "10.0.0.1") is None and throttle.bytes <= 100_000


def test_the_failed_login_table_of_a_server_stays_bounded(api_for):
    registry = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with serve(registry) as server:
        api = api_for(server)
        for i in range(300):
            assert api.get("/v2/", headers=basic(f"{i}-" + "n" * 250, "guess")).status_code == 401
        throttle = server.app.auth.throttle
        assert len(throttle) == 300 and throttle.bytes < 300 * (MAX_CREDENTIAL + throttle.ENTRY_BYTES + 16)
        assert throttle.max_bytes == 8 << 20


def _raw(server, head: bytes, timeout: float = 10) -> bytes:
    """Send ``head`` (as much as the server takes), then read the whole answer."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading it all
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


@pytest.mark.parametrize("server, status", [("auto", b"431"), ("h11", b"400")], indirect=["server"])
@pytest.mark.parametrize("where", ["header", "url", "many headers"])
def test_request_heads_are_bounded_while_they_arrive(server, api, status, where):
    big = b"n" * (8 << 20)
    if where == "header":
        head = b"GET /v2/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + base64.b64encode(big) + b"\r\n\r\n"
    elif where == "url":
        head = b"GET /v2/" + big + b"/tags/list HTTP/1.1\r\nHost: x\r\n\r\n"
    else:
        head = b"GET /v2/ HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: 0123456789\r\n" * 100_000 + b"\r\n"
    answer = _raw(server, head)
    assert answer.split(b" ", 2)[1] == status, answer[:200]
    assert len(answer) < 2000  # nothing of the request echoed back
    assert api.get("/v2/").status_code == 200  # the server goes on serving


def test_heads_below_the_cap_are_served(server, api):
    response = api.get("/v2/", headers={"X-Pad": "p" * (MAX_HEAD - 1000)})
    assert response.status_code == 200
    answer = _raw(server, b"GET /v2/ HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * (MAX_HEAD - 1000) +
                  b"\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200")


def test_an_unknown_authorization_scheme_is_not_echoed_whole(api_for):
    registry = Registry.private("localhost:5000", users={"ci": "ci-pw"})
    with serve(registry) as server:
        response = api_for(server).get("/v2/", headers={"Authorization": "X" * 30_000 + " y"})
        assert response.status_code == 401 and len(response.content) < 1000
        token = api_for(server).get("/v2/", headers={"Authorization": "Bearer " + "t" * 30_000})
        assert token.status_code == 401 and len(token.content) < 1000


def test_a_single_request_push_holds_the_blob_once(api_for):
    """Finding: ``POST ?digest=`` in memory mode peaked at 2,073 MiB for a 1 GiB blob (the
    pieces, then their join); the chunked path at 1,049 MiB. Counted with tracemalloc."""
    import tracemalloc

    registry = Registry("localhost:5000")
    size = 32 << 20
    block = bytes(range(256)) * 4096  # 1 MiB
    digest = sha(block * (size // len(block)))

    def pieces():
        for _ in range(size // len(block)):
            yield block

    with serve(registry) as server:
        api = api_for(server)
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            response = api.post("/v2/a/b/blobs/uploads/", params={"digest": digest}, content=pieces())
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        assert response.status_code == 201, response.text
        assert registry.blobs[digest].size == size
        assert api.get(f"/v2/a/b/blobs/{digest}").content == block * (size // len(block))
    assert peak < 1.25 * size, f"peak {peak / size:.2f}x the blob"
