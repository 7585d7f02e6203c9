"""regsim's simulation lab: workloads, traces, dedup, caches, mirrors, network time, experiments.

=====================================  =========================================================
:mod:`~regsim.sim.workloads`            catalogues (generated, official images), object traces
:mod:`~regsim.sim.streams`              pulls, pushes that move tags, rollouts -> registry traces
:mod:`~regsim.sim.traces`               :class:`Trace`, CSV, Parquet, the IBM registry trace format
:mod:`~regsim.sim.oracle`               libCacheSim's ``oracleGeneral`` binary traces (plain, zstd)
:mod:`~regsim.sim.reading`              reading traces in chunks, dense ids while streaming
:mod:`~regsim.sim.streaming`            replaying traces larger than memory, chunk by chunk
:mod:`~regsim.sim.policies`             one module per policy: its class, its numba kernel, its description
:mod:`~regsim.sim.cache`                replaying traces through policies (built-in or yours)
:mod:`~regsim.sim.admission`            admission policies in front of any policy (size, Bloom, prob, AdaptSize)
:mod:`~regsim.sim.ttl`                  object TTLs in caches (``ttl=`` of run and sweep, :func:`simulate_ttl`)
:mod:`~regsim.sim.engine`               ``engine="auto" | "compiled" | "python"``; compiled caches
:mod:`~regsim.sim.kernels`              the compiled kernels by name; dense ids for streamed traces
:mod:`~regsim.sim.mirrors`              pull-through mirrors, prefetching, regional mirrors
:mod:`~regsim.sim.network`              links, fair sharing, transfers as time
:mod:`~regsim.sim.rollout`              one image onto many servers, directly or via a mirror
:mod:`~regsim.sim.dedup`                layer / file / chunk dedup, with and without compression
:mod:`~regsim.sim.content`              the file-content model of the official images
:mod:`~regsim.sim.experiments`          :func:`run` and :func:`sweep` -> pandas DataFrames
:mod:`~regsim.sim.curves`               :func:`mrc` (LRU's exact curve in one pass), :func:`shards`
:mod:`~regsim.sim.stackdist`            stack (reuse) distances in one pass (numba)
:mod:`~regsim.sim.analysis`             :func:`analyze`: popularity, reuse, sizes, rate
:mod:`~regsim.sim.plots`                miss-ratio curves, savings bars, rollout CDFs
:mod:`~regsim.sim.exercises`            the lab's exercises (``LAB.check(id, answer)``)
=====================================  =========================================================

Needs the ``sim`` extra (pandas, numpy, tqdm, numba, pyarrow, zstandard, dask); plotting also needs matplotlib, imported only
inside the plotting functions. Every generator takes ``seed=`` (int, ``random.Random`` or None,
which means 0). The lab reads the core through its public API and event log only.
"""

from ..deprecation import moved_names
from .cache import (ARC, FIFO, GDSF, LFU, LFUDA, BeladySize, Hyperbolic, LHD, LIRS, LRU, LRUK, MQ, POLICIES, Random, S3FIFO, SLRU, Belady, CacheReport, Clock,
                    Policy, Sieve, TwoQ, hit_sequence, make_policy, simulate)
from .cache import Cacheus, LeCaR
from .cache import ClockPro
from .cache import WTinyLFU
from .cache import Clock2QPlus
from . import oracle, plots, streaming
from .admission import AdaptSize, BloomAdmission, ProbAdmission, SizeAdmission, admitted
from .ttl import simulate_ttl
from .analysis import TraceAnalysis, analyze
from .content import official_content
from .curves import mrc, shards
from .dedup import STRATEGIES, dedup_report
from .engine import ENGINES, CompiledCache
from .errors import EngineUnavailable, InvalidParameter, SimError, TraceFormatError, UnknownExercise, UnknownPolicy
from .experiments import run, sweep
from .mirrors import DEFAULT_TTL, HOUR, MirrorReport, PullThroughMirror, simulate_mirror, simulate_regions
from .network import GBIT, FlowSim, Link, transfer_time
from .rollout import MODES, RolloutReport, rollout_time
from .streams import merge, pull_stream, push_stream, registry_trace, rollout, trace_from_events
from .traces import Trace, read_csv, read_ibm, write_csv, write_ibm
from .workloads import DAY, Catalog, ImageVersion, generate_catalog, object_trace, official_catalog

__all__ = [
    "Clock2QPlus",
    "ARC", "Belady", "LFUDA", "LIRS", "LRUK", "Random", "Hyperbolic", "BeladySize", "MQ", "SLRU", "TwoQ", "CompiledCache", "ENGINES", "EngineUnavailable", "Sieve", "hit_sequence", "Catalog", "CacheReport", "Clock", "DAY", "DEFAULT_TTL", "FIFO", "FlowSim", "GBIT", "GDSF", "HOUR",
    "LeCaR", "Cacheus", "ClockPro",
    "LHD",
    "WTinyLFU",
    "ImageVersion", "InvalidParameter", "LFU", "LRU", "Link", "MODES", "MirrorReport", "POLICIES",
    "Policy", "PullThroughMirror", "RolloutReport", "S3FIFO", "STRATEGIES", "SimError", "Trace",
    "TraceFormatError", "UnknownExercise", "UnknownPolicy", "dedup_report", "generate_catalog",
    "read_csv", "make_policy", "merge", "object_trace", "official_catalog", "official_content",
    "pull_stream", "push_stream", "read_ibm", "registry_trace", "rollout", "rollout_time", "run",
    "write_csv", "simulate", "simulate_mirror", "simulate_regions", "sweep", "trace_from_events",
    "transfer_time", "write_ibm", "mrc", "shards", "analyze", "TraceAnalysis", "oracle", "plots", "streaming",
    "AdaptSize", "BloomAdmission", "ProbAdmission", "SizeAdmission", "admitted", "simulate_ttl",
]

# Old names, for one release (CONTRIBUTING.md, "Renaming"): each warns and names the new one.
RENAMED = {
    "CacheStats": "CacheReport", "MirrorStats": "MirrorReport", "RolloutResult": "RolloutReport",
    "Catalogue": "Catalog", "generate_catalogue": "generate_catalog", "official_catalogue": "official_catalog",
    "load_csv": "read_csv", "save_csv": "write_csv",
}
__getattr__ = moved_names("regsim.sim", RENAMED, globals())
