"""Memory a client can make ``regsim serve`` hold from outside (issue 16, "memory from outside").

    .venv/bin/python benchmarks/bounds_memory.py [--rounds 3] [--logins 3000] [--layer-mb 2048]

* **failed logins**: a fresh ``regsim serve --access htpasswd`` receives ``--logins`` failed
  basic logins, each with a distinct user name of 200 kB (refused by the 64 KiB head cap), of
  20 kB (under the head cap, over the 256-byte credential cap), and of 250 bytes (accepted as a
  name, so kept in the failed-login table, which is bounded at 8 MiB). Printed: the server's
  resident memory before and after (``VmRSS``). Before issue 16: 137 -> 718 MiB for 200 kB names.
* **--load of a gzip bomb**: ``regsim serve --load bomb.tar.gz=demo/app``, where bomb.tar.gz is
  a ``docker save`` archive of about 2 MB holding one ``--layer-mb`` layer of zeros. Printed:
  whether it was refused or loaded, the error, and the peak resident memory of the process
  (``ru_maxrss``). Before issue 16: 2.1 GiB for a 2 GiB layer.

Each figure is the median of ``--rounds`` rounds, the kinds interleaved. Prints figures,
asserts nothing; say the machine load (``uptime``) when you quote them.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import httpx

MiB = 1 << 20


def _rss(pid: int, field: str = "VmRSS") -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) * 1024


def _server(*extra: str) -> tuple[subprocess.Popen, str]:
    args = [sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--quiet", *extra]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
        if match:
            return process, match.group(1)
    raise RuntimeError("regsim serve did not start: " + process.stderr.read())


def logins(count: int, name_bytes: int) -> tuple[int, int, dict[int, int]]:
    """(RSS before, RSS after, statuses) for ``count`` failed logins with distinct names."""
    process, url = _server("--access", "htpasswd", "--user", "ci:ci-pw")
    try:
        time.sleep(0.5)
        before = _rss(process.pid)
        statuses: dict[int, int] = {}
        with httpx.Client(base_url=url, timeout=60) as http:
            for i in range(count):
                user = f"{i:06d}".ljust(name_bytes, "u")
                header = "Basic " + base64.b64encode(f"{user}:guess".encode()).decode()
                try:
                    status = http.get("/v2/", headers={"Authorization": header}).status_code
                except httpx.HTTPError:
                    status = 0  # the server closed the connection after its 431
                statuses[status] = statuses.get(status, 0) + 1
        return before, _rss(process.pid), statuses
    finally:
        process.terminate()
        process.wait(30)


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def make_bomb(path: Path, layer_size: int) -> None:
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["demo/app:1.0"],
                            "Layers": ["layer/layer.tar"]}]).encode()
    with tarfile.open(path, "w:gz", compresslevel=9) as tar:
        for name, data in (("manifest.json", manifest), ("config.json", b'{"rootfs": {"diff_ids": []}}')):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("layer/layer.tar")
        info.size = layer_size
        tar.addfile(info, io.BufferedReader(_Zeros(layer_size), buffer_size=MiB))


_LOAD = """
import json, resource, subprocess, sys
process = subprocess.Popen([sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--quiet",
                            "--load", sys.argv[1] + "=demo/app"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
outcome = "refused"
for line in process.stdout:
    if "Press Ctrl-C" in line:  # it loaded the layer and serves: stop it
        outcome = "loaded"
        process.terminate()
        break
_, err = process.communicate(timeout=600)
print(json.dumps([f"{outcome} (exit {process.returncode})", (err.strip().splitlines() or [""])[-1],
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024]))
"""


def load_bomb(path: Path) -> tuple[str, str, int]:
    """(outcome, the error, peak RSS) of ``regsim serve --load`` of ``path``: it refuses it and
    exits, or loads it and serves (then it is stopped). A wrapper process that has no other
    child measures the peak (``ru_maxrss`` of its children)."""
    out = subprocess.run([sys.executable, "-c", _LOAD, str(path)], capture_output=True, text=True, timeout=900)
    outcome, error, peak = json.loads(out.stdout)
    return outcome, error, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--logins", type=int, default=3000)
    parser.add_argument("--layer-mb", type=int, default=2048)
    args = parser.parse_args(argv)
    print(f"machine: {os.getloadavg()[0]:.2f} load (1 min), {os.cpu_count()} CPUs; median of {args.rounds} rounds")
    sizes = (200_000, 20_000, 250)
    results: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="regsim-bench-bounds-", dir=".") as tmp:
        bomb = Path(tmp) / "bomb.tar.gz"
        make_bomb(bomb, args.layer_mb * MiB)
        print(f"bomb.tar.gz: {bomb.stat().st_size / MiB:.1f} MiB holding a {args.layer_mb} MiB layer")
        for _ in range(args.rounds):  # interleaved: each kind once per round
            for size in sizes:
                results.setdefault(f"login {size}", []).append(logins(args.logins, size))
            results.setdefault("bomb", []).append(load_bomb(bomb))
    for size in sizes:
        runs = results[f"login {size}"]
        before = statistics.median(r[0] for r in runs) / MiB
        after = statistics.median(r[1] for r in runs) / MiB
        print(f"  {args.logins} failed logins, {size:>7,}-byte names: RSS {before:5.0f} -> {after:5.0f} MiB "
              f"(answers {runs[-1][2]})")
    runs = results["bomb"]
    peak = statistics.median(r[2] for r in runs) / MiB
    print(f"  regsim serve --load bomb.tar.gz: {runs[-1][0]}, peak RSS {peak:.0f} MiB {runs[-1][1][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
