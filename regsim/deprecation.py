"""Renamed names keep working for one release, with a warning that says the new name.

regsim renames a public name only with a shim from this module (``CONTRIBUTING.md``, "Renaming"):

* :func:`moved_names` gives a package a module ``__getattr__`` that answers an old name with the
  new object, after a :class:`DeprecationWarning`;
* :func:`renamed_keywords` lets a function take an old keyword for its new one, with a warning.

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
import warnings
from typing import Any, Callable, Mapping, TypeVar

from .errors import InvalidArgument

__all__ = ["moved_names", "renamed_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def moved_names(module: str, renamed: Mapping[str, str], namespace: Mapping[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``module``: each old name in ``renamed`` gives the object the new
    name has in ``namespace`` (the module's globals), with a DeprecationWarning naming both."""

    def __getattr__(name: str) -> Any:
        if name in renamed:
            new = renamed[name]
            warnings.warn(f"{module}.{name} is renamed {module}.{new}; the old name goes in the next release",
                          DeprecationWarning, stacklevel=2)
            return namespace[new]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


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
                                  "the old keyword goes in the next release", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature for callers

    return decorate
