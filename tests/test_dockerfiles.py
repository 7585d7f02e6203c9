"""Dockerfiles as written in the wild build (issue 13, point 5).

The official images' own Dockerfiles (tests/fixtures/dockerfiles, unmodified) build with their FROM
lines pointed at bases regsim ships; a Dockerfile of our own uses every feature of Docker's
Dockerfile reference that regsim supports, and each feature is checked in the image it makes.
"""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from regsim import World
from regsim.client.build import make_tar
from regsim.client.dockerfile import parse_dockerfile, words
from regsim.errors import BuildError

FIXTURES = Path(__file__).parent / "fixtures" / "dockerfiles"
#: the bases the official Dockerfiles name, and the bases regsim ships that stand in for them
BASES = {"debian:bookworm-slim": "debian:bullseye-slim", "debian:trixie-slim": "debian:bullseye-slim",
         "buildpack-deps:bookworm-scm": "buildpack-deps:bullseye-scm"}


@pytest.fixture(scope="module")
def world():
    return World.standard(quiet=True)


def official(name: str) -> tuple[str, dict[str, bytes]]:
    """The Dockerfile with its FROM lines mapped, and stand-ins for the files it COPYs."""
    text = (FIXTURES / f"{name}.Dockerfile").read_text()
    text = re.sub(r"(?m)^(FROM\s+)(\S+)", lambda m: m.group(1) + BASES.get(m.group(2), m.group(2)), text)
    context = {}
    for stage in parse_dockerfile(text).stages:
        for ins in stage.instructions:
            if ins.keyword == "COPY" and ins.flag("from") is None:
                for source in words(ins.args)[:-1]:
                    context[source] = f"#!/bin/sh\n# stand-in for {source}\nexec \"$@\"\n".encode()
    return text, context


def env_of(image) -> dict[str, str]:
    return dict(e.split("=", 1) for e in image.config.env)


@pytest.mark.parametrize("name", ["python", "node", "nginx", "redis", "golang", "httpd"])
def test_official_dockerfiles_build(world, name):
    text, context = official(name)
    host = world.hosts["ci-runner"]
    result = host.build(text, f"official/{name}:test", context=context)
    image = result.image
    stages = parse_dockerfile(text).stages
    base = host.image(BASES.get(stages[-1].base, stages[-1].base))
    own = sum(1 for ins in stages[-1].instructions if ins.makes_layer)
    # only the final stage's layers: the base's, then one per RUN/COPY/ADD of the last stage
    assert [l.digest for l in image.layers[: len(base.layers)]] == [l.digest for l in base.layers]
    assert len(image.layers) == len(base.layers) + own
    assert image.config.history[-1].created_by.startswith(("CMD", "ENTRYPOINT", "WORKDIR", "COPY", "RUN"))
    env = env_of(image)
    assert "$" not in env.get("PATH", "")  # ENV PATH /x:$PATH was expanded
    assert all(not line.startswith("#") for line in result.lines)


def test_what_the_official_images_configure(world):
    host = world.hosts["ci-runner"]
    built = {name: host.build(*official(name)[:1], f"official/{name}:cfg", context=official(name)[1]).image
             for name in ("python", "nginx", "redis", "golang", "httpd", "node")}
    python = built["python"].config
    assert python.cmd == ("python3",) and env_of(built["python"])["LANG"] == "C.UTF-8"
    assert env_of(built["python"])["PATH"].startswith("/usr/local/bin:")
    nginx = built["nginx"].config
    assert nginx.stop_signal == "SIGQUIT" and "80/tcp" in nginx.exposed_ports
    assert nginx.labels["maintainer"] == "NGINX Docker Maintainers <docker-maint@nginx.com>"
    assert nginx.entrypoint == ("/docker-entrypoint.sh",) and env_of(built["nginx"])["NGINX_VERSION"] == "1.27.4"
    redis = built["redis"].config
    assert redis.volumes == ("/data",) and redis.working_dir == "/data" and redis.cmd == ("redis-server",)
    golang = built["golang"].config
    assert golang.working_dir == "/go" and env_of(built["golang"])["GOPATH"] == "/go"
    assert env_of(built["golang"])["PATH"].startswith("/go/bin:/usr/local/go/bin:")
    httpd = built["httpd"].config
    assert httpd.stop_signal == "SIGWINCH" and httpd.working_dir == "/usr/local/apache2"
    assert env_of(built["httpd"])["HTTPD_PATCHES"] == ""
    assert built["node"].config.cmd == ("node",)


