"""Every renamed public name still works for one release and warns, naming the new one
(CONTRIBUTING.md, "Renaming"; /work/RENAMES.md is the list of decisions)."""

from __future__ import annotations

import importlib

import pytest

# --- sim and data (regsim.sim, regsim.data) ---------------------------------------------------------

# (module, old name, new name): the old name, asked for on the module, is the new object and warns.
SIM_MOVED = [
    ("regsim.sim", "CacheStats", "CacheReport"),
    ("regsim.sim.cache", "CacheStats", "CacheReport"),
    ("regsim.sim", "MirrorStats", "MirrorReport"),
    ("regsim.sim.mirrors", "MirrorStats", "MirrorReport"),
    ("regsim.sim.dedup", "DedupResult", "DedupReport"),
    ("regsim.sim", "RolloutResult", "RolloutReport"),
    ("regsim.sim.rollout", "RolloutResult", "RolloutReport"),
    ("regsim.data.generate", "CatalogueStats", "CatalogReport"),
    ("regsim.sim", "Catalogue", "Catalog"),
    ("regsim.sim.workloads", "Catalogue", "Catalog"),
    ("regsim.sim", "generate_catalogue", "generate_catalog"),
    ("regsim.sim.workloads", "generate_catalogue", "generate_catalog"),
    ("regsim.sim", "official_catalogue", "official_catalog"),
    ("regsim.sim.workloads", "official_catalogue", "official_catalog"),
    ("regsim.sim", "load_csv", "read_csv"),
    ("regsim.sim", "save_csv", "write_csv"),
    ("regsim.sim.traces", "load_csv", "read_csv"),
    ("regsim.sim.traces", "save_csv", "write_csv"),
    ("regsim.sim.traces", "load_parquet", "read_parquet"),
    ("regsim.sim.traces", "save_parquet", "write_parquet"),
]


@pytest.mark.parametrize(("module", "old", "new"), SIM_MOVED, ids=[f"{m}.{o}" for m, o, _ in SIM_MOVED])
def test_sim_old_names_still_work_and_warn(module, old, new):
    mod = importlib.import_module(module)
    assert new in mod.__all__ and old not in mod.__all__
    with pytest.warns(DeprecationWarning, match=rf"{old}.*{new}"):
        value = getattr(mod, old)
    assert value is getattr(mod, new)


def test_sim_old_names_import_with_from_and_warn():
    with pytest.warns(DeprecationWarning, match="CacheReport"):
        from regsim.sim import CacheStats  # noqa: F401
