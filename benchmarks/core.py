"""Core model benchmarks: print figures, assert nothing.

1. Push 1 GiB of real layer bytes through the model (monolithic and chunked uploads, then the
   manifest) and compare with raw ``hashlib.sha256`` over the same bytes. Target: >= 0.8.
   Chunks are kept as they arrived (joined only when the blob is first read). With
   ``--persistent`` the chunked push also goes to a registry on disk (``Registry.open`` on a
   temporary directory: spooled to a file, fsynced, renamed into the blob store).
2. Build a Docker-Hub-scale catalogue of placeholder blobs (1.8 million layers, 460,000
   repositories, skewed sharing of base layers), account its storage and garbage-collect it;
   print seconds and peak memory. Targets: <= 60 s, <= 8 GiB.

Usage::

    .venv/bin/python benchmarks/core.py            # both, full size
    .venv/bin/python benchmarks/core.py --quick    # 1/10 of the sizes, for a smoke run
    .venv/bin/python benchmarks/core.py --no-events   # catalogue without the event log
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from regsim import EventLog, Image, Layer, Registry  # noqa: E402
from regsim.oci.blob import Blob  # noqa: E402
from regsim.data.generate import placeholder_catalog  # noqa: E402
from regsim.oci.mediatypes import OCI_LAYER  # noqa: E402

GiB = 1 << 30


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)  # Linux reports KiB


def push_benchmark(total: int, layers: int, chunk: int, persistent: bool = False) -> None:
    size = total // layers
    rnd = random.Random(0)
    payloads = [rnd.randbytes(size) for _ in range(layers)]

    t = time.perf_counter()
    for data in payloads:
        hashlib.sha256(data).hexdigest()
    raw = time.perf_counter() - t

    # monolithic: the digest is verified once, the bytes are stored without a copy
    reg = Registry("bench.local")
    t = time.perf_counter()
    layer_objs = []
    for data in payloads:
        blob = reg.push_blob("bench/app", data)
        layer_objs.append(Layer(blob, blob.digest, OCI_LAYER))
    image = Image.create(layer_objs)
    reg.push_blob("bench/app", image.config_blob)
    reg.put_manifest("bench/app", "1.0", image.manifest_bytes)
    mono = time.perf_counter() - t

    # chunked: POST, PATCH chunk by chunk, PUT ?digest= (what skopeo and docker do)
    # the client knows its digests, and the chunks arrive as bytes (as a server receives them)
    digests = [Blob(d).digest for d in payloads]
    chunked_payloads = [[d[i:i + chunk] for i in range(0, len(d), chunk)] for d in payloads]
    reg2 = Registry("bench.local")
    t = time.perf_counter()
    for chunks, digest in zip(chunked_payloads, digests):
        session = reg2.start_upload("bench/app")
        start = 0
        for piece in chunks:
            reg2.upload_chunk(session.id, piece, start=start)
            start += len(piece)
        reg2.finish_upload(session.id, digest)
    chunked = time.perf_counter() - t
    del chunked_payloads

    mb = total / 1e6
    print(f"push {total / GiB:.2f} GiB in {layers} layers of {size / 1e6:.0f} MB")
    print(f"  raw hashlib.sha256      {raw:6.2f} s  {mb / raw:7.0f} MB/s")
    print(f"  model, monolithic push  {mono:6.2f} s  {mb / mono:7.0f} MB/s   ratio to raw {raw / mono:.2f} (target >= 0.8)")
    print(f"  model, {chunk >> 20} MiB chunks     {chunked:6.2f} s  {mb / chunked:7.0f} MB/s   ratio to raw {raw / chunked:.2f}")
    if persistent:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="regsim-bench-store-", dir=".") as store:
            reg3 = Registry.open(store)
            t = time.perf_counter()
            for data, digest in zip(payloads, digests):
                session = reg3.start_upload("bench/app")
                for start in range(0, len(data), chunk):
                    reg3.upload_chunk(session.id, data[start:start + chunk], start=start)
                reg3.finish_upload(session.id, digest)
            on_disk = time.perf_counter() - t
            del reg3
        print(f"  on disk, {chunk >> 20} MiB chunks   {on_disk:6.2f} s  {mb / on_disk:7.0f} MB/s   "
              f"ratio to raw {raw / on_disk:.2f}")
    del payloads, reg, reg2
    gc.collect()


def catalogue_benchmark(repositories: int, layers: int, events: bool) -> None:
    log = EventLog(recording=events)
    reg = Registry("hub.bench", events=log)
    # wall-clock and CPU seconds per phase (on a shared machine, CPU time is the steadier figure)
    marks = [(time.perf_counter(), time.process_time())]

    def lap() -> str:
        marks.append((time.perf_counter(), time.process_time()))
        (w0, c0), (w1, c1) = marks[-2], marks[-1]
        return f"{w1 - w0:6.1f} s (cpu {c1 - c0:5.1f} s)"

    # one image per repository, as in the Docker Hub dataset of Zhao et al. (457,627 repositories,
    # 1,792,609 layers: the latest image of each), and an untagged earlier build in 10% of them
    stats = placeholder_catalog(reg, repositories=repositories, layers=layers, versions=(1, 1), stale=0.1,
                                  seed=1)
    build = lap()
    report = reg.storage()
    account = lap()
    gc_report = reg.garbage_collect(delete_untagged=True)
    collect = lap()
    after = reg.storage()
    account2 = lap()
    (w0, c0), (w1, c1) = marks[0], marks[-1]
    print(f"catalogue: {stats.repositories:,} repositories, {stats.manifests:,} manifests, {stats.tags:,} tags, "
          f"{stats.distinct_layers:,} distinct layers, {stats.layer_links:,} layer links, "
          f"event log {'on' if events else 'off'} ({len(log):,} events)")
    print(f"  build     {build}")
    print(f"  account   {account}   {report}")
    print(f"  gc        {collect}   {gc_report}")
    print(f"  account   {account2}   {after}")
    print(f"  total     {w1 - w0:6.1f} s (cpu {c1 - c0:5.1f} s; target <= 60)   peak memory {peak_rss_gib():.2f} GiB "
          "(target <= 8)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--no-events", action="store_true", help="catalogue with the event log off")
    parser.add_argument("--only", choices=["push", "catalogue"])
    parser.add_argument("--persistent", action="store_true", help="also push to a registry on disk")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    if args.only in (None, "push"):
        push_benchmark(GiB // scale, 8, 8 << 20, persistent=args.persistent)
    if args.only in (None, "catalogue"):
        catalogue_benchmark(460_000 // scale, 1_800_000 // scale, events=not args.no_events)


if __name__ == "__main__":
    main()