FEATURES = r'''# syntax=docker/dockerfile:1
# escape=\

ARG BASE=alpine:3.17
ARG FLAVOUR
FROM ${BASE} AS build
ARG FLAVOUR
ARG VERSION=1.0
ENV APP_HOME=/srv/app \
# a comment inside a continuation, and a blank line:

    MODE="fast and safe" EMPTY=
WORKDIR $APP_HOME
COPY --chown=1000:1000 --chmod=755 tool.sh bin/
RUN <<EOF
apk add curl
echo "built ${VERSION}"
EOF
COPY <<-CONF /etc/app.conf
	mode=$MODE
	flavour=${FLAVOUR:-plain}${FLAVOUR:+-flavoured}
	CONF

FROM scratch AS final
LABEL "org.opencontainers.image.title"="feature test" version="${VERSION:-none}" \
      description=two\ words quoted="a \"b\" \$c"
COPY --from=build --link /srv/app/bin/tool.sh /usr/local/bin/
COPY --from=build /etc/app.conf /etc/
COPY --from=build /usr/lib/made-by-run/ /opt/
COPY ["data file.txt", "/data/"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
VOLUME ["/var/lib/app", "/var/log/app"]
EXPOSE 8080 9090/udp
USER 1000:1000
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=1m30s --retries=3 CMD curl -f http://localhost/ || exit 1
ONBUILD COPY . /src
ENTRYPOINT ["/usr/local/bin/tool.sh"]
CMD run --fast
'''
CONTEXT = {"tool.sh": b"#!/bin/sh\necho tool\n", "data file.txt": b"data\n"}


def test_every_feature_lands_in_the_image(world):
    laptop = world.hosts["laptop"]
    result = laptop.build(FEATURES, "features:1", context=CONTEXT, build_args={"FLAVOUR": "mint", "UNUSED": "x"})
    image = result.image
    config = image.config
    assert len(image.layers) == 4  # FROM scratch: only the final stage's four COPY layers
    files = {path: (data, layer) for layer in image.layers for path, data in layer.files()}
    assert files["/usr/local/bin/tool.sh"][0] == CONTEXT["tool.sh"]
    assert files["/etc/app.conf"][0] == b"mode=fast and safe\nflavour=mint-flavoured\n"
    assert files["/data/data file.txt"][0] == b"data\n"
    assert any(path.startswith("/opt/") for path in files)  # stands in for what the build stage's RUN made
    assert config.labels == {"org.opencontainers.image.title": "feature test", "version": "none",
                             "description": "two words", "quoted": 'a "b" $c'}  # VERSION is an ARG of the build stage only
    assert config.volumes == ("/var/lib/app", "/var/log/app")
    assert config.exposed_ports == ("8080/tcp", "9090/udp") and config.user == "1000:1000"
    assert config.stop_signal == "SIGTERM" and config.on_build == ("COPY . /src",)
    assert config.shell == ("/bin/bash", "-o", "pipefail", "-c")
    assert config.cmd == ("/bin/bash", "-o", "pipefail", "-c", "run --fast")  # the shell form uses SHELL
    assert config.healthcheck.test == ("CMD-SHELL", "curl -f http://localhost/ || exit 1")
    assert (config.healthcheck.interval, config.healthcheck.timeout, config.healthcheck.retries) == (
        30_000_000_000, 90_000_000_000, 3)
    assert "[Warning] One or more build-args [UNUSED] were not consumed" in result.lines
    raw = config.to_dict()["config"]
    assert raw["Healthcheck"]["Interval"] == 30_000_000_000 and raw["OnBuild"] == ["COPY . /src"]
    # the build stage: ENV with quoted pairs, WORKDIR $VAR, COPY --chown --chmod into the tar headers
    build = laptop.build(FEATURES, "features:build", context=CONTEXT, target="build").image
    env = dict(e.split("=", 1) for e in build.config.env)
    assert (env["APP_HOME"], env["MODE"], env["EMPTY"]) == ("/srv/app", "fast and safe", "")
    assert build.config.working_dir == "/srv/app"
    copied = build.layers[-3]
    with tarfile.open(fileobj=io.BytesIO(copied.blob.data)) as tar:
        (member,) = tar.getmembers()
    assert (member.name, member.mode, member.uid, member.gid) == ("srv/app/bin/tool.sh", 0o755, 1000, 1000)
    # a child image runs the ONBUILD trigger right after its FROM
    child = laptop.build("FROM features:1\nRUN true\n", "child:1", context={"x.txt": b"x"})
    assert "# Executing 1 build trigger" in child.lines and not child.image.config.on_build
    assert len(child.image.layers) == len(image.layers) + 2


