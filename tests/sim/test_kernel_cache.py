"""numba's on-disk cache of a kernel notices an edit to a helper it inlines from another file.

numba keys a cached kernel by its own file's time stamp and size only: a helper edited in
``_compiled.py`` (or any module a kernel calls into) left every kernel that inlines it running the
old machine code, for a user who upgrades regsim, until ``__pycache__`` was cleared by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("numba", reason="numba is not installed (pip install 'regsim[sim]')")

ROOT = Path(__file__).resolve().parents[2]

HELPERS = """
from regsim.sim.policies._compiled import kernel


@kernel(inline=True)
def twice(x):
    return x * {factor}


@kernel
def plus(x):
    return x + {offset}
"""

KERNELS = """
from regsim.sim.policies._compiled import kernel

from .helpers import plus, twice


@kernel
def apply(x):
    return plus(twice(x))
"""

RUN = ("from pkg.kern import apply; d = apply.compiled(); r = apply(10); "
       "print(r, d.stats.cache_hits.most_common(1)[0][1] if d.stats.cache_hits else 0)")


def _run(tmp: Path) -> tuple[int, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), str(ROOT)])
    out = subprocess.run([sys.executable, "-c", RUN], env=env, cwd=tmp, check=True, capture_output=True, text=True)
    result, hits = out.stdout.split()
    return int(result), int(hits)


def test_editing_a_helper_in_another_file_recompiles_the_kernel_that_calls_it(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "kern.py").write_text(KERNELS)
    helpers = pkg / "helpers.py"
    helpers.write_text(HELPERS.format(factor=2, offset=1))
    assert _run(tmp_path) == (21, 0)  # compiled and saved in pkg/__pycache__
    assert _run(tmp_path) == (21, 1)  # a fresh process loads the machine code from the cache
    # the same length, and the kernel's own file untouched: all numba's own stamp looks at
    helpers.write_text(HELPERS.format(factor=3, offset=1))
    assert _run(tmp_path) == (31, 0)  # the inlined helper changed: compiled anew, not the stale code
    helpers.write_text(HELPERS.format(factor=3, offset=5))
    assert _run(tmp_path) == (35, 0)  # a helper it calls (not inlined) changed too
    assert _run(tmp_path) == (35, 1)
