"""Build the course website: static HTML of every notebook, with an index that follows 00-index.

    python website/build.py [--notebooks notebooks] [--out _site]     (or: make site)

Each page is the notebook as it is stored -- executed, with its outputs and pictures (embedded,
nothing fetched from the internet) -- converted by nbconvert with the template in
``website/template/regsim`` (JupyterLab's look, a previous / index / next bar). Before converting:

* links to other notebooks (``04-tags-as-versions.ipynb``) point at their pages, and the
  instructor guide (``README.md``) becomes a page of its own;
* an Animation keeps its self-contained HTML player (play, step, slider), not the widget view that
  only a live kernel can show; an output that is only a widget (a playground) becomes a note that it
  needs a kernel;
* every exercise cell (``check("3.2", ...)``) gets a note that checking an answer needs a kernel.

The order is the order in which ``00-index.ipynb`` links the notebooks; notebooks it does not link
come last, by name. ``00-index`` itself is ``index.html``.

The API reference is built first, by Sphinx from the docstrings (``docs/api``), into ``api/``; a
broken cross-reference fails the build. Each lesson page then gets a box that links the regsim
names its code uses to their API pages, and each API entry links back to the lessons that use it.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import re
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
API_SOURCE = ROOT / "docs" / "api"
TEMPLATE = "regsim"
WIDGET = "application/vnd.jupyter.widget-view+json"
KERNEL = "make lab"

BANNER = ("A static copy of the course: the outputs and pictures were computed when the site was built, "
          "and the animations play here. To run the cells, change them and have your answers checked, "
          f"open the notebook in Jupyter (<code>{KERNEL}</code> in a clone of the repository).")
EXERCISE_NOTE = ("<div class=\"regsim-kernel-note\">✎ <b>Exercise</b>: checking an answer needs a running "
                 f"kernel. Open this notebook in Jupyter (<code>{KERNEL}</code>), replace the <code>...</code> "
                 "with your answer and run the cell.</div>")
WIDGET_NOTE = ("<div class=\"regsim-kernel-note\">⚙ An interactive widget ({name}) is here in a running "
               f"notebook: it needs a kernel (<code>{KERNEL}</code>).</div>")
_LINK = re.compile(r"\]\(([\w.-]+)\.ipynb(#[\w-]*)?\)")
_CHECK = re.compile(r"^\s*check\(", re.M)


def course_order(notebooks: Path) -> list[Path]:
    """The notebooks in the order 00-index links them, then any others by name; 00-index first."""
    index = notebooks / "00-index.ipynb"
    linked: list[str] = []
    for cell in nbformat.read(index, as_version=4).cells:
        if cell.cell_type == "markdown":
            linked += [m.group(1) for m in _LINK.finditer(cell.source) if m.group(1) not in linked]
    names = [index.stem] + [n for n in linked if (notebooks / f"{n}.ipynb").exists() and n != index.stem]
    names += sorted(p.stem for p in notebooks.glob("*.ipynb") if p.stem not in names)
    return [notebooks / f"{n}.ipynb" for n in names]


def page_name(stem: str) -> str:
    return "index.html" if stem == "00-index" else f"{stem}.html"


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return re.sub(r"[`*_]", "", m.group(1)).strip()  # the words, not the markdown
    return fallback


def prepare(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the website shows it (see the module docstring); ``nb`` is changed in place."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _LINK.sub(lambda m: f"]({page_name(m.group(1))}{m.group(2) or ''})", cell.source)
            cell.source = cell.source.replace("](README.md)", "](instructor-guide.html)")
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET in data:
                rich = [k for k in data if k not in (WIDGET, "text/plain")]
                if rich:  # an Animation: its HTML player stays, the widget view goes
                    del data[WIDGET]
                else:
                    name = html.escape(data.get("text/plain", "widget").split("(", 1)[0])
                    out = nbformat.v4.new_output("display_data", data={"text/html": WIDGET_NOTE.format(name=name)})
            outputs.append(out)
        cell.outputs = outputs
        if _CHECK.search(cell.source):
            cells.append(nbformat.v4.new_markdown_cell(EXERCISE_NOTE))
    nb.cells = cells
    nb.metadata.pop("widgets", None)  # no widget state: nothing for a widget manager to load
    return nb


class ApiBuildFailed(RuntimeError):
    """Sphinx reported a warning or an error (a broken cross-reference, a docstring it cannot read)."""


def build_api(out: Path, source: Path = API_SOURCE) -> dict[str, str]:
    """Build the API reference into ``out`` (warnings are errors); returns full name -> page#anchor.

    Sphinx runs in a process of its own: autodoc changes the objects it documents (with
    ``autodoc_preserve_defaults`` it gives each function a ``__signature__`` whose defaults are
    source text), which must not leak into the process that asked for the site -- a test run, say.
    """
    import subprocess
    import sys

    from sphinx.util.inventory import InventoryFile

    result = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-q", "-n", "-W", "--keep-going", "-b", "html",
                             "-c", str(API_SOURCE), str(source), str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    if result.returncode:
        raise ApiBuildFailed(f"the API reference did not build (sphinx exit {result.returncode}):\n"
                             f"{result.stderr}{result.stdout}")
    with open(out / "objects.inv", "rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: base + uri)
    return {name: item.uri for kind, items in inventory.items() if kind.startswith("py:")
            for name, item in items.items()}


def _lesson_uses() -> dict[str, list[str]]:
    spec = importlib.util.spec_from_file_location("regsim_api", API_SOURCE / "regsim_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lesson_uses()


def api_box(names: list[str], targets: dict[str, str]) -> str:
    """The "regsim API in this lesson" box of a lesson page: each name linked to its API entry."""
    links = [f'<a href="api/{html.escape(targets[n])}"><code>{html.escape(n.rsplit(".", 1)[1])}</code></a>'
             for n in names if n in targets]
    return ('<div class="regsim-api-note">📖 <b>regsim API in this lesson</b>: ' + ", ".join(links) +
            ' (<a href="api/index.html">the whole API reference</a>)</div>') if links else ""


def build(notebooks: Path, out: Path, *, api: bool = True) -> list[Path]:
    """Write the site into ``out`` (the API reference into ``out/api`` first, unless ``api=False``);
    returns the notebook pages written (index first)."""
    out.mkdir(parents=True, exist_ok=True)
    targets = build_api(out / "api") if api else {}
    used_by: dict[str, list[str]] = {}
    for name, stems in (_lesson_uses().items() if api else []):
        for stem in stems:
            used_by.setdefault(stem, []).append(name)
    order = course_order(notebooks)
    loaded = [nbformat.read(p, as_version=4) for p in order]
    titles = [_title(nb, p.stem) for nb, p in zip(loaded, order)]
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(HERE / "template")])
    exporter.exclude_input_prompt = False
    pages = []
    for i, (path, nb) in enumerate(zip(order, loaded)):
        nav = {"index": ("index.html", titles[0])} if i else {}
        if i > 0:
            nav["prev"] = (page_name(order[i - 1].stem), titles[i - 1])
        if i + 1 < len(order):
            nav["next"] = (page_name(order[i + 1].stem), titles[i + 1])
        prepared = prepare(nb)
        box = api_box(used_by.get(path.stem, []), targets)
        if box:  # after the title cell
            prepared.cells.insert(1 if prepared.cells else 0, nbformat.v4.new_markdown_cell(box))
        body, _ = exporter.from_notebook_node(prepared, resources={
            "metadata": {"name": titles[i]}, "regsim_nav": nav, "regsim_banner": BANNER})
        target = out / page_name(path.stem)
        target.write_text(body, encoding="utf-8")
        pages.append(target)
    guide = notebooks / "README.md"
    if guide.exists():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(guide.read_text(encoding="utf-8"))])
        body, _ = exporter.from_notebook_node(prepare(nb), resources={
            "metadata": {"name": "Instructor guide"}, "regsim_nav": {"index": ("index.html", titles[0])},
            "regsim_banner": BANNER})
        target = out / "instructor-guide.html"
        target.write_text(body, encoding="utf-8")
        pages.append(target)
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the course website (static HTML of every notebook).")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks", help="folder of the notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "_site", help="where to write the site (default: _site)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    pages = build(args.notebooks, args.out)
    print(f"{len(pages)} course pages and the API reference in {args.out} ({time.perf_counter() - start:.1f} s); "
          f"open {args.out / 'index.html'} or {args.out / 'api' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