def test_the_same_dockerfile_gives_the_same_digests(world):
    first = world.hosts["laptop"].build(FEATURES, "again:1", context=CONTEXT, build_args={"FLAVOUR": "mint"})
    other = World.standard(quiet=True).hosts["laptop"].build(FEATURES, "again:1", context=CONTEXT,
                                                             build_args={"FLAVOUR": "mint"})
    assert first.image_id == other.image_id


def test_build_args_change_the_layers_that_use_them(world):
    laptop = world.hosts["laptop"]
    text = "FROM alpine:3.17\nARG VERSION=1\nRUN echo $VERSION\n"
    one = laptop.build(text, "args:1").image
    two = laptop.build(text, "args:2", build_args={"VERSION": "2"}).image
    assert one.layers[-1].digest != two.layers[-1].digest


def test_a_here_string_is_not_a_heredoc():
    (stage,) = parse_dockerfile('FROM alpine\nRUN grep -q x <<< "x"\nCMD ["sh"]\n').stages
    assert [i.keyword for i in stage.instructions] == ["RUN", "CMD"] and not stage.instructions[0].heredocs


def test_escape_directive_and_json_forms(world):
    text = "# escape=`\nFROM alpine:3.17\nRUN echo a `\n    && echo b\nCOPY [\"C:\\\\dir\\\\f.txt\", \"/f\"]\nCMD [\"a\", \"b\"]\n"
    image = world.hosts["laptop"].build(text, "win:1", context={"C:\\dir\\f.txt": b"f"}).image
    assert image.config.history[-3].created_by == "RUN echo a && echo b"
    assert image.config.cmd == ("a", "b") and image.layers[-1].files() == [("/f", b"f")]


def test_entrypoint_resets_an_inherited_cmd_but_not_its_own(world):
    laptop = world.hosts["laptop"]
    reset = laptop.build('FROM python:3.11\nENTRYPOINT ["app"]\n', "ep:1").image.config
    assert laptop.image("python:3.11").config.cmd == ("python3",)
    assert reset.entrypoint == ("app",) and reset.cmd is None
    kept = laptop.build('FROM python:3.11\nCMD ["--serve"]\nENTRYPOINT ["app"]\n', "ep:2").image.config
    assert kept.cmd == ("--serve",)


def test_run_in_json_form_installs_what_the_shell_form_installs(world):
    laptop = world.hosts["laptop"]
    shell = laptop.build("FROM alpine:3.17\nRUN apk add curl\n", "run:shell").image.layers[-1]
    exec_form = laptop.build('FROM alpine:3.17\nRUN ["apk", "add", "curl"]\n', "run:exec").image.layers[-1]
    installed = [path for path, _ in exec_form.files() if "/curl/" in path]
    assert installed and installed == [path for path, _ in shell.files() if "/curl/" in path]


