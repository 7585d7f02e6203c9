"""Cache replay speed: regsim's policies against libCacheSim's C path, on the same trace.

Replays a 1,000,000-request Zipf(1.0) trace over 100,000 objects (lognormal sizes, median
8 kB) at cache sizes of 1% and 10% of the working set, through regsim
(:func:`regsim.sim.cache.simulate` on in-memory key and size lists) and through the
``libcachesim`` package (``process_trace`` over a binary oracleGeneral file, C reader, hashtable
``hashpower = log2(objects) + 1``). Prints requests per second for both, their ratio, and checks
that both report the same miss ratio and byte miss ratio.

Run:  .venv/bin/python benchmarks/cache.py [--requests N] [--objects M] [--repeat R] [--policies lru,fifo]
Target (issue 4): regsim's LRU at >= 1/3 of libcachesim's requests per second.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from regsim.sim.cache import POLICIES, simulate  # noqa: E402
from regsim.sim.workloads import object_trace  # noqa: E402

LCS_NAMES = {"lru": "LRU", "fifo": "FIFO", "lfu": "LFU", "clock": "Clock", "s3fifo": "S3FIFO", "gdsf": "GDSF"}


def write_oracle_general(path: str, keys, sizes) -> None:
    """libCacheSim's oracleGeneral binary format: <u4 time, <u8 id, <u4 size, <i8 next-access."""
    import numpy as np

    rec = np.zeros(len(keys), dtype=[("t", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec["t"], rec["id"], rec["size"], rec["next"] = 1, keys, sizes, -1
    rec.tofile(path)


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--policies", default="lru,fifo,clock,lfu,s3fifo,gdsf")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    try:
        import libcachesim as lcs
    except ImportError:
        print("libcachesim is not installed (pip install libcachesim): nothing to compare against")
        return 1

    t0 = time.perf_counter()
    trace = object_trace(args.requests, args.objects, alpha=1.0, seed=args.seed)
    keys, sizes = trace.keys, trace.sizes
    objects, wss = trace.working_set()
    hashpower = int(math.log2(args.objects)) + 1
    print(f"python {platform.python_version()}, libcachesim {lcs.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cpus")
    print(f"trace: {len(trace):,} requests, Zipf(1.0) over {args.objects:,} objects ({objects:,} requested), "
          f"working set {wss / 1e9:.2f} GB, built in {time.perf_counter() - t0:.1f} s; hashpower {hashpower}")

    tmp = tempfile.mkdtemp(prefix="regsim-bench-")
    path = os.path.join(tmp, "trace.oracleGeneral")
    write_oracle_general(path, keys, sizes)
    init = lcs.ReaderInitParam(ignore_size_zero_req=False)

    print(f"{'policy':<8} {'cache':>6} {'regsim req/s':>14} {'libcachesim req/s':>18} {'ratio':>7} "
          f"{'miss ratio':>11} {'byte miss':>10}  same")
    ok = True
    lru_ratios = []
    for name in [p.strip() for p in args.policies.split(",") if p.strip()]:
        for frac in (0.01, 0.10):
            capacity = int(wss * frac)
            ours_t, stats = best_of(args.repeat, lambda: simulate(POLICIES[name](capacity), keys, sizes))

            def theirs():
                reader = lcs.TraceReader(path, lcs.TraceType.ORACLE_GENERAL_TRACE, init)
                cache = getattr(lcs, LCS_NAMES[name])(capacity, hashpower=hashpower)
                return cache.process_trace(reader)

            lcs_t, (miss, byte_miss) = best_of(args.repeat, theirs)
            same = abs(miss - stats.miss_ratio) < 1e-9 and abs(byte_miss - stats.byte_miss_ratio) < 1e-9
            ok &= same
            ratio = lcs_t / ours_t
            if name == "lru":
                lru_ratios.append(ratio)
            print(f"{name:<8} {frac:>6.0%} {len(keys) / ours_t:>14,.0f} {len(keys) / lcs_t:>18,.0f} "
                  f"{ratio:>7.2f} {stats.miss_ratio:>11.4f} {stats.byte_miss_ratio:>10.4f}  {'yes' if same else 'NO'}")
    os.remove(path)
    os.rmdir(tmp)
    if lru_ratios:
        verdict = "meets" if min(lru_ratios) >= 1 / 3 else "misses"
        print(f"LRU speed ratio regsim/libcachesim: {min(lru_ratios):.2f} (worst) .. {max(lru_ratios):.2f}; "
              f"target 0.33: {verdict}")
    print("miss ratios identical:", "yes" if ok else "NO")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
