"""Sphinx configuration of regsim's API reference (built by ``make site`` into ``_site/api/``).

Why Sphinx: regsim's docstrings are reStructuredText with Sphinx roles (``:class:`Registry```,
``:func:`~regsim.sim.sweep```) and a few numpydoc sections, which autodoc and napoleon read as they
are; ``nitpicky`` with warnings as errors makes a broken cross-reference to a regsim name fail the
build; and the default theme is self-contained (no fonts, scripts or styles from the internet).
References to other projects (numpy, pandas, networkx, ...) are not resolved: the build is offline,
so intersphinx cannot fetch their inventories; those names are listed in ``nitpick_ignore_regex``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

project = "regsim"
author = "the regsim authors"
copyright = "regsim authors, Apache-2.0"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode", "regsim_api"]  # regsim_api sets up napoleon
templates_path: list[str] = []
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"nosidebar": False, "show_powered_by": False, "fixed_sidebar": True}
html_static_path: list[str] = []
html_title = "regsim API reference"
html_copy_source = False
html_show_sourcelink = False
html_baseurl = ""

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True,
                           # inherited members: regsim_api shows those of private bases only (_skip_inherited)
                           "inherited-members": True,
                           "member-order": "bysource"}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "mixed"
autoclass_content = "class"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
add_module_names = False
python_use_unqualified_type_names = True

# A broken reference to a regsim name fails the build (make site runs sphinx-build -W -n).
nitpicky = True
nitpick_ignore_regex = [
    # other projects' types: no intersphinx inventories offline
    (r"py:.*", r"(numpy|np|pandas|pd|networkx|nx|matplotlib|mpl|ipywidgets|widgets|dask|distributed|numba|"
               r"pyarrow|starlette|uvicorn|httpx|zstandard|PIL|tqdm|libcachesim|IPython)(\..*)?"),
    (r"py:.*", r"(DataFrame|Series|DiGraph|MultiDiGraph|Graph|Axes|Figure|ndarray|ArrayLike|NDArray|DTypeLike|Client|Request|Response|"
               r"Widget|VBox|HBox|HTML|Image|ASGIApp|Scope|Receive|Send|Starlette)"),
    # the standard library and typing: resolved by name only with intersphinx, which needs the internet
    (r"py:.*", r"(typing|collections|collections\.abc|os|io|pathlib|datetime|random|argparse|socket|"
               r"threading|subprocess|enum|importlib|hashlib|concurrent|contextlib|dataclasses|"
               r"functools|json|tarfile|zipfile|queue|types|abc)(\..*)?"),
    (r"py:.*", r"(Any|Callable|Iterable|Iterator|Mapping|MutableMapping|Sequence|Sized|Hashable|Generator|"
               r"Literal|Self|TypeVar|Protocol|Optional|Union|ClassVar|Path|PathLike|Random|Traversable|"
               r"Enum|IntEnum|Event|Thread|BinaryIO|IO|TextIO|Counter|OrderedDict|deque|defaultdict|"
               r"partial|Future|Executor|Pattern|Match|timedelta|datetime|Namespace|ArgumentParser|"
               r"T|K|V|P|R|_T|T_co|NoneType|ellipsis|EllipsisType|object|type|bytes|bytearray|memoryview|"
               r"int|float|str|bool|dict|list|tuple|set|frozenset|complex|range|slice|None|Exception|"
               r"ValueError|TypeError|KeyError|OSError|RuntimeError|LookupError|BaseException|"
               r"array|mmap|Traceback|TracebackType|socket\.socket|SupportsIndex|Buffer)"),
]
