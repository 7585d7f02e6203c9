"""Cache replay speed: regsim's compiled engine against libCacheSim's C path, on the same traces.

Default run (the issue's "one run"): two in-memory traces, 1,000,000 and 10,000,000 requests,
Zipf(1.0) over 100,000 objects (lognormal sizes, median 8 kB), replayed through all eight built-in
policies at 1% and 10% of the working set, by regsim (``CompiledCache.feed`` over the trace's
dense ids) and by the ``libcachesim`` package (``process_trace`` over an oracleGeneral file that
regsim wrote, read by libCacheSim's C reader from the page cache, hashtable ``hashpower =
log2(objects) + 1``). Prints the dense-id preparation and the kernels' first-call time
separately (and the cold compile time, in a fresh numba cache), requests per second for both,
their ratio (regsim / libCacheSim), checks that the miss ratios and byte miss ratios are
identical, and ends with::

    summary: LRU min ratio X, all policies min ratio Y, miss ratios identical: yes, policies N

By default every deterministic policy runs; a sampled one (``--policies random``) is compared by a
tolerance on its miss ratio, not counted as identical.

(N: the policies compared with libCacheSim in at least one run, of every deterministic policy with a
kernel, which the benchmark finds in the registry; the line before the summary names the others. A
run libCacheSim cannot do is skipped and says so: LFUDA where libCacheSim would crash (an eviction
finds the minimum frequency's bucket empty: on this trace at 0.1%) or would look up more than 10**8
frequencies one by one in update_min_freq (its frequencies add the minimum on every hit, and it
scans from the old minimum to the next bucket with objects: 1.4e14 lookups at 1% of the 1M trace,
about 200 at 10%); LIRS where libCacheSim reads an entry it has just freed (a hit on a resident HIR
object outside S that demotes the object itself out of Q: on this trace at 1%, whose HIR share,
1% of the cache, is the size of its large objects; not at 10%).)

Each figure is the median of ``--repeat`` rounds, and the rounds are interleaved (regsim, then
libCacheSim, then regsim again ...), so that a change in the machine's load hits both sides
alike; the load average is printed before and after.

Other figures (not part of the default run):

``--mrc``       LRU's exact miss-ratio curve at 100 sizes of a 10,000,000-request trace read from
                an oracleGeneral file: ``sim.mrc`` in one pass against libCacheSim's LRU run once
                per size (every size, or every ``--mrc-every``-th and scaled up, said so), with the
                miss ratios compared; ends ``mrc: 100 sizes in one pass X s, libCacheSim per size
                Y s, ratio Z``.
``--path``      ``sim.run(path, "lru", capacity=...)`` on a 10,000,000-request oracleGeneral file
                (one read, dense ids built while streaming) against libCacheSim reading the same
                file, at 1% and 10%; and ``size=0.1`` (a share: one read into memory).

``--streamed``  100,000,000 requests over 1,000,000 objects written to a zstd oracleGeneral file
                in benchmarks/out/, then replayed through LRU at 10% of the working set by
                ``regsim.sim.streaming.replay`` in a fresh process: seconds and peak RSS.
``--dask``      ``sweep`` of 8 policies x 6 sizes on a 2,000,000-request trace, on a dask
                ``LocalCluster`` with 1 worker process, then 2: seconds and the speed-up; then the
                same sweep of the trace's oracleGeneral file: serial against 2 workers (each
                worker reads the file once).

Run:  .venv/bin/python benchmarks/cache.py [--requests 1000000,10000000] [--repeat 3] [--policies lru,arc]
      .venv/bin/python benchmarks/cache.py --streamed | --dask | --mrc | --path
Targets (issue 9): LRU ratio >= 2.0 (stretch 4.0), every policy >= 1.0; streamed peak RSS <= 2 GiB.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regsim.sim.engine import COMPILED_POLICIES, CompiledCache  # noqa: E402
from regsim.sim.policies import POLICIES  # noqa: E402
from regsim.sim.oracle import OracleWriter, write_oracle_general  # noqa: E402
from regsim.sim.workloads import object_trace  # noqa: E402

LCS_NAMES = {name: cls.libcachesim for name, cls in POLICIES.items()}
#: a sampled policy (``--policies random``) is compared by its miss ratio within this much, as in
#: tests/sim/test_libcachesim.py (one run each here); it is not counted in "miss ratios identical"
SAMPLED_TOLERANCE = {"random": 0.04, "hyperbolic": 0.005, "beladysize": 0.015, "lecar": 0.01, "lhd": 0.015, "cacheus": 0.01}
OUT = ROOT / "benchmarks" / "out"
#: LFUDA runs compared only where libCacheSim's update_min_freq looks up at most this many
#: frequencies (one hash lookup each: seconds); beyond, its run would take hours or more
MAX_LOOKUPS = 10**8


def load() -> str:
    """The load averages (1, 5, 15 minutes), as uptime prints them."""
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def median(values):
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def interleaved(repeat: int, ours, theirs):
    """``repeat`` rounds of ours() then theirs(); their median seconds and last results."""
    ours_t, theirs_t, a, b = [], [], None, None
    for _ in range(repeat):
        start = time.perf_counter()
        a = ours()
        ours_t.append(time.perf_counter() - start)
        start = time.perf_counter()
        b = theirs()
        theirs_t.append(time.perf_counter() - start)
    return median(ours_t), median(theirs_t), a, b


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def cold_compile_seconds(policies) -> float:
    """Compile every kernel from scratch in a fresh process with an empty numba cache."""
    code = ("import time; t = time.perf_counter(); from regsim.sim.engine import CompiledCache; "
            f"[CompiledCache(p, 100).feed([0, 1, 0], [10, 20, 10]) for p in {list(policies)!r}]; "
            "print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache_dir:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout)


def compare(args, lcs) -> tuple[list[float], list[float], bool]:
    policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    print(f"python {platform.python_version()}, libcachesim {lcs.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cpus")
    print(f"kernels: cold compile of {len(policies)} policies (fresh numba cache, fresh process): "
          f"{cold_compile_seconds(policies):.1f} s")
    t = time.perf_counter()
    for name in policies:  # first call in this process: loads the cached machine code
        CompiledCache(name, 100).feed([0, 1, 0], [10, 20, 10])
    print(f"kernels: first call in this process (machine code from the cache): {time.perf_counter() - t:.2f} s")
    lru, every, ok = [], [], True
    compare.compared = set()  # policies with at least one run compared with libCacheSim
    for requests in [int(r) for r in args.requests.split(",")]:
        t0 = time.perf_counter()
        trace = object_trace(requests, objects=args.objects, alpha=1.0, seed=args.seed)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        ids, sizes, objects = trace.dense()
        object_ids = trace.object_ids()  # the keys libCacheSim sees as obj_id: WTinyLFU's sketch hashes them
        dense = time.perf_counter() - t0
        wss = trace.working_set()[1]
        hashpower = int(math.log2(args.objects)) + 1
        print(f"\ntrace: {requests:,} requests, Zipf(1.0) over {args.objects:,} objects ({objects:,} requested), "
              f"working set {wss / 1e9:.2f} GB; generated in {built:.1f} s; dense ids prepared in {dense:.3f} s "
              f"({requests / dense / 1e6:.0f} M requests/s); libCacheSim hashpower {hashpower}")
        tmp = tempfile.mkdtemp(prefix="regsim-bench-")
        path = write_oracle_general(trace, os.path.join(tmp, "trace.oracleGeneral"))
        init = lcs.ReaderInitParam(ignore_size_zero_req=False)
        print(f"{'policy':<8} {'cache':>6} {'regsim req/s':>14} {'libcachesim req/s':>18} {'ratio':>7} "
              f"{'miss ratio':>11} {'byte miss':>10}  same")
        for name in policies:
            if not hasattr(lcs, LCS_NAMES[name] or ""):
                print(f"{name:<8}  skipped: libcachesim {lcs.__version__} has no {LCS_NAMES[name] or 'counterpart'}")
                continue
            for frac in (0.01, 0.10):
                capacity = int(wss * frac)
                probe = CompiledCache(name, capacity, objects)
                probe.feed(ids, sizes, object_ids=object_ids)
                if getattr(probe._state, "libcachesim_would_crash", False):  # LFUDA reads an empty bucket, WTinyLFU aborts
                    print(f"{name:<8} {frac:>6.0%}  skipped: libCacheSim's {LCS_NAMES[name]} crashes on this run")
                    continue
                if getattr(probe._state, "libcachesim_undefined", False):  # LIRS: libCacheSim reads freed memory
                    print(f"{name:<8} {frac:>6.0%}  skipped: libCacheSim's {LCS_NAMES[name]} reads an entry it has "
                          f"freed on this run (its result depends on its memory allocator)")
                    continue
                if getattr(probe._state, "libcachesim_lookups", 0) > MAX_LOOKUPS:  # LFUDA: one by one
                    print(f"{name:<8} {frac:>6.0%}  skipped: libCacheSim's {LCS_NAMES[name]} would look up "
                          f"{probe._state.libcachesim_lookups:.1e} frequencies one by one to find the minimum "
                          f"(update_min_freq; more than {MAX_LOOKUPS:.0e})")
                    continue

                def theirs():
                    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE, init)
                    return getattr(lcs, LCS_NAMES[name])(capacity, hashpower=hashpower).process_trace(reader)

                ours_t, lcs_t, (misses, missed), (their_miss, their_byte_miss) = interleaved(
                    args.repeat, lambda: CompiledCache(name, capacity, objects).feed(ids, sizes, object_ids=object_ids), theirs)
                miss_ratio, byte_miss = misses / requests, missed / int(sizes.sum())
                if POLICIES[name].sampled:  # its random stream is not libCacheSim's: within a tolerance
                    same = abs(their_miss - miss_ratio) <= SAMPLED_TOLERANCE[name]
                else:
                    same = abs(their_miss - miss_ratio) < 1e-12 and abs(their_byte_miss - byte_miss) < 1e-9
                    ok &= same
                    compare.compared.add(name)
                ratio = lcs_t / ours_t
                every.append(ratio)
                if name == "lru":
                    lru.append(ratio)
                print(f"{name:<8} {frac:>6.0%} {requests / ours_t:>14,.0f} {requests / lcs_t:>18,.0f} "
                      f"{ratio:>7.2f} {miss_ratio:>11.4f} {byte_miss:>10.4f}  {'yes' if same else 'NO'}"
                      f"{f' (sampled: within {SAMPLED_TOLERANCE[name]} of {their_miss:.4f})' if POLICIES[name].sampled else ''}")
                if name == "clockpro":  # the same as libCacheSim's, which is not the paper's CLOCK-Pro
                    print(f"{'':<8} {'':>6}  (libCacheSim 0.3.5's ClockPro never evicts: it admits objects until its "
                          f"cold share, half the cache, is full; see regsim/sim/policies/clockpro.py)")
        os.remove(path)
        os.rmdir(tmp)
        del trace, ids, sizes
    return lru, every, ok


def streamed(args) -> None:
    import numpy as np

    OUT.mkdir(parents=True, exist_ok=True)
    requests, objects = args.streamed_requests, args.streamed_objects
    path = OUT / f"zipf-{requests}-{objects}.oracleGeneral.zst"
    meta = path.with_suffix(".wss")
    if not path.exists() or not meta.exists():
        print(f"writing {requests:,} requests over {objects:,} objects to {path} ...", flush=True)
        t0 = time.perf_counter()
        rng = np.random.default_rng(args.seed)
        p = 1.0 / np.arange(1, objects + 1, dtype=float) ** 1.0
        cdf = np.cumsum(p / p.sum())
        perm = rng.permutation(objects)
        size_of = np.maximum(1, rng.lognormal(math.log(8000), 1.5, size=objects)).astype(np.int64)
        seen = np.zeros(objects, dtype=bool)
        with OracleWriter(path, level=1) as out:
            for start in range(0, requests, 1_000_000):
                n = min(1_000_000, requests - start)
                ids = perm[np.searchsorted(cdf, rng.random(n), side="right").clip(0, objects - 1)]
                seen[ids] = True
                out.write(ids.astype(np.uint64), size_of[ids], times=np.full(n, start // 1_000_000))
        meta.write_text(str(int(size_of[seen].sum())))
        print(f"written in {time.perf_counter() - t0:.0f} s, {path.stat().st_size / 2**30:.2f} GiB compressed "
              f"({requests * 24 / 2**30:.2f} GiB of records)")
    capacity = int(int(meta.read_text()) * 0.10)
    code = ("import resource, sys, time; from regsim.sim.streaming import replay; t = time.perf_counter(); "
            f"s = replay({str(path)!r}, 'lru', capacity={capacity}, chunk_requests=1_000_000); "
            "dt = time.perf_counter() - t; "
            "print(f'{s.requests} {s.miss_ratio:.6f} {s.byte_miss_ratio:.6f} {dt:.2f} ' "
            "f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    n, miss, byte_miss, seconds, rss_kb = out.stdout.split()
    rss = int(rss_kb) / 2**20
    print(f"streamed replay: {int(n):,} requests through LRU at 10% of the working set, chunks of 1,000,000, "
          f"zstd oracleGeneral: {float(seconds):.1f} s ({int(n) / float(seconds) / 1e6:.1f} M requests/s, "
          f"reading, decompressing and dense ids included); miss ratio {float(miss):.4f}, byte miss ratio "
          f"{float(byte_miss):.4f}; peak RSS {rss:.2f} GiB (target <= 2 GiB: {'met' if rss <= 2 else 'NOT met'})")


def dask_speedup(args) -> None:
    from distributed import Client, LocalCluster

    from regsim.sim.experiments import DEFAULT_FRACTIONS, sweep

    trace = object_trace(args.dask_requests, objects=args.objects, seed=args.seed)
    if args.dask_path_only:
        return dask_path(args, trace)
    blobs = trace.only("blob")  # what sweep replays (kept by the trace): prepare it outside the timings
    blobs.dense()
    blobs.working_set()
    sweep(trace, COMPILED_POLICIES, fractions=[0.5])  # kernels loaded in this process
    serial_t, serial = best_of(args.repeat, lambda: sweep(trace, COMPILED_POLICIES, fractions=DEFAULT_FRACTIONS))
    print(f"dask: sweep of {len(COMPILED_POLICIES)} policies x {len(DEFAULT_FRACTIONS)} sizes on {len(trace):,} requests "
          f"(best of {args.repeat}); serial (no executor) {serial_t:.2f} s")
    seconds = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=40) as cluster, Client(cluster) as client:
            client.run(lambda: CompiledCache("lru", 1).feed([0], [1]))  # workers import regsim and the kernels
            seconds[workers], df = best_of(args.repeat,
                                           lambda: sweep(trace, COMPILED_POLICIES, fractions=DEFAULT_FRACTIONS, executor=client))
            assert df.equals(serial), "the distributed sweep differs from the serial one"
            print(f"dask: {workers} worker process{'es' if workers > 1 else ''}: {seconds[workers]:.2f} s "
                  f"(scattering the trace included; same DataFrame as serial)")
    print(f"dask: speed-up 2 workers vs 1: {seconds[1] / seconds[2]:.2f}x on {os.cpu_count()} cpus")
    dask_path(args, trace)


def dask_path(args, trace) -> None:
    """A sweep of the trace's oracleGeneral file: serial (one read) against 2 workers (one read each)."""
    from distributed import Client, LocalCluster

    from regsim.sim import experiments
    from regsim.sim.experiments import DEFAULT_FRACTIONS, sweep

    OUT.mkdir(parents=True, exist_ok=True)
    path = write_oracle_general(trace.only("blob"), OUT / "dask-trace.oracleGeneral")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cluster, Client(cluster) as client:
        client.run(lambda: CompiledCache("lru", 1).feed([0], [1]))

        def distributed():
            client.run(experiments._LOADED.clear)  # each round, each worker reads the file again
            return sweep(str(path), COMPILED_POLICIES, fractions=DEFAULT_FRACTIONS, executor=client)

        serial_t, dask_t, a, b = interleaved(args.repeat, lambda: sweep(str(path), COMPILED_POLICIES, fractions=DEFAULT_FRACTIONS),
                                             distributed)
        assert a.equals(b), "the distributed sweep of the path differs from the serial one"
    os.remove(path)
    print(f"dask: sweep of the same trace's oracleGeneral file ({len(trace.only('blob')):,} requests), medians of "
          f"{args.repeat} interleaved rounds: serial {serial_t:.2f} s (one read), 2 workers {dask_t:.2f} s (one read "
          f"per worker); {load()}")
    print(f"dask path: 2 workers vs serial {serial_t / dask_t:.2f}x")


