"""Issue 11: ``regsim serve --data DIR`` over HTTP -- kill -9 during pushes, interop with
docker-registry 2.8 on the same directory (both ways, with skopeo), a soak test, admin gc."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from regsim import Registry
from regsim.oci.mediatypes import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from regsim.registry.filesystem import check
from regsim.server import serve

from helpers import skip_or_fail


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"{name} is not installed: install it with `sudo apt-get install {name}` (.ci/run does)")
    return path


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Serve:
    """``regsim serve --data DIR`` in a subprocess (killed by PID, never by name)."""

    def __init__(self, data: Path, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--quiet",
                                         "--data", str(data), *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, "PYTHONUNBUFFERED": "1"})
        for line in self.process.stdout:
            match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
            if match:
                self.url = match.group(1)
                break
        else:
            raise AssertionError("regsim serve printed no URL: " + self.process.stderr.read())
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # keep the pipe drained

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    def rss(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def push_image(http: httpx.Client, repo: str, tag: str, layers: list[bytes], *, chunk: int = 0) -> str:
    descriptors = []
    for data in layers:
        location = http.post(f"/v2/{repo}/blobs/uploads/").headers["location"]
        if chunk:
            for start in range(0, len(data), chunk):
                piece = data[start:start + chunk]
                location = http.patch(location, content=piece,
                                      headers={"Content-Range": f"{start}-{start + len(piece) - 1}"}).headers["location"]
            assert http.put(location, params={"digest": sha(data)}).status_code == 201
        else:
            assert http.put(location, params={"digest": sha(data)}, content=data).status_code == 201
        descriptors.append({"mediaType": OCI_LAYER, "digest": sha(data), "size": len(data)})
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descriptors]}}).encode()
    location = http.post(f"/v2/{repo}/blobs/uploads/").headers["location"]
    assert http.put(location, params={"digest": sha(config)}, content=config).status_code == 201
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "digest": sha(config), "size": len(config)},
                           "layers": descriptors}).encode()
    response = http.put(f"/v2/{repo}/manifests/{tag}", content=manifest, headers={"Content-Type": OCI_MANIFEST})
    assert response.status_code == 201, response.text
    return sha(manifest)


def test_kill_9_during_pushes_never_corrupts_the_store(tmp_path):
    """SIGKILL the server while four clients push, five times over; the store stays consistent."""
    data = tmp_path / "store"
    rnd = random.Random(11)
    for round_ in range(5):
        server = Serve(data)
        stop = threading.Event()
        landed: list[int] = []

        def pusher(worker: int) -> None:
            with httpx.Client(base_url=server.url, timeout=10) as http:
                n = 0
                while not stop.is_set():
                    try:
                        layers = [rnd.randbytes(rnd.randrange(1, 300_000)) for _ in range(2)]
                        push_image(http, f"crash/w{worker}", f"r{round_}-{n}", layers, chunk=64 * 1024)
                        landed.append(n)
                        n += 1
                    except (httpx.HTTPError, AssertionError, KeyError):
                        return  # the server died under us

        threads = [threading.Thread(target=pusher, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20  # let some pushes land (a loaded machine is slow), then kill mid-push
        while not landed and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rnd.random() * 0.5)
        server.kill()
        stop.set()
        for t in threads:
            t.join(15)
        report = check(data)
        assert report.ok, str(report)
    reopened = Registry.open(data)
    assert reopened.load_problems == []
    assert sum(len(r.tags) for r in reopened.repositories.values()) > 0  # pushes did land


class Distribution:
    """Debian's docker-registry 2.8, started privately on a store (own config, loopback, own port)."""

    def __init__(self, tmp_path: Path) -> None:
        self.binary = require_tool("docker-registry")
        self.tmp_path = tmp_path
        self.process: subprocess.Popen | None = None
        self.config: Path | None = None

    def start(self, data: Path) -> str:
        port = free_port()
        config = self.tmp_path / f"registry-{port}.yml"
        # Not the package's /etc/docker/registry/config.yml: that one listens on :5000 on every
        # interface, asks for htpasswd logins and stores in /var/lib/docker-registry.
        config.write_text(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {data}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
""")
        self.config = config
        self.process = subprocess.Popen([self.binary, "serve", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    return f"127.0.0.1:{port}"
            except httpx.HTTPError:
                pass
            assert self.process.poll() is None, self.process.stderr.read().decode()
            assert time.monotonic() < deadline, "docker-registry did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def distribution(tmp_path):
    registry = Distribution(tmp_path)
    yield registry
    registry.stop()


@pytest.mark.tools
def test_docker_registry_serves_what_regsim_stored_and_back(tmp_path, distribution, skopeo, umoci):
    data = tmp_path / "store"
    layout = umoci.layout()
    umoci.image(layout, "1.0", {"/hello": b"hello from regsim\n", "/etc/motd": b"motd\n"})
    tls = ("--src-tls-verify=false", "--dest-tls-verify=false")

    # regsim stores, docker-registry serves
    server = Serve(data)
    try:
        skopeo.copy(f"oci:{layout}:1.0", f"docker://{server.address}/demo/app:1.0", *tls)
    finally:
        server.stop()
    assert check(data).ok
    address = distribution.start(data)
    skopeo.copy(f"docker://{address}/demo/app:1.0", f"oci:{tmp_path / 'out1'}:1.0", *tls)
    original = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    pulled = json.loads((tmp_path / "out1" / "index.json").read_text())["manifests"][0]["digest"]
    assert pulled == original

    # docker-registry stores (another repository, another image), regsim serves
    umoci.image(layout, "2.0", {"/second": b"from docker-registry\n"}, base="1.0")
    skopeo.copy(f"oci:{layout}:2.0", f"docker://{address}/other/app:2.0", *tls)
    distribution.stop()
    # distribution's own garbage-collect reads the shared store as regsim's gc does
    Registry.open(data).delete_tag("demo/app", "1.0")
    theirs = subprocess.run([distribution.binary, "garbage-collect", "--dry-run", "--delete-untagged",
                             str(distribution.config)], capture_output=True, text=True, timeout=60)
    eligible = set(re.findall(r"blob eligible for deletion: (sha256:[0-9a-f]{64})", theirs.stdout))
    ours = Registry.open(data).garbage_collect(dry_run=True, delete_untagged=True)
    assert eligible and eligible == set(ours.swept), theirs.stdout + theirs.stderr
    report = check(data)
    assert report.ok, str(report)
    server = Serve(data)
    try:
        assert httpx.get(f"{server.url}/v2/other/app/tags/list").json() == {"name": "other/app", "tags": ["2.0"]}
        skopeo.copy(f"docker://{server.address}/other/app:2.0", f"oci:{tmp_path / 'out2'}:2.0", *tls)
    finally:
        server.stop()
    want = next(d["digest"] for d in json.loads((layout / "index.json").read_text())["manifests"]
                if d["annotations"]["org.opencontainers.image.ref.name"] == "2.0")
    assert json.loads((tmp_path / "out2" / "index.json").read_text())["manifests"][0]["digest"] == want


def test_soak_20_clients_push_pull_delete_with_bounded_memory(tmp_path):
    """20 concurrent clients, each a fixed number of push/pull/delete rounds; the server's memory after
    the warm-up rounds stays flat. Bounded by count, not by time: a slow machine only takes longer."""
    data = tmp_path / "store"
    server = Serve(data, "--event-log", "2000", "--gc-grace", "0")  # every blob may go
    clients, warm_rounds, rounds = 20, 1, 3
    errors: list[str] = []
    counts = [0] * clients
    warmed = threading.Barrier(clients + 1, timeout=300)

    def client(worker: int) -> None:
        rnd = random.Random(worker)
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for n in range(warm_rounds + rounds):
                if n == warm_rounds:
                    warmed.wait()
                repo, tag = f"soak/c{worker}", f"t{n}"
                layers = [rnd.randbytes(rnd.randrange(10_000, 200_000)), b"shared base layer" * 1000]
                try:
                    digest = push_image(http, repo, tag, layers, chunk=rnd.choice([0, 50_000]))
                    manifest = http.get(f"/v2/{repo}/manifests/{tag}")
                    assert manifest.status_code == 200 and sha(manifest.content) == digest
                    for layer in json.loads(manifest.content)["layers"]:
                        assert sha(http.get(f"/v2/{repo}/blobs/{layer['digest']}").content) == layer["digest"]
                    assert http.delete(f"/v2/{repo}/manifests/{digest}").status_code == 202
                    assert http.get(f"/v2/{repo}/manifests/{tag}").status_code == 404
                except (AssertionError, httpx.HTTPError) as exc:
                    errors.append(f"client {worker}: {exc!r}")
                    warmed.abort()
                    return
                counts[worker] += 1

    threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
    try:
        for t in threads:
            t.start()
        try:
            warmed.wait()
        except threading.BrokenBarrierError:
            pass  # a client failed: its error is asserted below
        warm = server.rss()
        for t in threads:
            t.join(300)
        after = server.rss()
        assert errors == []
        assert counts == [warm_rounds + rounds] * clients, counts
        assert after - warm < 40 << 20, f"RSS grew from {warm >> 20} MiB to {after >> 20} MiB"
        gc = httpx.post(f"{server.url}/admin/gc", params={"delete_untagged": "1"}, timeout=60).json()
        assert gc["bytes_freed"] > 0 and gc["dry_run"] is False
    finally:
        server.stop()
    report = check(data)
    assert report.ok and report.manifests == 0 and report.uploads == 0, str(report)
    assert report.blobs == 0  # every image was deleted, so gc swept every blob


def _regsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "regsim.cli", *args], capture_output=True, text=True, timeout=60)


def test_offline_gc_refuses_a_store_a_server_holds(tmp_path):
    # issue 16: `regsim gc --data D` while a server served D had no guard (2 of 6 acknowledged
    # pushes lost their blobs); now the server holds a lock naming its PID, and gc says what to do
    data = tmp_path / "store"
    server = Serve(data)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
            location = http.post("/v2/a/b/blobs/uploads/").headers["location"]
            assert http.put(location, params={"digest": sha(config)}, content=config).status_code == 201
        before = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
        for args in ((), ("--dry-run",), ("-m",)):
            refused = _regsim("gc", "--data", str(data), *args)
            assert refused.returncode == 1, refused.stdout
            assert f"PID {server.process.pid}" in refused.stderr and "POST /admin/gc" in refused.stderr, refused.stderr
            assert refused.stdout == ""
        repair = _regsim("check", "--data", str(data), "--repair")
        assert repair.returncode == 1 and f"PID {server.process.pid}" in repair.stderr
        second = subprocess.run([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--data", str(data)],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and f"PID {server.process.pid}" in second.stderr, second.stderr
        assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()) == before
        assert check(data).ok
        # online gc is the way while it serves
        assert httpx.post(f"{server.url}/admin/gc", timeout=30).status_code == 200
    finally:
        server.kill()  # kill -9: the lock goes with the process, though its file stays
    done = _regsim("gc", "--data", str(data))
    assert done.returncode == 0, done.stderr
    assert check(data).ok
