"""Issue 20, item 4 (one error family): a bad argument to any public function or class of
``regsim.viz``, ``regsim.sim``, ``regsim.server``, ``regsim.engines`` and ``regsim.io`` raises
:class:`regsim.errors.InvalidArgument` (or a subclass), and the message names the argument and
the value. Never an AttributeError, a bare TypeError or KeyError from deep inside.

Two tables, walked from the packages' ``__all__``:

- a value of the wrong kind (``BAD``, an object of no use to anyone) for every required
  parameter (or, when none is required, for the first option), for every public function and
  class: the first check must reject it, naming one of those parameters and the value;
- ``OUT_OF_RANGE``: values of the right kind but outside what the function accepts.

``UNCHECKED`` lists what does not check its arguments yet (strict xfails: a fix must remove its
entry). ``EXEMPT`` says why a name takes no bad argument (a route handler, a record...).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import regsim
from regsim.errors import InvalidArgument

PACKAGES = ("viz", "sim", "server", "engines", "io")


class _Bad:
    """An argument of the wrong kind for every parameter of regsim."""

    def __repr__(self) -> str:
        return "<bad argument>"


BAD = _Bad()

#: names that take no bad argument, and why
EXEMPT = {
    # route handlers: the app calls them with its own Context
    **{f"regsim.server.{m}.{f}": "a route handler: the app calls it with its own Context"
       for m, fs in {"blobs": ("head_blob", "get_blob", "delete_blob"),
                     "manifests": ("head_manifest", "get_manifest", "put_manifest", "delete_manifest"),
                     "uploads": ("start_upload", "patch_upload", "upload_status", "finish_upload",
                                 "cancel_upload"),
                     "discovery": ("list_tags", "catalog", "referrers")}.items() for f in fs},
    "regsim.server.state.ServerState": "a typing Protocol: not instantiated",
    "regsim.sim.policies.base.Policy": "an abstract base class",
    "regsim.sim.policies.base.SlotPolicy": "an abstract base class",
    "regsim.io.sources.Source": "an abstract base class",
    "regsim.sim.admission.Admission": "an abstract base class",
    "regsim.server.heads.BoundedHttpToolsProtocol": "uvicorn's protocol class: uvicorn makes it",
    "regsim.engines.daemon.docker_daemon": "starts a Docker daemon (tests/engines test its options)",
    "regsim.engines.watchdog.watch": "the watchdog process's main loop (tests/engines test it)",
    "regsim.sim.policies.canonical": "a lookup: None for anything that is not a built-in policy's name",
    "regsim.sim.policies.resolve": "a lookup: None for anything that is not a built-in policy (a user's policy)",
    "regsim.sim.policies.label": "labels any policy, a user's object too (its repr at worst)",
    **{f"regsim.engines.watchdog.{f}": "the watchdog runs by path with the standard library only: it "
                                       "cannot import regsim's errors"
       for f in ("alive", "terminate", "stop_tree", "processes_using")},
}

#: functions and classes that do not check their arguments yet (strict xfail: fixing one fails
#: the test until its entry goes)
#: (none today: a new public name that does not check goes here until its fix lands)
UNCHECKED: set[str] = set()

#: (qualified name, args, kwargs, the argument the message must name)
OUT_OF_RANGE: list[tuple[str, tuple, dict, str]] = [
    ("regsim.server.limits.LoginThrottle", (), {"attempts": 0}, "attempts"),
    ("regsim.server.limits.LoginThrottle", (), {"window": -1.0}, "window"),
    ("regsim.server.limits.LoginThrottle", (), {"max_bytes": 1}, "max_bytes"),
    ("regsim.server.limits.UploadTracker", (), {"per_client": 0}, "per_client"),
    ("regsim.server.limits.UploadTracker", (), {"purge_age": 0}, "purge_age"),
    ("regsim.engines.clients.make_client", ("http://127.0.0.1:5000",), {"tool": "curl"}, "tool"),
    ("regsim.engines.mirror_reality.predict", ("nginx",), {}, "kind"),
    ("regsim.engines.reality.outcome_of", ("Flying",), {}, "status"),
    ("regsim.engines.tools.registry_address", ("localhost:5000",), {}, "base_url"),
    ("regsim.server.classroom.Classroom", ([],), {}, "participants"),
    ("regsim.server.auth.scheme_for", ("kerberos",), {}, "mode"),
    ("regsim.sim.workloads.object_trace", (), {"requests": -1}, "requests"),
    ("regsim.sim.workloads.object_trace", (), {"alpha": -1.0}, "alpha"),
    ("regsim.sim.workloads.generate_catalog", (), {"bases": 0}, "bases"),
    ("regsim.sim.workloads.zipf_weights", (-1, 1.0), {}, "n"),
    ("regsim.sim.rollout.rollout_time", ([("sha256:x", 10)],), {"servers": 0}, "servers"),
    ("regsim.sim.rollout.rollout_time", ([("sha256:x", 10)],), {"mode": "teleport"}, "mode"),
    ("regsim.sim.rollout.site_links", (-1,), {}, "servers"),
    ("regsim.sim.chunking.fixed_chunks", (b"abc",), {"size": 0}, "size"),
    ("regsim.sim.chunking.cdc_chunks", (b"abc",), {"average": 0}, "average"),
    ("regsim.sim.samples.generate_sample", (), {"pulls": -1}, "pulls"),
    ("regsim.sim.streams.rollout", ("app",), {"servers": -1}, "servers"),
    ("regsim.sim.mirrors.PullThroughMirror", (), {"ttl": -1.0}, "ttl"),
    ("regsim.sim.mirrors.PullThroughMirror", (), {"revalidate": "maybe"}, "revalidate"),
    ("regsim.sim.admission.ProbAdmission", (1.5,), {}, "p"),
    ("regsim.sim.admission.SizeAdmission", (-1,), {}, "max_size"),
    ("regsim.sim.content.official_content", (), {"scale": 0}, "scale"),
    ("regsim.sim.exercises.check", ("caching.99", 1), {}, "caching.99"),
    ("regsim.viz.draw.draw_panels", ([],), {"arrange": "diagonal"}, "arrange"),
    ("regsim.viz.style.node_style", ("spaceship",), {}, "spaceship"),
    ("regsim.viz.style.status_style", ("exploded",), {}, "exploded"),
    ("regsim.viz.graph.node_id", ("spaceship", "hub"), {}, "spaceship"),
    # a later argument of the wrong kind
    ("regsim.viz.draw.new_figure", (2.0, "tall"), {}, "height"),
    ("regsim.viz.graph.node_id", ("tag", 5), {}, "owner"),
    ("regsim.viz.style.marker_area", (100,), {"scale": "big"}, "scale"),
    ("regsim.viz.layout.crossing_height", ([1.0], "x"), {}, "want"),
    ("regsim.viz.replayed.graph_at", ([], "3"), {}, "k"),
    ("regsim.engines.mirror_reality.DistributionProxy", ("http://127.0.0.1:5000", "5000"), {}, "port"),
    ("regsim.engines.clients.make_client", ("ftp://x",), {}, "base_url"),
    ("regsim.engines.clients.SimpleClient", ("http://127.0.0.1:5000",), {"username": "a"}, "username"),
    ("regsim.server.runner.bind", ("127.0.0.1", "80"), {}, "port"),
    ("regsim.server.protocol.next_link", ("/v2/_catalog", "10", "x"), {}, "n"),
    ("regsim.server.protocol.upload_range", (-1,), {}, "size"),
    ("regsim.server.context.reply", ("200",), {}, "status"),
    ("regsim.server.heads.protocol_options", ("http3",), {}, "http"),
    ("regsim.io.layout.write_layout", ("/nonexistent-dir-x", 5), {}, "images"),
    ("regsim.sim.traces.parse_uri", (5,), {}, "uri"),
    ("regsim.sim.network.transfer_time", (1000.0, [], {}), {}, "path"),
    ("regsim.sim.chunking.cdc_chunks", ("text",), {}, "data"),
    ("regsim.sim.workloads.object_trace", (), {"objects": 0}, "objects"),
    ("regsim.sim.workloads.object_trace", (), {"seed": "x"}, "seed"),
    ("regsim.sim.stackdist.stack_distances", ([1, 2], [1]), {}, "weights"),
    ("regsim.sim.policies.clockpro.ClockPro", (100,), {"cold_ratio": 1.5}, "cold_ratio"),
    ("regsim.sim.streams.merge", (), {}, "streams"),
]


def _public() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(regsim.__path__, "regsim."):
        if info.name.split(".")[1] not in PACKAGES or ".data.bundled" in info.name:
            continue
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # a private module (sim._util's checks, the policies' _compiled kernels)
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if getattr(obj, "__module__", None) != info.name:
                continue  # a re-export (or a constant): checked where it is defined
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append((f"{info.name}.{name}", obj))
    return found


PUBLIC = _public()


def _record(obj: object) -> bool:
    """A dataclass whose ``__init__`` is the generated one and checks nothing."""
    return (inspect.isclass(obj) and dataclasses.is_dataclass(obj) and not hasattr(obj, "__post_init__")
            and obj.__init__.__code__.co_filename == "<string>")  # dataclasses compiles __init__ from a string


def _bad_call(obj) -> tuple[tuple, dict, list[str]]:
    """Arguments that give ``BAD`` to every required parameter (or the first option), and their names."""
    params = list(inspect.signature(obj).parameters.values())
    required = [p for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not required:
        varargs = [p for p in params if p.kind == p.VAR_POSITIONAL]
        options = [p for p in params if p.default is not p.empty]
        required = varargs[:1] or options[:1]
    args, kwargs = [], {}
    for p in required:
        if p.kind in (p.KEYWORD_ONLY,) or (p.default is not p.empty and p.kind != p.VAR_POSITIONAL):
            kwargs[p.name] = BAD
        else:
            args.append(BAD)
    return tuple(args), kwargs, [p.name for p in required]


CASES = [(qual, obj) for qual, obj in PUBLIC if not _record(obj)]


def test_the_walk_finds_every_package():
    found = {qual.split(".")[1] for qual, _ in CASES}
    assert found == set(PACKAGES) and len(CASES) > 150


def test_the_tables_name_only_public_names():
    names = {qual for qual, _ in PUBLIC}
    assert sorted((set(EXEMPT) | UNCHECKED) - names) == []
    assert sorted(set(EXEMPT) & UNCHECKED) == []


@pytest.mark.parametrize("qual, obj", [
    pytest.param(qual, obj, id=qual,
                 marks=[pytest.mark.xfail(strict=True, reason="issue 20: does not check its arguments yet")]
                 if qual in UNCHECKED else [])
    for qual, obj in CASES if qual not in EXEMPT])
def test_an_argument_of_the_wrong_kind_is_an_invalid_argument(qual, obj):
    args, kwargs, names = _bad_call(obj)
    if not names:
        pytest.skip(f"{qual} takes no argument")
    with pytest.raises(InvalidArgument) as raised:
        obj(*args, **kwargs)
    message = str(raised.value)
    assert any(name in message for name in names), f"{qual}: the message names none of {names}: {message}"
    assert "<bad argument>" in message or "_Bad" in message, f"{qual}: the message does not show the value: {message}"


@pytest.mark.parametrize("qual, args, kwargs, name", OUT_OF_RANGE, ids=[c[0] + ":" + c[3] for c in OUT_OF_RANGE])
def test_a_value_out_of_range_is_an_invalid_argument(qual, args, kwargs, name):
    module, attr = qual.rsplit(".", 1)
    obj = getattr(importlib.import_module(module), attr)
    with pytest.raises(InvalidArgument) as raised:
        obj(*args, **kwargs)
    assert name in str(raised.value)