def _file(requests: int, args) -> tuple[Path, "object"]:
    """An oracleGeneral file of ``requests`` Zipf(1.0) requests in a temporary folder, and its trace."""
    trace = object_trace(requests, objects=args.objects, alpha=1.0, seed=args.seed)
    tmp = tempfile.mkdtemp(prefix="regsim-bench-")
    return write_oracle_general(trace, os.path.join(tmp, "trace.oracleGeneral")), trace


def _lcs_lru(lcs, path, capacity: int, hashpower: int):
    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE,
                             lcs.ReaderInitParam(ignore_size_zero_req=False))
    return lcs.LRU(capacity, hashpower=hashpower).process_trace(reader)


def mrc_figure(args, lcs) -> int:
    from regsim.sim.curves import mrc
    from regsim.sim.stackdist import stack_distances

    print(f"before: {load()} (a shared machine: other work runs too)")
    path, trace = _file(args.mrc_requests, args)
    wss = trace.working_set()[1]
    del trace
    fractions = [0.001 + (1.0 - 0.001) * i / (args.mrc_sizes - 1) for i in range(args.mrc_sizes)]
    stack_distances([0, 0], [1, 1])  # the kernel loaded (compiled once per machine)
    hashpower = int(math.log2(args.objects)) + 1
    rounds_ours, rounds_theirs, ok = [], [], True
    timed = list(range(0, len(fractions), args.mrc_every))
    for _ in range(args.repeat):
        start = time.perf_counter()
        curve = mrc(str(path), "lru", fractions=fractions)
        rounds_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        for i in timed:
            miss, byte_miss = _lcs_lru(lcs, path, int(curve["capacity"].iloc[i]), hashpower)
            ok &= abs(miss - curve["miss_ratio"].iloc[i]) < 1e-12 and abs(byte_miss - curve["byte_miss_ratio"].iloc[i]) < 1e-9
        rounds_theirs.append((time.perf_counter() - start) * len(fractions) / len(timed))
    ours, theirs = median(rounds_ours), median(rounds_theirs)
    os.remove(path)
    print(f"trace: {args.mrc_requests:,} requests, Zipf(1.0) over {args.objects:,} objects, working set "
          f"{wss / 1e9:.2f} GB, oracleGeneral file read by both; sizes {fractions[0]:.1%} .. {fractions[-1]:.0%} "
          f"of the working set; one-pass sizes {len(curve.attrs['one_pass'])}, replayed {len(curve.attrs['replayed'])}")
    print(f"libCacheSim timed at {len(timed)} of {len(fractions)} sizes"
          f"{'' if len(timed) == len(fractions) else ', scaled up to all of them'}; miss ratios identical at those: "
          f"{'yes' if ok else 'NO'}")
    print(f"after: {load()}; medians of {args.repeat} interleaved rounds")
    print(f"mrc: {len(fractions)} sizes in one pass {ours:.1f} s, libCacheSim per size {theirs:.1f} s, "
          f"ratio {theirs / ours:.1f}")
    return 0 if ok else 2


