"""One shape per concept (issue 12): auth= keyword-only everywhere, every Host command returns
Output, a Host refuses a lone Registry with a TypeError that says what it needs, tags are a
read-only Mapping on hosts as on repositories."""

import inspect
from collections.abc import Mapping

import pytest

import regsim
from regsim import Host, Registry, World
from regsim.client.output import Output


def public_methods():
    for cls in (Registry, Host, World):
        for name, fn in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                yield cls, name, fn


def test_auth_is_keyword_only_everywhere():
    positional = [f"{cls.__name__}.{name}" for cls, name, fn in public_methods()
                  if "auth" in inspect.signature(fn).parameters
                  and inspect.signature(fn).parameters["auth"].kind is not inspect.Parameter.KEYWORD_ONLY]
    assert positional == []


def test_can_takes_auth_by_keyword():
    reg = Registry.hub()
    reg.add_user("alice", "pw")
    alice = reg.login("alice", "pw")
    assert reg.can("alice/app", "push", auth=alice) and not reg.can("alice/app", "push")


def test_every_host_command_returns_output():
    world = World()
    world.add_private_registry()
    laptop = world.add_host("laptop", quiet=True)
    laptop.build("FROM scratch\nCOPY a /\n", "localhost:5000/x/y:1", context={"a": b"a"})
    assert isinstance(laptop.tag("localhost:5000/x/y:1", "localhost:5000/x/y:2"), Output)


def test_a_host_refuses_a_registry_where_it_needs_a_world():
    reg = Registry()
    with pytest.raises(TypeError, match=r"World.*\[registry\]"):
        Host("laptop", reg)
    assert Host("laptop", [reg]).registry("localhost:5000") is reg


def test_tags_are_a_read_only_mapping_on_hosts_and_repositories():
    world = World()
    world.add_private_registry()
    laptop = world.add_host("laptop", quiet=True)
    laptop.build("FROM scratch\nCOPY a /\n", "localhost:5000/x/y:1", context={"a": b"a"})
    laptop.push("localhost:5000/x/y:1")
    for tags in (laptop.tags, world.registries["localhost:5000"].repository("x/y").tags):
        assert isinstance(tags, Mapping) and not hasattr(tags, "__setitem__")


def test_one_argument_error_type():
    """Bad arguments raise regsim.errors.InvalidArgument in every module (a ValueError and a
    TypeError, so older handlers still catch it); the lab's InvalidParameter is one too."""
    import ast
    from pathlib import Path

    from regsim.errors import InvalidArgument
    from regsim.sim.errors import InvalidParameter

    assert issubclass(InvalidArgument, ValueError) and issubclass(InvalidArgument, TypeError)
    assert issubclass(InvalidParameter, InvalidArgument)
    core = Path(regsim.__file__).parent
    plain = []
    for path in sorted(core.rglob("*.py")):
        if path.relative_to(core).parts[0] in ("viz", "sim", "server", "engines", "io"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and isinstance(node.exc.func, ast.Name) and node.exc.func.id in ("ValueError", "TypeError")):
                plain.append(f"{path.relative_to(core)}:{node.lineno}")
    assert plain == []
    with pytest.raises(InvalidArgument, match="visibility"):
        Registry().set_visibility("a/b", "secret")
    with pytest.raises(InvalidArgument, match="World"):
        Host("laptop", Registry())