def test_add_extracts_local_archives_and_refuses_urls(world):
    archive = make_tar([("/pkg/a.txt", b"a"), ("/pkg/b.txt", b"b")])
    image = world.hosts["laptop"].build("FROM alpine:3.17\nADD pkg.tar /opt/\n", "add:1",
                                       context={"pkg.tar": archive}).image
    assert sorted(image.layers[-1].files()) == [("/opt/pkg/a.txt", b"a"), ("/opt/pkg/b.txt", b"b")]
    for source in ("https://example.com/app.tgz", "git@github.com:org/repo.git"):
        with pytest.raises(BuildError, match="no network here: regsim builds offline") as info:
            world.hosts["laptop"].build(f"FROM alpine:3.17\nADD {source} /x\n", "add:2")
        assert info.value.detail == source


def test_a_rebuilt_step_with_an_identical_layer_says_so(world):
    laptop = world.hosts["laptop"]
    text = "FROM alpine:3.17\nCOPY app.py /\nCOPY req.txt /\n"
    laptop.build(text, "same:1", context={"app.py": b"1", "req.txt": b"r"})
    again = laptop.build(text, "same:2", context={"app.py": b"2", "req.txt": b"r"})
    notes = [line for line in again.lines if "same layer as an earlier build" in line]
    assert len(notes) == 1 and again.lines.index(notes[0]) > again.lines.index("Step 3/3 : COPY req.txt /")



def _quoted(word: str) -> str:
    return '"' + "".join("\\" + c if c in '"$\\' else c for c in word) + '"'


@given(st.lists(st.text(alphabet=st.sampled_from('ab $"\\\'=:/{}-\t'), max_size=8), max_size=5))
def test_words_round_trip_through_double_quotes(items):
    assert words(" ".join(_quoted(w) for w in items), {"b": "expanded"}) == items


def test_a_quoted_label_key_may_hold_spaces_and_equals_signs(world):
    """Docker accepts ``LABEL "x y"="1"``: a key in quotes is one word, up to its unquoted '='."""
    from regsim.client.dockerfile import parse_pairs

    assert parse_pairs('"x y"="1"', "LABEL") == [("x y", "1")]
    assert parse_pairs('"a=b"=c "d e"="f g" h=\'i j\'', "LABEL") == [("a=b", "c"), ("d e", "f g"), ("h", "i j")]
    assert parse_pairs('"x y" one two', "LABEL") == [("x y", "one two")]  # the legacy 'key value' form
    assert parse_pairs("K=$V", "ENV", {"V": "a=b"}) == [("K", "a=b")]
    assert parse_pairs("A=${X:-a b} B=c", "ENV", {}) == [("A", "a b"), ("B", "c")]  # a substitution is one word
    text = 'FROM alpine:3.17\nLABEL "x y"="1" "com.example.note"="two words"\n'
    image = world.hosts["laptop"].build(text, "labels:1").image
    assert image.config.labels["x y"] == "1" and image.config.labels["com.example.note"] == "two words"


@pytest.mark.parametrize("line, message", [
    ('LABEL "x y=1', "Dockerfile line 3: unexpected end of statement while looking for matching double-quote"),
    ("ENV A='b", "Dockerfile line 3: unexpected end of statement while looking for matching single-quote"),
    ("LABEL =x", "Dockerfile line 3: LABEL: expected key=value, got '=x'"),
    ("WORKDIR ${X", "Dockerfile line 3: missing '}'"),
])
def test_an_error_in_an_instructions_arguments_names_its_line(world, line, message):
    text = f"FROM alpine:3.17\n# a comment\n{line}\nRUN true\n"
    with pytest.raises(BuildError) as caught:
        world.hosts["laptop"].build(text, "bad:1")
    assert str(caught.value).startswith(message), str(caught.value)
