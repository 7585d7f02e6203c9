"""The wheel works: built from the sources, installed into a fresh venv outside the repository,
it runs the README's "A first look" (which needs the bundled official-images data)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def first_look() -> str:
    """The first ``python`` block under "## A first look" in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A first look", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md has no python block under '## A first look'"
    return match.group(1)


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (the build writes nothing into the repository)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("regsim", "data"):  # data/ is mapped into the package (regsim.data.bundled)
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheels")
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, src, cwd=src)
    (found,) = out.glob("regsim-*.whl")
    return found


@pytest.mark.slow
def test_the_wheel_carries_the_bundled_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("regsim/data/bundled/") for n in names if n.startswith("regsim/data/bundled/")}
    in_repo = {p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*") if p.is_file()}
    assert "official-images/official-images-amd64-2023-01.json" in in_repo
    assert "traces/regsim-sample-ibm.json" in in_repo
    assert shipped == in_repo, f"data/ and the wheel differ: {sorted(shipped ^ in_repo)}"
    assert {"README.md", "official-images/README.md", "traces/README.md"} <= shipped


@pytest.mark.slow
def test_the_wheel_runs_the_readme_first_look_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    # the core is standard library only: --no-deps installs everything it needs
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel,
        cwd=tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = work / "first_look.py"
    script.write_text("import regsim\nprint('regsim from', regsim.__file__)\n" + first_look(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    out = run(python, "-I", script, cwd=work, env=env)
    where = out.splitlines()[0].removeprefix("regsim from ")
    assert Path(where).is_relative_to(venv), f"imported regsim from {where}, not from the fresh venv"
    assert "Mounted from library/python" in out, out
    assert "dedup ratio" in out, out


def test_every_package_of_the_source_tree_is_listed_in_pyproject():
    """pyproject.toml names regsim's packages (so it can map data/ in): a new package must be added there."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "regsim").rglob("__init__.py")}
    assert listed == found | {"regsim.data.bundled"}, f"add to (or remove from) pyproject.toml: {sorted(listed ^ (found | {'regsim.data.bundled'}))}"


def test_the_datasets_live_in_the_top_level_data_folder_each_with_a_readme():
    folders = [p for p in (ROOT / "data").iterdir() if p.is_dir()]
    assert {p.name for p in folders} >= {"official-images", "traces"}
    for folder in folders:
        assert (folder / "README.md").is_file(), f"{folder.name}/ has no README of provenance"
    assert not (ROOT / "regsim" / "data" / "official-images").exists()


def test_bundled_data_is_package_data():
    from regsim.data.datasets import OFFICIAL_IMAGES_FILE, data_path

    assert data_path(OFFICIAL_IMAGES_FILE).read_bytes().startswith(b"{")
    with pytest.raises(FileNotFoundError, match="'traces/nope.json'"):
        data_path("traces/nope.json")
