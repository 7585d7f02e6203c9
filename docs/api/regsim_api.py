"""A small Sphinx extension for regsim's API reference.

* Each public object is documented once, at its *home*: the deepest documented module that exports
  it (``regsim.registry`` for :class:`~regsim.registry.Registry`, not the top-level ``regsim`` that
  re-exports it). Other modules skip it (``autodoc-skip-member``) and a reference to a re-exported
  name (``regsim.Registry``) resolves to its home (``missing-reference``).
* ``.. regsim-reexports:: regsim`` lists what a package re-exports, with links to the homes.
* ``.. regsim-cli::`` renders ``regsim --help`` and every subcommand's help.
* Every documented object that a lesson uses gets a "Used in lessons" line with links back to the
  lesson pages of the course site (``../<notebook>.html``), found by :func:`lesson_uses`.
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

# every module the reference documents, and the page it is on (docs/api/<page>.rst)
PAGES: dict[str, list[str]] = {
    "core": ["regsim", "regsim.oci.digest", "regsim.oci.blob", "regsim.oci.descriptor", "regsim.oci.mediatypes",
             "regsim.oci.manifest", "regsim.oci.image", "regsim.oci.platform", "regsim.oci.reference",
             "regsim.registry", "regsim.registry.filesystem", "regsim.events", "regsim.events.jsonl", "regsim.client.host", "regsim.client.build",
             "regsim.client.builder", "regsim.client.dockerfile", "regsim.client.outcome", "regsim.client.remote",
             "regsim.client.compare", "regsim.world", "regsim.errors", "regsim.units", "regsim.display",
             "regsim.data.datasets", "regsim.data.library", "regsim.data.generate", "regsim.data.search",
             "regsim.exercises", "regsim.course"],
    "viz": ["regsim.viz"],
    "sim": ["regsim.sim", "regsim.sim.policies"],
    "server": ["regsim.server", "regsim.server.mirror"],
    "engines": ["regsim.engines"],
    "io": ["regsim.io"],
}
DOCUMENTED = [m for modules in PAGES.values() for m in modules]
PAGE_OF = {m: page for page, modules in PAGES.items() for m in modules}


def public_names(module_name: str) -> list[str]:
    """``__all__`` of a module, or the public names it defines itself."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [n for n, v in vars(module).items() if not n.startswith("_")
            and getattr(v, "__module__", None) == module_name and (inspect.isclass(v) or inspect.isfunction(v))]


def _key(obj: Any) -> Any:
    return id(obj) if (inspect.isclass(obj) or inspect.isroutine(obj)) else None


_HOMES: dict[int, str] | None = None


def homes() -> dict[int, str]:
    """id(object) -> its full documented name, for classes and functions (the deepest exporter wins)."""
    global _HOMES
    if _HOMES is None:
        found: dict[int, tuple[int, str]] = {}
        for module_name in DOCUMENTED:
            module = importlib.import_module(module_name)
            depth = module_name.count(".")
            for name in public_names(module_name):
                key = _key(getattr(module, name, None))
                if key is not None and (key not in found or depth > found[key][0]):
                    found[key] = (depth, f"{module_name}.{name}")
        _HOMES = {k: v for k, (_, v) in found.items()}
    return _HOMES


