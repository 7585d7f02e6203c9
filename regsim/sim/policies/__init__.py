"""The cache policies, one module each, and their registry.

Each module ``regsim/sim/policies/<name>.py`` holds one policy: its readable Python class (a
:class:`~regsim.sim.policies.base.Policy`, the reference the lab teaches), its compiled numba
kernel with the state that kernel keeps between chunks (``State``, see
:mod:`~regsim.sim.policies._compiled`), and its description (the class docstring). The registry
finds the modules itself: adding a policy is adding its file.

* :data:`POLICIES`: name -> class, for every built-in policy;
* :func:`canonical`: a policy name in any accepted spelling (``"S3-FIFO"``, ``"TwoQ"``,
  ``"LRU-K"``: case, ``-``, ``_`` and spaces do not matter) -> its name here;
* :func:`resolve`: a name, a built-in class, ``Class.with_params(...)`` or
  ``functools.partial(Class, **params)`` -> a :class:`~regsim.sim.policies.base.Configured`
  (what the compiled engine runs), or None for a user's policy;
* :func:`make_policy`, :func:`label` (the readable name of a policy in a table) and
  :func:`describe` (a table of every policy: name, spellings, parameters, compiled, what it does).

>>> canonical("S3-FIFO"), label(S3FIFO.with_params(small_ratio=0.05))
('s3fifo', 's3fifo(small_ratio=0.05)')
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Any, Callable

from ..errors import InvalidParameter, UnknownPolicy
from .base import Configured, Policy, QueuePolicy

__all__ = ["POLICIES", "Policy", "QueuePolicy", "Configured", "canonical", "resolve", "make_policy", "label",
           "describe", "compiled_names"]


def _normal(spelling: str) -> str:
    return "".join(c for c in spelling.lower() if c not in "-_ ")


def _discover() -> dict[str, type[Policy]]:
    found: dict[str, type[Policy]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Policy) and value.__module__ == module.__name__
                    and not value.__name__.startswith("_")):
                if value.name in found:
                    raise RuntimeError(f"two policies named {value.name!r}: {found[value.name]} and {value}")
                found[value.name] = value
    return found


#: name -> policy class, every built-in policy
POLICIES: dict[str, type[Policy]] = _discover()
globals().update({cls.__name__: cls for cls in POLICIES.values()})
__all__ += [cls.__name__ for cls in POLICIES.values()]

_SPELLINGS: dict[str, str] = {}
for _name, _cls in POLICIES.items():
    for _spelling in (_name, _cls.__name__, *_cls.aliases):
        _SPELLINGS[_normal(_spelling)] = _name


def compiled_names() -> tuple[str, ...]:
    """The built-in policies that have a compiled kernel."""
    return tuple(name for name, cls in POLICIES.items() if cls.State is not None)


def canonical(spelling: str) -> str | None:
    """The registry's name for a policy name in any accepted spelling; None if unknown.

    >>> canonical("LRU"), canonical("S3-FIFO"), canonical("nope")
    ('lru', 's3fifo', None)
    """
    return _SPELLINGS.get(_normal(spelling)) if isinstance(spelling, str) else None


def resolve(policy: Any) -> Configured | None:
    """A built-in policy with its parameters, from a name, a built-in class, ``Class.with_params``
    or ``functools.partial(Class, **params)``; None for anything else (a user's policy)."""
    if isinstance(policy, Configured):
        return policy
    if isinstance(policy, str):
        name = canonical(policy)
        return None if name is None else Configured(POLICIES[name], {})
    if isinstance(policy, type) and issubclass(policy, Policy) and POLICIES.get(policy.name) is policy:
        return Configured(policy, {})
    if isinstance(policy, functools.partial) and not policy.args:
        inner = resolve(policy.func)
        if inner is not None and isinstance(policy.func, (type, Configured)):
            return Configured(inner.cls, {**inner.params, **policy.keywords})
    return None


def _unknown(policy: str) -> UnknownPolicy:
    return UnknownPolicy(f"unknown cache policy {policy!r} (known: {', '.join(POLICIES)}; "
                         f"libCacheSim's spellings such as 'S3-FIFO' or 'LRU-K' work too)")


def make_policy(policy: "str | type[Policy] | Callable[[int], Policy]", capacity: int) -> Policy:
    """A policy instance from a name (``"lru"``, ``"S3-FIFO"``), a :class:`Policy` subclass or a factory
    (``S3FIFO.with_params(small_ratio=0.05)``, ``functools.partial(...)``, a function)."""
    if isinstance(policy, str):
        configured = resolve(policy)
        if configured is None:
            raise _unknown(policy)
        return configured(capacity)
    if callable(policy):
        made = policy(capacity)
        if not isinstance(made, Policy):
            raise InvalidParameter(f"policy factory {policy!r} returned {type(made).__name__}, not a Policy")
        return made
    raise InvalidParameter(f"policy must be a name, a Policy subclass or a factory, got {policy!r}")


def label(policy: Any) -> str:
    """A policy's name in a results table: ``lru``, ``s3fifo(small_ratio=0.05)``, a user class's ``name``.

    A name is checked (an unknown one is an :class:`UnknownPolicy`). A factory without a readable
    name (a lambda) is labelled by the policy it makes.
    """
    if isinstance(policy, str):
        name = canonical(policy)
        if name is None:
            raise _unknown(policy)
        return name
    configured = resolve(policy)
    if configured is not None:
        return configured.name
    if isinstance(policy, type) and issubclass(policy, Policy):
        return policy.name
    if isinstance(policy, functools.partial) and not policy.args:
        args = ", ".join(f"{k}={v!r}" for k, v in policy.keywords.items())
        return f"{label(policy.func)}({args})"
    name = getattr(policy, "name", None)
    if isinstance(name, str):
        return name
    name = getattr(policy, "__name__", None)
    if isinstance(name, str) and not name.startswith("<"):
        return name
    try:
        return make_policy(policy, 0).label  # a lambda: what it makes
    except Exception:  # noqa: BLE001 - a factory that cannot make a 0-byte cache keeps its repr
        return repr(policy)


def describe() -> Any:
    """A DataFrame of every built-in policy: name, class, other spellings, parameters (with
    defaults), whether it has a compiled kernel, and the first line of its description."""
    import pandas as pd

    rows = [{"policy": name, "class": cls.__name__, "spellings": ", ".join(cls.aliases),
             "parameters": ", ".join(f"{k}={v!r}" for k, v in cls.parameters().items()),
             "compiled": cls.State is not None,
             "description": (cls.__doc__ or "").strip().split("\n")[0]}
            for name, cls in POLICIES.items()]
    return pd.DataFrame(rows)
