"""The background server: start, stop, the model lock, errors, the request log, and ``regsim serve``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from regsim import Registry
from regsim.io import write_layout
from regsim.server import serve


def test_serve_binds_loopback_on_a_free_port_and_stops_cleanly(registry):
    server = serve(registry)
    assert server.host == "127.0.0.1" and server.port > 0 and server.running
    assert server.url == f"http://127.0.0.1:{server.port}" and server.address == f"127.0.0.1:{server.port}"
    assert repr(server) == "RegistryServer('localhost:5000', auth='none', running)"
    assert httpx.get(f"{server.url}/v2/").status_code == 200
    server.stop()
    assert not server.running and repr(server).endswith("stopped)")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/v2/", timeout=2)
    server.stop()  # stopping twice is harmless
    assert not any(t.name.startswith("regsim-server") and t.is_alive() for t in threading.enumerate())


def test_a_taken_port_is_a_clear_error(server):
    with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{server.port}"):
        serve(Registry(), server.port)


def test_model_calls_wait_for_the_lock(server, api):
    done = threading.Event()
    with server.lock:
        threading.Thread(target=lambda: (api.push_blob("locked/app", b"x"), done.set())).start()
        assert not done.wait(0.3)  # the request is parked until the lock is free
        assert server.registry.repositories == {}
    assert done.wait(5)
    assert "locked/app" in server.registry.repositories


def test_events_reach_subscribers_as_requests_arrive(server, api, registry):
    seen = []
    registry.events.subscribe(lambda event: seen.append(event.kind))
    api.push_blob("live/app", b"x")
    # the byte came with the closing PUT: it enters the upload as an UploadProgressed event like
    # any chunk (issue 16: every state change is an event), then the blob is linked
    assert seen == ["UploadStarted", "UploadProgressed", "RepositoryCreated", "BlobUploaded"]


def test_the_request_log(server, api):
    api.get("/v2/")
    api.head("/v2/a/b/manifests/1.0")
    assert [str(r) for r in server.requests] == ["GET /v2/ 200", "HEAD /v2/a/b/manifests/1.0 404"]


def test_a_bug_is_a_500_unknown_and_the_server_keeps_serving(server, api, registry, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(registry, "tags", broken)
    response = api.get("/v2/a/b/tags/list")
    assert response.status_code == 500
    assert response.json()["errors"][0] == {"code": "UNKNOWN", "message": "internal error: the server's log has the details"}
    assert api.get("/v2/").status_code == 200


def _cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _url(process: subprocess.Popen, lines: list[str]) -> str:
    for line in process.stdout:
        lines.append(line)
        match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
        if match:
            return match.group(1)
    raise AssertionError("regsim serve printed no URL:\n" + "".join(lines) + process.stderr.read())


def test_regsim_serve_prints_events_and_stops_on_sigint(tmp_path, image):
    write_layout(tmp_path / "layout", [("1.0", image)])
    process = _cli("--load", f"{tmp_path / 'layout'}=demo/app", "--user", "alice:pw", "--access", "htpasswd")
    first: list[str] = []
    try:
        url = _url(process, first)
        auth = ("alice", "pw")
        assert httpx.get(f"{url}/v2/demo/app/tags/list", auth=auth).json() == {"name": "demo/app", "tags": ["1.0"]}
        assert httpx.get(f"{url}/v2/demo/app/tags/list").status_code == 401
        httpx.delete(f"{url}/v2/demo/app/manifests/1.0", auth=auth)
        time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    out = "".join(first) + out
    assert process.returncode == 0, err
    assert "loaded demo/app:1.0" in out
    assert re.search(r"\n#\d+ +localhost:\d+: tag demo/app:1\.0 deleted \(manifest sha256:", out), out
    assert "regsim: stopped." in out


def test_regsim_serve_reports_bad_arguments(tmp_path):
    bad_load = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--load",
                               str(tmp_path / "missing")], capture_output=True, text=True, timeout=30)
    assert bad_load.returncode == 1 and "no such layout directory or archive" in bad_load.stderr
    bad_user = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--user", "nopassword"],
                              capture_output=True, text=True, timeout=30)
    assert bad_user.returncode == 2 and "expected NAME:PASSWORD" in bad_user.stderr


def test_regsim_serve_help_is_plain_text_with_examples(capsys):
    from regsim.cli import main

    with pytest.raises(SystemExit) as done:
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "``" not in out and "The regsim command" not in out.replace("`", "")
    assert "Run a registry model behind the real OCI distribution API" in out
    assert "examples:\n  regsim serve " in out and "regsim serve --load ./layout=demo/app" in out


@pytest.mark.parametrize("value, message", [
    ("./layout=Demo/App", "argument --load: './layout=Demo/App': the repository after '=' is not valid: "
                          "invalid repository name 'Demo/App': must be lowercase"),
    ("./layout=demo//app", "invalid repository name 'demo//app'"),
    ("./layout=", "invalid repository name '': must not be empty"),
    ("=demo/app", "expected PATH[=REPOSITORY], got '=demo/app': no PATH before '='"),
])
def test_regsim_serve_refuses_an_invalid_repository_after_load_path(value, message, capsys):
    from regsim.cli import main

    with pytest.raises(SystemExit) as done:
        main(["serve", "--port", "0", "--load", value])
    assert done.value.code == 2
    assert message in capsys.readouterr().err


def test_regsim_serve_load_splits_at_the_last_equals_sign():
    from regsim.cli import _parser

    loads = _parser().parse_args(["serve", "--load", "a=b/layout=demo/app", "--load", "plain/layout"]).load
    assert loads == [("a=b/layout", "demo/app"), ("plain/layout", None)]


def test_regsim_serve_minor_errors_are_one_plain_line(tmp_path, image):
    # review (minor): a port out of range was a traceback; a tag-only layout said "pass repository="
    port = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "70000"],
                          capture_output=True, text=True, timeout=30)
    assert port.returncode == 2 and "Traceback" not in port.stderr
    assert "--port: expected a port number 0-65535, got '70000'" in port.stderr
    write_layout(tmp_path / "layout", [("1.0", image)])
    tag_only = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--load",
                               str(tmp_path / "layout")], capture_output=True, text=True, timeout=30)
    assert tag_only.returncode == 1 and "repository=" not in tag_only.stderr
    assert f"--load {tmp_path / 'layout'}=REPOSITORY" in tag_only.stderr


def test_regsim_serve_on_all_interfaces_prints_addresses_participants_can_use():
    from regsim.cli import _reachable_urls

    urls = _reachable_urls("0.0.0.0", 5000)
    assert urls and "http://127.0.0.1:5000" in urls and not any("0.0.0.0" in u for u in urls)
    assert _reachable_urls("127.0.0.1", 5000) == ["http://127.0.0.1:5000"]
    process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--host", "0.0.0.0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    banner = "".join(lines)
    assert "0.0.0.0" not in banner and "all interfaces" in banner and "http://127.0.0.1:" in banner, banner