def _skip_member(app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    if what in ("class", "exception"):
        return _skip_inherited(app, name)
    if what != "module":
        return None
    key = _key(obj)
    if key is None or key not in homes():
        return None
    module = app.env.temp_data.get("autodoc:module") or app.env.ref_context.get("py:module")
    if module and homes()[key] != f"{module}.{name}":
        return True  # documented at its home
    return None


def _skip_inherited(app: Sphinx, name: str) -> bool | None:
    """A class shows its own members and those it inherits from a private base (``_Content``'s
    ``digest`` on :class:`~regsim.oci.manifest.Manifest`), which have no page of their own. A member
    of a documented base is read on the base's page (the "Bases:" line links it); one of a library
    class (``Exception.args``, an ipywidget's traits) is not regsim's to document."""
    current = getattr(app.env, "current_document", None)  # Sphinx >= 8.2; temp_data before
    module = getattr(current, "autodoc_module", None) or app.env.temp_data.get("autodoc:module")
    class_name = getattr(current, "autodoc_class", None) or app.env.temp_data.get("autodoc:class")
    cls = _resolve(f"{module}.{class_name}") if module and class_name else None
    if not inspect.isclass(cls):
        return None
    owner = next((c for c in cls.__mro__ if name in vars(c) or name in vars(c).get("__annotations__", {})
                  or name in _instance_attributes(c)), None)
    if owner is cls:
        return None  # its own: autodoc's rules decide
    if owner is None or not owner.__module__.startswith("regsim"):
        return True
    return True if _key(owner) in homes() else None


def _instance_attributes(cls: type) -> set[str]:
    """The attributes a class documents with ``#:`` comments on ``self.name = ...`` lines."""
    from sphinx.pycode import ModuleAnalyzer
    from sphinx.errors import PycodeError

    try:
        analyzer = ModuleAnalyzer.for_module(cls.__module__)
        analyzer.analyze()
    except PycodeError:
        return set()
    return {name for (namespace, name) in analyzer.attr_docs if namespace == cls.__qualname__}


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _missing_reference(app: Sphinx, env: Any, node: pending_xref, contnode: nodes.Node) -> nodes.Node | None:
    target = written = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    if not target.startswith("regsim"):  # a short name: look in the module (and class) it was written in
        context = [node.get("py:module") or "", f"{node.get('py:module')}.{node.get('py:class')}"]
        written_in = (node.source or "").rpartition("docstring of ")[2]  # where the docstring was written
        while written_in.startswith("regsim"):
            context.insert(0, written_in)
            written_in = written_in.rpartition(".")[0]
        candidates = [f"{c}.{target}" for c in context if c.startswith("regsim") and "None" not in c]
        found = [c for c in candidates if _resolve(c) is not None]
        if not found:  # an annotation written with a module alias (ev.EventLog) or an imported name
            found = _by_global_name(target)
        if not found:
            return None
        target = found[0]
    obj = _resolve(target)
    home = homes().get(_key(obj)) if obj is not None else None
    if home is None and obj is not None and inspect.isroutine(obj):  # a method: its class's home + name
        owner = _resolve(target.rsplit(".", 1)[0])
        owner_home = homes().get(_key(owner)) if owner is not None else None
        home = f"{owner_home}.{target.rsplit('.', 1)[1]}" if owner_home else None
    if home is None and obj is not None:  # a module, a constant or a private helper: its documented module
        home = _documented_module(obj, target)
        if home is not None:
            domain = env.get_domain("py")
            new = node.deepcopy()
            new["reftarget"] = home
            return domain.resolve_xref(env, node.get("refdoc"), app.builder, "mod", home, new, contnode)
    if home is None or home == written:  # (a short name found at its home still needs resolving)
        return None
    domain = env.get_domain("py")
    new = node.deepcopy()
    new["reftarget"] = home
    return domain.resolve_xref(env, node.get("refdoc"), app.builder, node.get("reftype"), home, new, contnode)


def _by_global_name(target: str) -> list[str]:
    """``[module.target]`` if every loaded regsim module that has ``target``'s first part as a global
    means the same object by it (``ev.EventLog``, ``Content`` in a signature); else nothing."""
    import sys

    head, _, rest = target.partition(".")
    objects = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("regsim") and module is not None and head in vars(module):
            dotted = f"{name}.{target}"
            obj = _resolve(dotted)
            if obj is not None:
                objects.setdefault(id(obj), dotted)
    return list(objects.values()) if len(objects) == 1 else []


def _documented_module(obj: Any, target: str) -> str | None:
    """The nearest documented module of what ``target`` names (itself, or the module it lives in)."""
    name = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None) or target.rsplit(".", 1)[0]
    if not inspect.ismodule(obj) and _resolve(target.rsplit(".", 1)[0]) is not None and \
            inspect.ismodule(_resolve(target.rsplit(".", 1)[0])):
        name = target.rsplit(".", 1)[0]  # a constant: the module that holds it
    while name:
        if name in DOCUMENTED:
            return name
        name = name.rpartition(".")[0]
    return None


