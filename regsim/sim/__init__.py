"""regsim's simulation lab: workloads, traces, dedup, caches, mirrors, network time, experiments.

Needs the ``sim`` extra (pandas, numpy, tqdm); plotting also needs matplotlib, imported only
inside the plotting functions. The lab reads the core through its public API and event log.
"""
