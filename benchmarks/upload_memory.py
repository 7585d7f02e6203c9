"""Peak memory of ``regsim serve`` while a client pushes one large blob.

    .venv/bin/python benchmarks/upload_memory.py [--size-mb 1024] [--chunk-mb 64]

For each storage (in memory; ``--data`` on disk) and each way of uploading (one monolithic
``PUT``; ``PATCH`` chunks then ``PUT``; a single request, ``POST ?digest=``), a fresh ``regsim
serve`` subprocess receives the blob over loopback; the server's peak resident memory
(``VmHWM``) is printed next to the blob's size. Before issue 11 a 1 GiB upload peaked at 2.4 GiB
(3.4 GiB chunked); before issue 16 a single-request 1 GiB push in memory peaked at 2,073 MiB
(the pieces, then their join). Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MiB = 1 << 20


def _server(data: Path | None) -> tuple[subprocess.Popen, str]:
    args = [sys.executable, "-m", "regsim.cli", "serve", "--port", "0", "--quiet", "--max-body", str(8 << 30)]
    if data is not None:
        args += ["--data", str(data)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        match = re.search(r" at (http://127\.0\.0\.1:\d+)$", line.strip())
        if match:
            return process, match.group(1)
    raise RuntimeError("regsim serve did not start: " + process.stderr.read())


def _peak(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def _pieces(size: int, piece: int, seed: int):
    block = hashlib.sha256(str(seed).encode()).digest() * (piece // 32)
    sent = 0
    while sent < size:
        n = min(piece, size - sent)
        yield block[:n]
        sent += n


def _digest(size: int, piece: int, seed: int) -> str:
    h = hashlib.sha256()
    for p in _pieces(size, piece, seed):
        h.update(p)
    return "sha256:" + h.hexdigest()


def run(data: Path | None, size: int, chunk: int, how: str) -> tuple[int, int, float]:
    process, url = _server(data)
    try:
        baseline = _peak(process.pid)
        digest = _digest(size, MiB, 0)
        start = time.perf_counter()
        with httpx.Client(base_url=url, timeout=600) as http:
            if how == "single":
                done = http.post("/v2/bench/big/blobs/uploads/", params={"digest": digest},
                                 content=_pieces(size, MiB, 0))
                if done.status_code != 201:
                    raise RuntimeError(done.text)
                return baseline, _peak(process.pid), time.perf_counter() - start
            location = http.post("/v2/bench/big/blobs/uploads/").headers["location"]
            if how == "chunked":
                offset = 0
                while offset < size:
                    n = min(chunk, size - offset)
                    part = _pieces(n, MiB, 0)  # every MiB of the blob is the same block
                    location = http.patch(location, content=part,
                                          headers={"Content-Range": f"{offset}-{offset + n - 1}"}).headers["location"]
                    offset += n
                done = http.put(location, params={"digest": digest})
            else:
                done = http.put(location, params={"digest": digest}, content=_pieces(size, MiB, 0))
            if done.status_code != 201:
                raise RuntimeError(done.text)
        seconds = time.perf_counter() - start
        return baseline, _peak(process.pid), seconds
    finally:
        process.terminate()
        process.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", type=int, default=64)
    parser.add_argument("--how", nargs="+", choices=("monolithic", "chunked", "single"),
                        default=["monolithic", "chunked", "single"], help="which ways of uploading to measure")
    args = parser.parse_args(argv)
    size, chunk = args.size_mb * MiB, args.chunk_mb * MiB
    print(f"one blob of {size / MiB:.0f} MiB; peak RSS of the server (VmHWM), its idle RSS, and the time")
    parser_hows = {"monolithic": "monolithic PUT", "chunked": f"{args.chunk_mb} MiB chunks",
                   "single": "POST ?digest="}
    for storage in ("memory", "disk"):
        for key in args.how:
            with tempfile.TemporaryDirectory(prefix="regsim-bench-upload-", dir=".") as tmp:
                data = Path(tmp) / "store" if storage == "disk" else None
                idle, peak, seconds = run(data, size, chunk, key)
            how = parser_hows[key]
            print(f"  {storage:<6} {how:<15} peak {peak / MiB:7.0f} MiB (idle {idle / MiB:4.0f} MiB, "
                  f"{(peak - idle) / size:4.2f}x the blob)  {size / MiB / seconds:6.0f} MiB/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