def path_figure(args, lcs) -> int:
    from regsim.sim.experiments import run

    print(f"before: {load()} (a shared machine: other work runs too)")
    path, trace = _file(args.path_requests, args)
    wss = trace.working_set()[1]
    del trace
    hashpower = int(math.log2(args.objects)) + 1
    run(str(path), "lru", capacity=1000)  # kernels loaded
    print(f"trace: {args.path_requests:,} requests in an oracleGeneral file ({path.stat().st_size / 2**20:.0f} MiB); "
          f"sim.run(path) reads it once, libCacheSim's reader reads it once")
    ratios = []
    for frac in (0.01, 0.10):
        capacity = int(wss * frac)
        ours_t, theirs_t, df, (miss, _) = interleaved(
            args.repeat, lambda: run(str(path), "lru", capacity=capacity), lambda: _lcs_lru(lcs, path, capacity, hashpower))
        same = abs(df["miss_ratio"].iloc[0] - miss) < 1e-12
        ratios.append(theirs_t / ours_t)
        print(f"run(path, 'lru', capacity={frac:.0%} of the working set): regsim {ours_t:.2f} s, libCacheSim "
              f"{theirs_t:.2f} s, ratio {theirs_t / ours_t:.2f}, same miss ratio: {'yes' if same else 'NO'}")
    ours_t, theirs_t, df, _ = interleaved(args.repeat, lambda: run(str(path), "lru", fraction=0.1),
                                          lambda: _lcs_lru(lcs, path, int(wss * 0.1), hashpower))
    print(f"run(path, 'lru', fraction=0.1) (the working set measured in the same read): regsim {ours_t:.2f} s, "
          f"libCacheSim (capacity given) {theirs_t:.2f} s, ratio {theirs_t / ours_t:.2f}")
    os.remove(path)
    print(f"after: {load()}; medians of {args.repeat} interleaved rounds")
    print(f"path: run(path) min ratio {min(ratios + [theirs_t / ours_t]):.2f} (regsim / libCacheSim speed)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", default="1000000,10000000", help="trace lengths, comma-separated")
    ap.add_argument("--objects", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--policies", default=",".join(p for p in COMPILED_POLICIES if not POLICIES[p].sampled))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--streamed", action="store_true", help="the 100M-request streamed replay instead")
    ap.add_argument("--streamed-requests", type=int, default=100_000_000)
    ap.add_argument("--streamed-objects", type=int, default=1_000_000)
    ap.add_argument("--dask", action="store_true", help="the dask speed-up instead")
    ap.add_argument("--dask-requests", type=int, default=2_000_000)
    ap.add_argument("--dask-path-only", action="store_true", help="with --dask: only the sweep of a path")
    ap.add_argument("--mrc", action="store_true", help="the one-pass LRU curve against libCacheSim per size")
    ap.add_argument("--mrc-requests", type=int, default=10_000_000)
    ap.add_argument("--mrc-sizes", type=int, default=100)
    ap.add_argument("--mrc-every", type=int, default=1, help="time libCacheSim at every k-th size only, scaled up")
    ap.add_argument("--path", action="store_true", help="run(path) against libCacheSim reading the same file")
    ap.add_argument("--path-requests", type=int, default=10_000_000)
    args = ap.parse_args()
    if args.mrc or args.path:
        try:
            import libcachesim as lcs
        except ImportError:
            print("libcachesim is not installed (pip install libcachesim): nothing to compare against")
            return 1
        return mrc_figure(args, lcs) if args.mrc else path_figure(args, lcs)
    if args.streamed:
        streamed(args)
        return 0
    if args.dask:
        dask_speedup(args)
        return 0
    try:
        import libcachesim as lcs
    except ImportError:
        print("libcachesim is not installed (pip install libcachesim): nothing to compare against")
        return 1
    print(f"before: {load()} (a shared machine: other work runs too)")
    lru, every, ok = compare(args, lcs)
    print(f"after: {load()}; figures are medians of {args.repeat} interleaved rounds")
    policies = [p.strip() for p in args.policies.split(",") if p.strip() and not POLICIES[p.strip()].sampled]
    missing = [p for p in policies if p not in compare.compared]
    print(f"compared with libCacheSim: {len(compare.compared)} of {len(policies)} deterministic policies"
          f"{'; not compared: ' + ', '.join(missing) if missing else ''}")
    print(f"\nsummary: LRU min ratio {min(lru) if lru else float('nan'):.2f}, all policies min ratio "
          f"{min(every):.2f}, miss ratios identical: {'yes' if ok else 'no'}, "
          f"policies {len(compare.compared)}")
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
