"""Run a parsed Dockerfile for one platform: stages, the build cache, and the layers each step makes.

The :class:`Builder` is what ``docker build`` (the classic builder's log, BuildKit's semantics)
does on a host; the host hands it what it needs (how to get a base image, its build cache, where
to keep layers, how to log) and gets back the final stage's image. Only the final stage's layers
end up in that image: earlier stages are a place to build things and ``COPY --from`` them.

Simulation, not execution: a ``RUN`` step's layer holds the files of the packages it installs
(see :func:`regsim.client.build.run_files`), not what the command would really write. So
``COPY --from=stage /path`` copies the files the stage really has at ``/path`` (files it copied
from the context, or that a base image's layer holds), and otherwise stands in for what the stage
built there with content derived from the stage and the path: the same stage and path, the same
bytes; another stage, other bytes.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Mapping, MutableMapping

from ..errors import BuildError
from ..oci.descriptor import Annotations
from ..oci.image import Image, Layer
from ..oci.manifest import Healthcheck, HistoryEntry, ImageConfig
from ..oci.mediatypes import DOCKER_LAYER, OCI_LAYER_GZIP
from ..oci.platform import Platform
from .build import ROOT, LayerFiles, Owner, copy_files, read_tar, run_files, synthetic_files
from .dockerfile import (
    EXPANDED,
    Dockerfile,
    Instruction,
    Stage,
    expand,
    json_array,
    parse_dockerfile,
    parse_exec_form,
    parse_pairs,
    words,
)

__all__ = ["Builder", "BuildStepRecord"]

DEFAULT_SHELL = ("/bin/sh", "-c")
_URL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|git@)")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000, "m": 60_000_000_000,
       "h": 3_600_000_000_000}
#: what a stand-in for files a stage built at a path weighs (COPY --from of a path no real file has)
BUILT_FILES_SIZE = 64 * 1024



@contextmanager
def _at(ins: Instruction) -> Iterator[None]:
    """A BuildError raised while an instruction's arguments are read or run names its line
    ("Dockerfile line 3: unexpected end of statement ..."), as Docker's errors do."""
    try:
        yield
    except BuildError as exc:
        if exc.message.startswith("Dockerfile line "):
            raise
        raise type(exc)(f"Dockerfile line {ins.line}: {exc.message}", detail=exc.detail) from exc


@dataclass(frozen=True)
class BuildStepRecord:
    """What one step did, for the host's event log."""

    step: int
    total: int
    instruction: str
    image_id: str
    layer: Layer | None
    cached: bool


@dataclass
class _State:
    """A stage being built: its config, layers, current image, and ARG values in scope."""

    image: Image
    config: ImageConfig
    layers: list[Layer]
    platform: Platform
    args: dict[str, str] = field(default_factory=dict)
    #: a CMD ran in this stage (else ENTRYPOINT resets the CMD inherited from the base, as in Docker)
    cmd_set: bool = False

    def env(self) -> dict[str, str]:
        """Variables for replacement: the stage's ARGs, overridden by its ENV (as Docker does)."""
        out = dict(self.args)
        for entry in self.config.env:
            key, eq, value = entry.partition("=")
            if eq:
                out[key] = value
        return out


def _duration(text: str, flag: str) -> int:
    """A Go duration (``30s``, ``1m30s``, ``500ms``) in nanoseconds."""
    if not text or _DURATION.sub("", text):
        raise BuildError(f"HEALTHCHECK --{flag}: invalid duration {text!r} (like 30s, 1m30s, 500ms)", detail=text)
    return int(sum(float(n) * _NS[unit] for n, unit in _DURATION.findall(text)))


def _owner(spec: str) -> Owner:
    user, _, group = spec.partition(":")
    group = group or user
    uid = int(user) if user.isdigit() else 0
    gid = int(group) if group.isdigit() else uid if group == user else 0
    return Owner(uid, gid, "" if user.isdigit() else user, "" if group.isdigit() else group)


def _mode(spec: str) -> int:
    if not re.fullmatch(r"[0-7]{3,4}", spec):
        raise BuildError(f"--chmod={spec}: expected an octal mode like 755 or 0644", detail=spec)
    return int(spec, 8)


