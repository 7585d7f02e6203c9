"""Table-driven tests of the reference grammar and Docker's normalisation."""

import pytest
from hypothesis import assume, given, strategies as st

from regsim import errors
from regsim.oci.reference import parse, parse_docker_ref, validate_repository, validate_tag

H = "a" * 64
D = "sha256:" + H


@pytest.mark.parametrize(
    "text, normalized, familiar",
    [
        ("nginx", "docker.io/library/nginx:latest", "nginx:latest"),
        ("library/nginx:1.25", "docker.io/library/nginx:1.25", "nginx:1.25"),
        ("user/app", "docker.io/user/app:latest", "user/app:latest"),
        ("myusername/myapp:1.0", "docker.io/myusername/myapp:1.0", "myusername/myapp:1.0"),
        ("index.docker.io/user/app", "docker.io/user/app:latest", "user/app:latest"),
        (f"docker.io/nginx@{D}", f"docker.io/library/nginx@{D}", f"nginx@{D}"),
        (f"nginx:1.25@{D}", f"docker.io/library/nginx@{D}", f"nginx@{D}"),
        ("localhost/foo", "localhost/foo:latest", "localhost/foo:latest"),
        ("localhost:5000/foo", "localhost:5000/foo:latest", "localhost:5000/foo:latest"),
        (f"localhost:5000/team/app@{D}", f"localhost:5000/team/app@{D}", f"localhost:5000/team/app@{D}"),
        ("example.com/a/b", "example.com/a/b:latest", "example.com/a/b:latest"),
        ("127.0.0.1:8000/x", "127.0.0.1:8000/x:latest", "127.0.0.1:8000/x:latest"),
        ("LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo:latest", "LOCALDOMAIN/fooo:latest"),
        ("[::1]:5000/app:v1", "[::1]:5000/app:v1", "[::1]:5000/app:v1"),
        ("a-b/c__d/e.f:Tag_1.0-x", "docker.io/a-b/c__d/e.f:Tag_1.0-x", "a-b/c__d/e.f:Tag_1.0-x"),
        ("a--b/c", "docker.io/a--b/c:latest", "a--b/c:latest"),
        ("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"),
    ],
)
def test_normalisation(text, normalized, familiar):
    ref = parse_docker_ref(text)
    assert str(ref) == normalized
    assert ref.familiar == familiar


def test_parts():
    ref = parse("localhost:5000/team/app:1.0")
    assert (ref.domain, ref.path, ref.repository, ref.tag, ref.digest) == (
        "localhost:5000", "team/app", "team/app", "1.0", None)
    assert ref.name == "localhost:5000/team/app"
    assert ref.reference == "1.0"
    assert parse(f"app@{D}").reference == D


def test_parse_keeps_absent_tag():
    assert parse("nginx").tag is None
    assert parse(f"nginx:1@{D}").tag == "1"  # parse keeps both; parse_docker_ref drops the tag


@pytest.mark.parametrize(
    "text, error, words",
    [
        ("", errors.NameEmpty, "at least one component"),
        ("Nginx", errors.NameContainsUppercase, "must be lowercase"),
        ("foo/Bar", errors.NameContainsUppercase, "must be lowercase"),
        (H, errors.ReferenceInvalid, "64-byte hexadecimal"),
        ("x/a..b", errors.ReferenceInvalid, "path component 'a..b'"),
        ("a..b/c", errors.ReferenceInvalid, "registry domain 'a..b'"),
        ("a___b", errors.ReferenceInvalid, "path component 'a___b'"),
        ("-abc/x", errors.ReferenceInvalid, "path component '-abc'"),
        ("abc-/x", errors.ReferenceInvalid, "path component 'abc-'"),
        ("foo//bar", errors.ReferenceInvalid, "path component ''"),
        ("foo/", errors.ReferenceInvalid, "path component ''"),
        ("foo bar", errors.ReferenceInvalid, "path component"),
        ("nginx:-bad", errors.TagInvalid, "tag '-bad'"),
        ("nginx:.bad", errors.TagInvalid, "tag '.bad'"),
        ("nginx:" + "t" * 129, errors.TagInvalid, "tag"),
        ("nginx:", errors.TagInvalid, "tag ''"),
        ("nginx@sha256:xyz", errors.DigestInvalid, "64 lowercase hex"),
        ("nginx@md5:" + "a" * 32, errors.DigestInvalid, "unsupported algorithm"),
        ("-bad.com:5000/x", errors.ReferenceInvalid, "registry domain '-bad.com:5000'"),
        ("example.com:port/x", errors.ReferenceInvalid, "registry domain"),
        ("x/" + "a" * 255, errors.NameTooLong, "255 characters"),
    ],
)
def test_each_rule_has_its_error(text, error, words):
    with pytest.raises(error) as info:
        parse(text)
    assert words in info.value.message
    assert info.value.code in ("NAME_INVALID", "TAG_INVALID", "DIGEST_INVALID")


