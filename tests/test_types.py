"""mypy, strict on the whole package (configured in pyproject.toml's [tool.mypy]: the core, viz, io,
sim, server, engines and the CLI; nothing is excluded), runs with the tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_package_type_checks_strictly(tmp_path):
    try:
        import mypy  # noqa: F401
    except ImportError:
        skip_or_fail("mypy is missing: pip install -e '.[test]'")
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
