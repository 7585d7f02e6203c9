"""Push and pull one image with skopeo into regsim's server and into the reference registry.

    .venv/bin/python benchmarks/server.py [--layers 5] [--size-mb 200] [--repeat 3] [--seed 0] [--persistent]

The image (``--layers`` layers of incompressible, seeded data, ``--size-mb`` in all) is written
as an OCI layout, then for each repetition, alternating the two registries:

* **regsim**: a fresh :class:`regsim.Registry` served by :func:`regsim.server.serve` on 127.0.0.1
  (with ``--persistent``: ``Registry.open`` on a fresh temporary directory on disk, the reference
  registry's layout, as ``regsim serve --data`` does; a like-for-like with the reference's
  filesystem driver);
* **reference**: Debian's ``docker-registry`` (distribution 2.8) with filesystem storage in a
  fresh temporary directory on 127.0.0.1 (its in-memory driver is pathologically slow to write,
  so it would not be a fair comparison);

``skopeo copy oci:<layout> docker://...`` is timed (push), then ``skopeo copy docker://...
oci:<fresh dir>`` (pull). Each skopeo run has its own empty blob-info cache, so nothing is
skipped or mounted. The client's files (the layout, skopeo's state, the pulled copy) live in
``--client-dir`` (``/dev/shm`` when there is one), so the client's disk is not what is measured;
the reference registry's storage is on disk, in a temporary directory. Medians are reported,
with throughput, the servers' CPU time, and the regsim/reference ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from regsim import Image, ImageConfig, Layer, Registry
from regsim.io import read_layout, write_layout
from regsim.server import serve
from regsim.engines.clients import Skopeo, ToolMissing, find_tool


def build_layout(root: Path, layers: int, total_mb: float, seed: int) -> tuple[Path, int, str]:
    """An OCI layout with one image; returns (path, bytes of blobs, manifest digest)."""
    rng = random.Random(seed)
    size = int(total_mb * 1_000_000) // layers
    parts = [Layer.from_files([(f"/data/part{i}.bin", rng.randbytes(size))]) for i in range(layers)]
    image = Image.create(parts, ImageConfig(cmd=("true",)))
    path = write_layout(root / "layout", [("1.0", image)])
    return path, sum(b.size for b in image.blobs()) + len(image.manifest_bytes), image.digest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Reference:
    """``docker-registry serve`` with filesystem storage in a fresh temporary directory."""

    def __init__(self, binary: str) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="regsim-bench-distribution-")
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        config = Path(self.dir.name) / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.dir.name}/storage\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.address}\n")
        self.process = subprocess.Popen([binary, "serve", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://{self.address}/v2/", timeout=1).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("docker-registry did not start: " + self.process.stderr.read().decode())
                time.sleep(0.05)

    def cpu(self) -> float:
        """CPU seconds the registry process has used (user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.dir.cleanup()


class Regsim:
    http = "auto"
    persistent = False

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="regsim-bench-store-") if self.persistent else None
        self.registry = (Registry.open(Path(self.dir.name) / "storage") if self.dir is not None
                         else Registry("localhost:5000"))
        self.server = serve(self.registry, http=self.http, loop="asyncio" if self.http == "h11" else "auto")
        self.address = self.server.address

    @staticmethod
    def cpu() -> float:
        """CPU seconds of this process: the server threads (the driver only waits for skopeo)."""
        return time.process_time()

    def close(self) -> None:
        self.server.stop()
        if self.dir is not None:
            self.dir.cleanup()


def run_once(kind: str, binary: str | None, layout: Path, digest: str, work: Path) -> dict[str, float]:
    target = Regsim() if kind == "regsim" else Reference(binary)
    figures: dict[str, float] = {}
    try:
        with Skopeo(work / f"skopeo-{kind}") as skopeo:
            ref = f"docker://{target.address}/bench/app:1.0"
            out = work / f"pulled-{kind}"
            for op, source, dest in (("push", f"oci:{layout}:1.0", ref), ("pull", ref, f"oci:{out}:1.0")):
                cpu, start = target.cpu(), time.perf_counter()
                skopeo.copy(source, dest)
                figures[op] = time.perf_counter() - start
                figures[f"{op} cpu"] = target.cpu() - cpu
        (pulled,) = read_layout(out)
        if pulled.digest != digest:
            raise RuntimeError(f"{kind}: pulled manifest {pulled.digest} is not the pushed {digest}")
        shutil.rmtree(out)
        shutil.rmtree(work / f"skopeo-{kind}", ignore_errors=True)
        return figures
    finally:
        target.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", type=int, default=5)
    parser.add_argument("--size-mb", type=float, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--http", choices=("auto", "h11", "httptools"), default="auto",
                        help="uvicorn's HTTP implementation for regsim (h11 also means the asyncio loop)")
    parser.add_argument("--client-dir", type=Path,
                        default=Path("/dev/shm") if Path("/dev/shm").is_dir() else None,
                        help="where the layout, skopeo's state and pulled copies go (default: /dev/shm)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--persistent", action="store_true",
                        help="regsim keeps the image on disk (Registry.open), like the reference")
    args = parser.parse_args(argv)
    Regsim.http = args.http
    Regsim.persistent = args.persistent
    try:
        find_tool("skopeo")
        reference = find_tool("docker-registry")
    except ToolMissing as exc:
        print(f"benchmarks/server.py: {exc}", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="regsim-bench-", dir=args.client_dir) as tmp:
        work = Path(tmp)
        layout, size, digest = build_layout(work, args.layers, args.size_mb, args.seed)
        print(f"image: {args.layers} layers, {size / 1e6:.1f} MB in all ({digest.short}); "
              f"{args.repeat} runs each, alternating")
        ops = ("push", "pull", "push cpu", "pull cpu")
        times: dict[str, dict[str, list[float]]] = {k: {op: [] for op in ops} for k in ("regsim", "reference")}
        for i in range(args.repeat):
            for kind in (("regsim", "reference") if i % 2 == 0 else ("reference", "regsim")):
                figures = run_once(kind, reference, layout, digest, work)
                for op in ops:
                    times[kind][op].append(figures[op])
                print(f"  run {i + 1} {kind:<9} push {figures['push']:6.2f} s (server cpu {figures['push cpu']:5.2f} s)"
                      f"   pull {figures['pull']:6.2f} s (server cpu {figures['pull cpu']:5.2f} s)", flush=True)

    median = {k: {op: statistics.median(v) for op, v in values.items()} for k, values in times.items()}
    print(f"\nmedians of {args.repeat} runs{'':<10}{'push':>16}{'pull':>16}{'server cpu push/pull':>24}")
    mode = "disk" if args.persistent else "memory"
    for kind, label in (("regsim", f"regsim ({args.http}, {mode})"), ("reference", "docker-registry 2.8 (fs)")):
        cells = [f"{size / 1e6 / median[kind][op]:7.1f} MB/s" for op in ("push", "pull")]
        cpu = f"{median[kind]['push cpu']:.2f} s / {median[kind]['pull cpu']:.2f} s"
        print(f"{label:<28}{cells[0]:>16}{cells[1]:>16}{cpu:>24}")
    ratio = {op: median["reference"][op] / median["regsim"][op] for op in ("push", "pull")}
    print(f"{'ratio regsim / reference':<28}{ratio['push']:>15.2f}x{ratio['pull']:>15.2f}x   (target >= 1.0x)")
    if args.json:
        args.json.write_text(json.dumps({"bytes": size, "seconds": times, "median": median, "ratio": ratio},
                                        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