def test_length_limit_is_on_the_path():
    path = "a" * 255
    assert parse(f"example.com/{path}").path == path  # domain does not count
    with pytest.raises(errors.NameTooLong):
        parse("example.com/" + "a" * 256)


def test_reference_errors_are_name_invalid_on_the_wire():
    for cls in (errors.NameEmpty, errors.NameContainsUppercase, errors.NameTooLong, errors.ReferenceInvalid):
        assert issubclass(cls, errors.NameInvalid) and cls.code == "NAME_INVALID"


@pytest.mark.parametrize("name", ["a", "a/b", "a-b", "a--b", "a_b", "a__b", "a.b", "0/1/2", "library/python"])
def test_valid_repository_names(name):
    assert validate_repository(name) == name


@pytest.mark.parametrize(
    "name, words",
    [("", "must not be empty"), ("A", "lowercase"), ("a___b", "component"), ("a..b", "component"),
     ("a/", "component"), ("/a", "component"), ("a" * 256, "255")],
)
def test_invalid_repository_names(name, words):
    with pytest.raises(errors.NameInvalid) as info:
        validate_repository(name)
    assert words in info.value.message


@pytest.mark.parametrize("tag", ["latest", "v1", "1.0", "A_b-c.d", "_x", "9" * 128])
def test_valid_tags(tag):
    assert validate_tag(tag) == tag


@pytest.mark.parametrize("tag", ["", ".x", "-x", "a b", "a/b", "x" * 129, "é"])
def test_invalid_tags(tag):
    with pytest.raises(errors.TagInvalid) as info:
        validate_tag(tag)
    assert info.value.code == "TAG_INVALID"


alnum = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
separator = st.sampled_from([".", "_", "__", "-", "--"])
component = st.builds(lambda first, rest: first + "".join(s + a for s, a in rest),
                      alnum, st.lists(st.tuples(separator, alnum), max_size=3))
tags = st.text("abcXYZ019_.-", min_size=0, max_size=12).map(lambda t: "v" + t)
domains = st.sampled_from(["", "localhost/", "localhost:5000/", "example.com/", "docker.io/", "reg.io:443/"])


@given(domains, st.lists(component, min_size=1, max_size=3), st.none() | tags)
def test_round_trip(domain, parts, tag):
    assume(domain or "." not in parts[0])  # without a domain, "a.b/c" names the registry "a.b"
    text = domain + "/".join(parts) + (f":{tag}" if tag else "")
    ref = parse(text)
    assert parse(str(ref)) == ref
    first = ref.familiar.split("/")[0]
    if ref.domain != "docker.io" or not any(c in first for c in ".:"):
        # as in Docker, "0.0/x" on docker.io has no unambiguous familiar form
        assert parse(ref.familiar) == ref


@pytest.mark.parametrize("bad", [["x"], None, 3, b"tag"])
def test_non_strings_are_refused_with_the_right_error(bad):
    with pytest.raises(errors.TagInvalid):
        validate_tag(bad)
    with pytest.raises(errors.NameInvalid):
        validate_repository(bad)


def test_docker_hubs_legacy_name_is_one_rule_for_references_and_logout():
    """``index.docker.io`` means ``docker.io`` in a reference and in ``docker logout`` alike."""
    from regsim import Host, Registry, World
    from regsim.oci.reference import normalize_domain

    assert parse_docker_ref("index.docker.io/alpine").domain == normalize_domain("index.docker.io") == "docker.io"
    world = World()
    world.add_registry(Registry.hub())
    laptop = world.add_host(Host("laptop"))
    world.registries["docker.io"].add_user("me", "pw")
    laptop.login("docker.io", "me", "pw", quiet=True)
    out = laptop.logout("index.docker.io", quiet=True)
    assert "Removing login credentials for docker.io" in str(out)