class Reexports(Directive):
    """``.. regsim-reexports:: regsim``: a list of what the package exports, linked to each home."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        module_name = self.arguments[0]
        module = importlib.import_module(module_name)
        items = nodes.bullet_list()
        for name in public_names(module_name):
            obj = getattr(module, name)
            home = homes().get(_key(obj))
            if home is None:
                target = getattr(obj, "__name__", None) if inspect.ismodule(obj) else None
                para = nodes.paragraph()
                if target in DOCUMENTED or (target and target.startswith("regsim")):
                    para += pending_xref("", nodes.literal(name, name), refdomain="py", reftype="mod",
                                         reftarget=target, refexplicit=True, refwarn=False)
                else:
                    para += nodes.literal(name, name)
                items += nodes.list_item("", para)
                continue
            para = nodes.paragraph()
            para += pending_xref("", nodes.literal(name, name), refdomain="py", reftype="obj", reftarget=home,
                                 refexplicit=True, refwarn=True)
            para += nodes.Text(f" — {home}")
            items += nodes.list_item("", para)
        return [items]


class CommandLine(Directive):
    """``.. regsim-cli::``: the help of ``regsim`` and of each subcommand, as a terminal shows it."""

    def run(self) -> list[nodes.Node]:
        import argparse

        from regsim import cli

        parser = cli._parser()
        out: list[nodes.Node] = []
        (subs,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for title, p in [("regsim", parser)] + [(f"regsim {n}", sp) for n, sp in subs.choices.items()]:
            section = nodes.section(ids=[nodes.make_id(title)])
            section += nodes.title(text=title)
            text = io.StringIO()
            with redirect_stdout(text):
                p.print_help()
            section += nodes.literal_block(text.getvalue(), text.getvalue())
            out.append(section)
        return out


# -- lessons that use a name ------------------------------------------------------------------------------------

_FROM = re.compile(r"^\s*from\s+(regsim(?:\.\w+)*)\s+import\s+\(?([\w\s,]+)\)?", re.M)
_IMPORT = re.compile(r"^\s*import\s+(regsim(?:\.\w+)*)(?:\s+as\s+(\w+))?", re.M)


def lesson_uses(notebooks: Path = NOTEBOOKS) -> dict[str, list[str]]:
    """Full documented name -> the notebooks (stems) whose code uses it, in name order.

    A use is a name imported from regsim (``from regsim.viz import draw``) that the code then calls or
    reads, or an attribute of an imported regsim module (``sim.sweep(...)`` after
    ``from regsim import sim``)."""
    uses: dict[str, set[str]] = {}
    for path in sorted(notebooks.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        aliases: dict[str, str] = {}  # local name -> dotted regsim name
        for m in _FROM.finditer(code):
            for part in m.group(2).replace("\n", " ").split(","):
                bits = part.split()
                if bits:
                    aliases[bits[-1]] = f"{m.group(1)}.{bits[0]}"
        for m in _IMPORT.finditer(code):
            aliases[m.group(2) or m.group(1).split(".")[0]] = m.group(1) if m.group(2) else m.group(1).split(".")[0]
        for local, dotted in aliases.items():
            obj = _resolve(dotted)
            if obj is None:
                continue
            names = [dotted]
            if inspect.ismodule(obj):  # sim.sweep(...)
                names = [f"{dotted}.{a}" for a in set(re.findall(rf"\b{re.escape(local)}\.(\w+)", code))]
            for name in names:
                target = _resolve(name)
                home = homes().get(_key(target)) if target is not None else None
                if home:
                    uses.setdefault(home, set()).add(path.stem)
    return {k: sorted(v) for k, v in sorted(uses.items())}


_USES: dict[str, list[str]] | None = None


def _titles() -> dict[str, str]:
    titles = {}
    for path in NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                m = re.search(r"^#\s+(.+)$", "".join(cell["source"]), re.M)
                if m:
                    titles[path.stem] = re.sub(r"[`*_]", "", m.group(1)).strip()
                    break
    return titles


def _lesson_links(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    global _USES
    if what not in ("class", "function", "exception"):
        return
    if _USES is None:
        _USES = lesson_uses()
    stems = _USES.get(name)
    if not stems:
        return
    titles = _titles()
    links = ", ".join(f"`{titles.get(s, s)} <../{'index' if s == '00-index' else s}.html>`__" for s in stems)
    lines.extend(["", f"**Used in lessons:** {links}", ""])


def _napoleon_except_attributes(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """napoleon for functions, classes and modules; an attribute's or property's docstring is plain reST
    (napoleon would read "The image ID docker shows: ..." as a type followed by a description)."""
    from sphinx.ext.napoleon import _process_docstring

    if what not in ("attribute", "property", "data"):
        _process_docstring(app, what, name, obj, options, lines)


def setup(app: Sphinx) -> dict[str, Any]:
    from sphinx.ext.napoleon import _process_docstring

    app.setup_extension("sphinx.ext.napoleon")

    def replace_napoleon(app: Sphinx) -> None:  # once every extension is set up
        for listener in list(app.events.listeners["autodoc-process-docstring"]):
            if listener.handler is _process_docstring:
                app.disconnect(listener.id)

    app.connect("builder-inited", replace_napoleon)
    app.connect("autodoc-process-docstring", _napoleon_except_attributes)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("missing-reference", _missing_reference)
    app.connect("autodoc-process-docstring", _lesson_links)
    directives.register_directive("regsim-reexports", Reexports)
    directives.register_directive("regsim-cli", CommandLine)
    return {"parallel_read_safe": False, "version": "1"}