class Builder:
    """Builds one platform's image from a :class:`~regsim.client.dockerfile.Dockerfile`.

    ``base_image(name, platform, say)`` returns a base image (pulling it if need be); ``cache`` is
    the host's build cache (``(parent, instruction) -> image``); ``keep(layer)`` stores a new layer;
    ``record(step)`` logs a step; ``say`` prints a line of the build log.
    """

    def __init__(self, *, base_image: Callable[[str, Platform, Callable[[str], None]], Image],
                 cache: MutableMapping[tuple[str, str], Image], keep: Callable[[Layer], object],
                 record: Callable[[BuildStepRecord], None], say: Callable[[str], None],
                 media_types: tuple[str, str, str, str], known_layers: Callable[[str], bool]) -> None:
        self._base_image = base_image
        self._cache = cache
        self._keep = keep
        self._record = record
        self._say = say
        self._family = media_types
        self._known = known_layers
        self._built: set[str] = set()  # layers this builder made (on every platform)

    def build(self, dockerfile: Dockerfile, platform: Platform, context: Mapping[str, bytes],
              build_args: Mapping[str, str], target: Stage, build_platform: Platform
              ) -> tuple[Image, list[Layer], int]:
        """Build up to ``target``; return its image, the new layers, and how many steps were cached."""
        self._df = dockerfile
        self._context = context
        self._build_args = dict(build_args)
        self._made: list[Layer] = []
        self._cached = 0
        self._used: set[str] = set()
        self._step = 0
        self._total = dockerfile.steps(target)
        self._stages: dict[int, Image] = {}
        self._platform = platform
        predefined = {"TARGETPLATFORM": str(platform), "TARGETOS": platform.os, "TARGETARCH": platform.architecture,
                      "TARGETVARIANT": platform.variant or "", "BUILDPLATFORM": str(build_platform),
                      "BUILDOS": build_platform.os, "BUILDARCH": build_platform.architecture,
                      "BUILDVARIANT": build_platform.variant or ""}
        self._global = dict(predefined)
        for ins in dockerfile.global_args:
            self._begin(ins)
            with _at(ins):
                name, value = self._arg(ins, self._global, {})
            if value is not None:
                self._global[name] = value
            else:
                self._global.pop(name, None)
        for stage in dockerfile.stages[: target.index + 1]:
            self._stages[stage.index] = self._run_stage(stage)
        unused = sorted(set(self._build_args) - self._used)
        if unused:
            self._say(f"[Warning] One or more build-args [{' '.join(unused)}] were not consumed")
        return self._stages[target.index], self._made, self._cached

    # -- steps ----------------------------------------------------------------------------------

    def _begin(self, ins: Instruction) -> None:
        self._step += 1
        self._say(f"Step {self._step}/{self._total} : {ins}")

    def _arg(self, ins: Instruction, scope: Mapping[str, str], env: Mapping[str, str]) -> tuple[str, str | None]:
        name, eq, default = ins.args.partition("=")
        name = name.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise BuildError(f"Dockerfile line {ins.line}: invalid ARG name {name!r}", detail=name)
        if name in self._build_args:
            self._used.add(name)
            return name, self._build_args[name]
        if eq:
            return name, expand(default, {**scope, **env}, self._df.escape)
        return name, scope.get(name)

    def _from(self, stage: Stage) -> _State:
        assert stage.source is not None
        self._begin(stage.source)
        with _at(stage.source):  # its base, its platform and the base's ONBUILD triggers
            return self._from_base(stage)

    def _from_base(self, stage: Stage) -> _State:
        base = expand(stage.base, self._global, self._df.escape)
        platform = self._platform
        if stage.platform:
            platform = Platform.parse(expand(stage.platform, self._global, self._df.escape))
        family = self._family
        earlier = next((s for s in self._df.stages[: stage.index] if s.name == base.lower()), None)
        if earlier is not None:
            image = self._stages[earlier.index]
        elif base == "scratch":
            image = Image.create([], ImageConfig(architecture=platform.architecture, os=platform.os,
                                                 variant=platform.variant), media_types=family)
        else:
            image = self._base_image(base, platform, self._say)
        config = image.config or ImageConfig(architecture=platform.architecture, os=platform.os,
                                             variant=platform.variant)
        layers = [replace(l, media_type=family[3]) if l.media_type in (DOCKER_LAYER, OCI_LAYER_GZIP) else l
                  for l in image.layers]
        config = replace(config, media_type=family[2])
        state = _State(image, config, layers, platform)
        self._say(f" ---> {image.id.id12}")
        triggers = config.on_build if earlier is None else ()
        if triggers:
            self._say(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}")
            state.config = replace(state.config, on_build=())
            for text in triggers:
                trigger = parse_dockerfile(f"FROM scratch\n{text}\n").stages[0].instructions[0]
                self._execute(state, trigger)
        return state

    def _run_stage(self, stage: Stage) -> Image:
        state = self._from(stage)
        for ins in stage.instructions:
            self._begin(ins)
            with _at(ins):
                if ins.keyword == "ARG":
                    name, value = self._arg(ins, self._global if _redeclares(ins, self._global) else {}, state.env())
                    if value is not None:
                        state.args[name] = value
                    continue
                self._execute(state, ins)
        return state.image

    def _execute(self, state: _State, ins: Instruction) -> None:
        env = state.env()
        files: LayerFiles | None = None
        key_extra = ""
        mode, owner = 0o644, ROOT
        if ins.keyword in EXPANDED:
            key_extra = repr(sorted(env.items()))
        if ins.keyword in ("COPY", "ADD"):
            files = self._copy(state, ins, env)
            mode = _mode(ins.flag("chmod") or "") if ins.flag("chmod") else 0o644
            owner = _owner(expand(ins.flag("chown") or "", env, self._df.escape)) if ins.flag("chown") else ROOT
            key_extra = hashlib.sha256(repr((sorted(files), mode, owner)).encode()).hexdigest()
        command = ""
        if ins.keyword == "RUN":
            exec_form = json_array(ins.args)  # RUN ["apt-get", "install", "curl"] runs the same command
            command = " ".join(exec_form) if exec_form is not None else ins.args
            command += "".join(f"\n{doc.body}" for doc in ins.heredocs)
            if state.args:  # build arguments are part of a RUN step's environment, hence its result
                command = f"|{len(state.args)} " + " ".join(f"{k}={v}" for k, v in sorted(state.args.items())) \
                    + f" {command}"
            key_extra = command
        cache_key = (f"{state.image.id}|{state.platform}|{self._family[0]}", f"{ins}|{key_extra}")
        hit = self._cache.get(cache_key)
        layer: Layer | None = None
        if hit is not None:
            self._say(" ---> Using cache")
            self._cached += 1
            image = hit
            state.layers = list(hit.layers)
            state.config = hit.config  # type: ignore[assignment]
            layer = hit.layers[-1] if ins.makes_layer else None
        else:
            layer_type = self._family[3]
            if ins.keyword == "RUN":
                chain = hashlib.sha256("\n".join(l.diff_id for l in state.layers).encode()).hexdigest()
                layer = Layer.from_files(run_files(command, chain, arch=state.platform.architecture), layer_type)
            elif files is not None:
                layer = Layer.from_files(files, layer_type, mode=mode, owner=owner)
            state.config = self._apply(state.config, ins, env, state.cmd_set)
            state.config = replace(state.config, history=state.config.history + (
                HistoryEntry(str(ins), empty_layer=layer is None),))
            if layer is not None:
                if self._known(layer.digest) and layer.digest not in self._built:
                    self._say(f" ---> not from cache, but the same layer as an earlier build "
                              f"({layer.digest.id12}): same files, same digest, so push and pull reuse it")
                self._built.add(layer.digest)
                state.layers.append(layer)
                self._keep(layer)
                self._made.append(layer)
            image = Image.create(state.layers, state.config, media_types=self._family)
            self._cache[cache_key] = image
        state.cmd_set = state.cmd_set or ins.keyword == "CMD"
        self._record(BuildStepRecord(self._step, self._total, str(ins), image.id, layer, hit is not None))
        self._say(f" ---> {image.id.id12}")
        state.image = image

    # -- COPY and ADD ---------------------------------------------------------------------------

    def _copy(self, state: _State, ins: Instruction, env: Mapping[str, str]) -> LayerFiles:
        escape = self._df.escape
        listed = json_array(ins.args)
        parts = [expand(p, env, escape) for p in listed] if listed is not None else words(ins.args, env, escape=escape)
        if len(parts) < 2:
            raise BuildError(f"Dockerfile line {ins.line}: {ins.keyword} needs a source and a destination: "
                             f"{ins.args}", detail=ins.args)
        if ins.flag("parents"):
            raise BuildError(f"Dockerfile line {ins.line}: {ins.keyword} --parents is not supported by regsim",
                             detail="--parents")
        *sources, dest = parts
        workdir = state.config.working_dir or "/"
        heredocs = {doc.name: doc for doc in ins.heredocs}
        out: LayerFiles = []
        plain: list[str] = []
        for src in sources:
            if _URL.match(src):
                raise BuildError(
                    f"{ins.keyword} {src}: no network here: regsim builds offline and cannot download it. "
                    "Put the file into the build context and COPY it", detail=src)
            name = src.lstrip("<-").strip("'\"") if src.startswith("<<") else None
            if name is not None and name in heredocs:
                doc = heredocs[name]
                body = expand(doc.body, env, escape) if doc.expand and "$" in doc.body else doc.body
                target = dest if not dest.endswith("/") else posixpath.join(dest, name)
                out.append((posixpath.join(workdir, target), body.encode()))
            else:
                plain.append(src)
        if plain:
            source = ins.flag("from")
            if source is not None:
                out.extend(self._copy_from(state, expand(source, env, escape), plain, dest, workdir, ins))
            else:
                found = copy_files(plain, dest, self._context, workdir)
                out.extend(self._extract(found, plain) if ins.keyword == "ADD" else found)
        excluded = ins.flag_values("exclude")
        if excluded:
            out = [(p, d) for p, d in out if not any(_match_exclude(p, pattern) for pattern in excluded)]
        return out

    def _extract(self, files: LayerFiles, sources: list[str]) -> LayerFiles:
        """``ADD`` unpacks a local tar archive (plain or gzip) into the destination directory."""
        out: LayerFiles = []
        for path, data in files:
            if re.search(r"\.(tar|tar\.gz|tgz)$", path):
                try:
                    members = read_tar(data)
                except Exception:
                    members = None
                if members is not None:
                    root = posixpath.dirname(path)
                    out.extend((posixpath.join(root, member.lstrip("/")), content) for member, content in members)
                    continue
            out.append((path, data))
        return out

    def _copy_from(self, state: _State, source: str, sources: list[str], dest: str, workdir: str,
                   ins: Instruction) -> LayerFiles:
        stage = next((s for s in self._df.stages if s.name == source.lower() or str(s.index) == source), None)
        if stage is not None:
            if stage.index not in self._stages:
                raise BuildError(f"Dockerfile line {ins.line}: COPY --from={source}: that stage comes later "
                                 "(a stage can only copy from earlier ones)", detail=source)
            image = self._stages[stage.index]
        else:
            image = self._base_image(source, state.platform, lambda line: None)
        have: dict[str, bytes] = {}
        for layer in image.layers:
            if not layer.is_placeholder:
                have.update((p.lstrip("/"), d) for p, d in layer.files())
        out: LayerFiles = []
        for src in sources:
            try:
                out.extend(copy_files([src.lstrip("/") or "."], dest, have, workdir))
            except BuildError:  # a path a RUN step made: stand in for it, deterministically
                root = dest if dest.startswith("/") else posixpath.join(workdir, dest)
                if not src.endswith("/"):
                    root = posixpath.join(root, posixpath.basename(src.rstrip("/")))
                out.extend(synthetic_files(f"copy-from\0{image.id}\0{src}", BUILT_FILES_SIZE, root=root))
        return out

    # -- config ---------------------------------------------------------------------------------

    def _apply(self, config: ImageConfig, ins: Instruction, env: Mapping[str, str], cmd_set: bool) -> ImageConfig:
        k, a, escape = ins.keyword, ins.args, self._df.escape
        shell = config.shell or DEFAULT_SHELL
        if k == "ENV":
            current = dict(e.split("=", 1) for e in config.env if "=" in e)
            current.update(parse_pairs(a, k, env, escape=escape))
            return replace(config, env=tuple(f"{key}={value}" for key, value in current.items()))
        if k == "LABEL":
            labels = dict(config.labels)
            labels.update(parse_pairs(a, k, env, escape=escape))
            return replace(config, labels=Annotations(labels))
        if k == "WORKDIR":
            path = expand(a, env, escape)
            return replace(config, working_dir=posixpath.normpath(posixpath.join(config.working_dir or "/", path)))
        if k == "USER":
            return replace(config, user=expand(a, env, escape))
        if k == "EXPOSE":
            ports = set(config.exposed_ports) | {p if "/" in p else f"{p}/tcp" for p in words(a, env, escape=escape)}
            return replace(config, exposed_ports=tuple(sorted(ports)))
        if k == "CMD":
            return replace(config, cmd=parse_exec_form(a, shell))
        if k == "ENTRYPOINT":  # an ENTRYPOINT resets a CMD inherited from the base image
            return replace(config, entrypoint=parse_exec_form(a, shell), cmd=config.cmd if cmd_set else None)
        if k == "VOLUME":
            listed = json_array(a)
            paths = [expand(p, env, escape) for p in listed] if listed is not None else words(a, env, escape=escape)
            return replace(config, volumes=tuple(sorted(set(config.volumes) | set(paths))))
        if k == "STOPSIGNAL":
            return replace(config, stop_signal=expand(a, env, escape))
        if k == "SHELL":
            listed = json_array(a)
            if not listed:
                raise BuildError(f"Dockerfile line {ins.line}: SHELL requires the arguments to be in JSON form, "
                                 f'like SHELL ["/bin/bash", "-c"]: {a}', detail=a)
            return replace(config, shell=tuple(listed))
        if k == "HEALTHCHECK":
            return replace(config, healthcheck=self._healthcheck(ins, shell))
        if k == "ONBUILD":
            return replace(config, on_build=config.on_build + (a,))
        if k == "MAINTAINER":
            return replace(config, author=a)
        return config

    @staticmethod
    def _healthcheck(ins: Instruction, shell: tuple[str, ...]) -> Healthcheck:
        kind, _, rest = ins.args.partition(" ")
        if kind.upper() == "NONE":
            return Healthcheck(("NONE",))
        if kind.upper() != "CMD" or not rest.strip():
            raise BuildError(f"Dockerfile line {ins.line}: HEALTHCHECK takes NONE or CMD <command>, got "
                             f"{ins.args!r}", detail=ins.args)
        listed = json_array(rest)
        test = ("CMD", *listed) if listed is not None else ("CMD-SHELL", rest.strip())
        timing = {name: _duration(ins.flag(name) or "", name) if ins.flag(name) else 0
                  for name in ("interval", "timeout", "start-period", "start-interval")}
        retries = ins.flag("retries") or "0"
        if not retries.isdigit():
            raise BuildError(f"HEALTHCHECK --retries: expected a whole number, got {retries!r}", detail=retries)
        return Healthcheck(test, timing["interval"], timing["timeout"], timing["start-period"],
                           timing["start-interval"], int(retries))


def _redeclares(ins: Instruction, scope: Mapping[str, str]) -> bool:
    """Does an ``ARG NAME`` inside a stage re-declare a global ARG (so it inherits its value)?"""
    return ins.args.partition("=")[0].strip() in scope


def _match_exclude(path: str, pattern: str) -> bool:
    path, pattern = path.lstrip("/"), pattern.lstrip("/")
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(posixpath.basename(path), pattern)
