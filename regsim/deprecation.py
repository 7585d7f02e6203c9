"""Renamed names keep working for one release, with a warning that says the new name.

regsim renames a public name only with a shim from this module (``CONTRIBUTING.md``, "Renaming"):

* :func:`moved_names` gives a package a module ``__getattr__`` that answers an old name with the
  new object, after a :class:`DeprecationWarning`; the new name may be in another module
  (``"regsim.engines.DockerClient"``), imported only when the old name is asked for;
* :func:`moved_module` is the whole ``__getattr__`` of a module that moved: every public name of
  the new module, through the old module's path, with a warning naming the new path;
* :func:`renamed_keywords` lets a function take an old keyword for its new one, with a warning;
* :func:`keyword_only` lets a function take options that became keyword-only by position, with a
  warning.

>>> import warnings
>>> @renamed_keywords(sizes="fractions")
... def sweep(trace, *, fractions=(0.1,)):
...     return fractions
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     sweep(None, sizes=(0.5,))
(0.5,)
>>> str(caught[0].message)
'sweep(sizes=...) is renamed sweep(fractions=...); the old keyword goes in the next release'
"""

from __future__ import annotations

import functools
import inspect
import importlib
import warnings
from typing import Any, Callable, Mapping, TypeVar

from .errors import InvalidArgument

__all__ = ["keyword_only", "moved_module", "moved_names", "renamed_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def moved_names(module: str, renamed: Mapping[str, str],
                namespace: Mapping[str, Any] | None = None, *, stacklevel: int = 2) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: each old name in ``renamed`` gives the object its new
    name stands for, with a DeprecationWarning naming both. A new name without a dot is looked up in
    ``namespace`` (the module's globals); one with dots (``"regsim.engines.DockerClient"``) is the
    full path of a name in another module, imported when the old name is first asked for (so a
    package can point at a package that imports it, without importing it itself). A module whose own
    ``__getattr__`` calls the returned function (to answer other names too) passes ``stacklevel=3``,
    so the warning points at the user's line, not at that ``__getattr__``.

    >>> import warnings
    >>> __getattr__ = moved_names("mytools", {"dumps": "json.dumps"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     __getattr__("dumps")([1])
    '[1]'
    >>> str(caught[0].message)
    'mytools.dumps moved to json.dumps; the old path goes in the next release'
    """

    def __getattr__(name: str) -> Any:
        if name in renamed:
            new = renamed[name]
            if "." in new:
                home, _, attribute = new.rpartition(".")
                warnings.warn(f"{module}.{name} moved to {new}; the old path goes in the next release",
                              DeprecationWarning, stacklevel=stacklevel)
                return getattr(importlib.import_module(home), attribute)
            if namespace is None:
                raise InvalidArgument(f"moved_names({module!r}): {name!r} is renamed {new!r}, a name without "
                                      "a module, and no namespace was given to look it up in")
            warnings.warn(f"{module}.{name} is renamed {module}.{new}; the old name goes in the next release",
                          DeprecationWarning, stacklevel=stacklevel)
            return namespace[new]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def moved_module(module: str, new: str) -> Callable[[str], Any]:
    """The ``__getattr__`` of a module left behind when ``module`` moved to ``new``: each public name
    of ``new``, asked for by the old path (``from regsim.server.daemon import base_image``), is
    ``new``'s object, after a DeprecationWarning that names the new module. ``new`` is imported only
    then.

    >>> import warnings
    >>> __getattr__ = moved_module("mytools.text", "textwrap")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     __getattr__("dedent")("  a")
    'a'
    >>> str(caught[0].message)
    'mytools.text moved to textwrap (mytools.text.dedent is textwrap.dedent); the old path goes in the next release'
    """

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):  # the import machinery's and tools' probes (__path__, __wrapped__...)
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        target = importlib.import_module(new)
        if name.startswith("_") or not hasattr(target, name):
            raise AttributeError(f"module {module!r} has no attribute {name!r} (it moved to {new})")
        warnings.warn(f"{module} moved to {new} ({module}.{name} is {new}.{name}); the old path goes in the "
                      "next release", DeprecationWarning, stacklevel=2)
        return getattr(target, name)

    return __getattr__


def _caller() -> int:
    """The ``stacklevel`` of the first frame outside this module, for a warning raised in a wrapper:
    the user's line, also when shims are stacked (``keyword_only`` over ``renamed_keywords``)."""
    here = inspect.currentframe()
    frame = here.f_back if here is not None else None
    if frame is None:  # an interpreter without frames: the caller's caller
        return 2
    level = 1
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    return level


def renamed_keywords(**old_to_new: str) -> Callable[[F], F]:
    """A decorator: ``f(old=x)`` works as ``f(new=x)`` and warns; giving both is an error."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise InvalidArgument(f"{function.__name__}() got {old}= and {new}=: {old} is the old "
                                              f"name of {new}, give {new}= only")
                    warnings.warn(f"{function.__name__}({old}=...) is renamed {function.__name__}({new}=...); "
                                  "the old keyword goes in the next release", DeprecationWarning, stacklevel=_caller())
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature for callers

    return decorate


def keyword_only(*names: str) -> Callable[[F], F]:
    """A decorator for options that became keyword-only: a call that still gives them by position
    (after the positional parameters, in the order of ``names``) works and warns.

    >>> import warnings
    >>> @keyword_only("fractions")
    ... def sweep(trace, policies=("lru",), *, fractions=(0.1,)):
    ...     return policies, fractions
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     sweep(None, ["arc"], [0.5])
    (['arc'], [0.5])
    >>> str(caught[0].message)
    'sweep(..., fractions) by position is now sweep(..., fractions=...): the option is keyword-only; by position it goes in the next release'
    """

    def decorate(function: F) -> F:
        parameters = inspect.signature(function).parameters.values()
        positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) > positional:
                extra = args[positional:]
                if len(extra) > len(names):
                    raise InvalidArgument(f"{function.__name__}() takes {positional} positional arguments and "
                                          f"{', '.join(names)} by keyword; got {len(args)} positional arguments")
                given = names[:len(extra)]
                for name in given:
                    if name in kwargs:
                        raise InvalidArgument(f"{function.__name__}() got {name} by position and as {name}=")
                shown = ", ".join(given)
                warnings.warn(f"{function.__name__}(..., {shown}) by position is now {function.__name__}(..., "
                              f"{'=..., '.join(given)}=...): the option is keyword-only; by position it goes in "
                              "the next release", DeprecationWarning, stacklevel=_caller())
                kwargs.update(zip(given, extra))
                args = args[:positional]
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature for callers

    return decorate
