"""Simulated hosts running a docker-like client: build, tag, push, pull, images, rmi, login.

A :class:`Host` (a laptop, a CI runner, a production server) has a local image store and a layer
store. It talks to registries on its network exactly as the docker CLI does through the
distribution API: ``HEAD`` each blob before a push and upload only what is missing, mount from
another repository when it knows one that has the blob, pull only layers it does not have. It
prints the lines docker prints::

    The push refers to repository [docker.io/myusername/myapp]
    5f70bf18a086: Pushed
    a3ed95caeb02: Mounted from library/python
    1.0: digest: sha256:... size: 1570

and appends typed events (:class:`~regsim.events.LayerPushed`, ``LayerPulled``, ...) to the
shared log.

A command works out what happened, then commits it as events (``Host._commit``): each event
type has one method that applies it to the host's store (``_on_ImageTagged``, ...), the same one
:meth:`Host.redo` (and so :meth:`regsim.World.replay`) uses. Nothing is stored before a command's
last event, so a command that fails leaves the host as it was.
"""

from __future__ import annotations

import functools
import warnings
from collections import ChainMap
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, ParamSpec, TypeVar

from .. import events as ev
from ..display import table
from ..registry.access import PULL, PUSH, Token
from ..oci.blob import Content
from .builder import Builder, BuildStepRecord
from .dockerfile import parse_dockerfile
from ..oci.digest import Digest
from ..errors import (
    InvalidArgument,
    BlobUnknown,
    BuildError,
    Denied,
    ImageInUse,
    ImageUnknown,
    ManifestUnknown,
    NameUnknown,
    RegistryError,
    RegistryUnreachable,
    Unauthorized,
)
from ..oci.image import DOCKER, OCI, Image, ImageIndex
from ..oci.manifest import Index, Manifest
from ..oci.platform import Platform
from ..oci.reference import Reference, normalize_domain, parse, parse_docker_ref
from ..registry import Registry, StorageReport, StoredManifest
from ..registry.gc import account
from .output import Output, Table
from ..units import human_size, plural

__all__ = ["Host", "Output", "PushResult", "PullResult", "BuildResult", "Table"]


# -- errors as docker reports them ---------------------------------------------------------------


def _pull_error(exc: RegistryError, ref: Reference, reg: Registry) -> RegistryError:
    """The registry's refusal of a pull, worded as docker (moby's ``notFoundError``) words it."""
    # errcode's "code: message", as docker shows it, even when the registry's message starts with
    # the code's words: real docker prints "manifest unknown: manifest unknown: library/python:9.9"
    # against regsim serve (and "manifest unknown: manifest unknown" against registry:2 and Docker
    # Hub, whose message is the bare code); tests/engines/test_pull_errors.py compares the two.
    # A program reads the error's typed fields (code, status, detail), not this text.
    cause = f"{exc.code.lower().replace('_', ' ')}: {exc.message}"
    if isinstance(exc, (Unauthorized, Denied)):
        if isinstance(exc, Unauthorized) and reg.access.mode == "htpasswd":
            message = (f'Head "https://{reg.name}/v2/{ref.repository}/manifests/{ref.reference}": '
                       "no basic auth credentials")
        else:  # Docker Hub answers a missing and a private repository alike
            message = (f"pull access denied for {ref.familiar_name}, repository does not exist or may "
                       "require 'docker login': denied: requested access to the resource is denied")
    elif isinstance(exc, NameUnknown):
        message = f"repository {ref.familiar_name} not found: {cause}"
    else:
        message = f"manifest for {ref.familiar} not found: {cause}"
    out = type(exc)(message, detail=exc.detail)
    out.reporter = "daemon"
    return out


_P = ParamSpec("_P")
_R = TypeVar("_R")
_E = TypeVar("_E", bound=ev.HostEvent)


def _daemon(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Errors of a docker command that the daemon reports read ``Error response from daemon: ...``."""
    @functools.wraps(method)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except RegistryError as exc:
            exc.reporter = "daemon"
            raise
    return run


#: Where an operation saw blobs: ``(digest, registry, repository)``, in order (mount hints).
Seen = list[tuple[Digest, str, str]]


def _count(statuses: tuple[tuple[Digest, str], ...], kinds: tuple[str, ...]) -> dict[str, int]:
    out = {kind: 0 for kind in kinds}
    for _, status in statuses:
        out[status] += 1
    return out


@dataclass(frozen=True)
class PushResult(Output):
    """What ``docker push`` did: the pushed ``reference`` and its manifest ``digest`` and ``size``,
    each blob's status (``pushed``, ``exists``, ``mounted``; :attr:`counts` tallies them) and the
    bytes sent; ``lines`` are what docker printed.
    """

    reference: str
    digest: Digest
    size: int
    statuses: tuple[tuple[Digest, str], ...] = field(repr=False)
    bytes_sent: int

    @property
    def counts(self) -> dict[str, int]:
        """How many layers got each status."""
        return _count(self.statuses, ev.LayerPushed.STATUSES)

    def __repr__(self) -> str:
        c = self.counts
        return (f"PushResult({self.reference}, {self.digest.short}: {c['pushed']} pushed, "
                f"{c['mounted']} mounted, {c['exists']} already there, {human_size(self.bytes_sent)} sent)")


@dataclass(frozen=True)
class PullResult(Output):
    """What ``docker pull`` did: the ``reference`` and the manifest ``digest`` it resolved to, the
    local ``image_id``, each layer's status (``downloaded``, ``exists``; :attr:`counts` tallies
    them), the bytes received, and whether the image was already ``up_to_date``.
    """

    reference: str
    digest: Digest
    image_id: Digest
    statuses: tuple[tuple[Digest, str], ...] = field(repr=False)
    bytes_received: int
    up_to_date: bool

    @property
    def counts(self) -> dict[str, int]:
        """How many layers got each status."""
        return _count(self.statuses, ev.LayerPulled.STATUSES)

    def __repr__(self) -> str:
        c = self.counts
        return (f"PullResult({self.reference}, {self.digest.short}: {c['downloaded']} downloaded, "
                f"{c['exists']} already local, {human_size(self.bytes_received)} received)")


@dataclass(frozen=True)
class BuildResult(Output):
    """What ``docker build`` did: the ``image`` (or multi-platform index) and its ``image_id``, the
    ``reference`` it was tagged with (None: untagged), the layers it made that the host did not
    have, and how many steps came from the build cache.
    """

    reference: str | None
    image_id: Digest
    image: Image | ImageIndex = field(repr=False)
    new_layers: tuple[Digest, ...] = field(repr=False)
    cached_steps: int = 0

    def __repr__(self) -> str:
        return (f"BuildResult({self.reference or '<none>'}, id {self.image_id.short}, "
                f"{plural(len(self.new_layers), 'new layer')}, {plural(self.cached_steps, 'cached step')})")


# -- the host ---------------------------------------------------------------------------------------


class Host:
    """A machine with a docker-like client and a local image and layer store.

    Parameters
    ----------
    name:
        ``"laptop"``, ``"ci-runner"``, ``"prod-1"``...
    registries:
        The registries this host can reach: a :class:`~regsim.world.World`, a mapping
        ``domain -> Registry`` or a list of registries.
    platform:
        What the host runs (``linux/amd64``, ``linux/arm64``): ``pull`` picks it from indexes.
    events:
        The event log to append to (the world's, or the first registry's by default).
    quiet:
        Do not print docker-like lines (they are still in each result's ``lines``).
    """

    def __init__(
        self,
        name: str,
        registries: Any = (),
        *,
        platform: str | Platform = "linux/amd64",
        events: ev.EventLog | None = None,
        quiet: bool = False,
    ) -> None:
        self.name = name
        self.platform = Platform.parse(platform)
        self.quiet = quiet
        if isinstance(registries, Registry):
            raise InvalidArgument(
                f"Host({name!r}, ...) needs a World (or a list or mapping of registries) to find a registry "
                f"by domain, got the Registry {registries.name!r}: pass World(...) or [registry]")
        if hasattr(registries, "resolve"):
            self._resolve: Callable[[str], Registry] = registries.resolve
            default_log = getattr(registries, "events", None)
        else:
            table = dict(registries) if isinstance(registries, Mapping) else {r.name: r for r in registries}
            self._table = table
            self._resolve = self._lookup
            default_log = next(iter(table.values())).events if table else None
        self.events = events if events is not None else (default_log if default_log is not None else ev.EventLog())
        self._blobs: dict[Digest, Content] = {}
        self._images: dict[Digest, Image] = {}
        self._indexes: dict[Digest, ImageIndex] = {}
        self._tags: dict[str, Digest] = {}
        self._repo_digests: dict[Digest, set[str]] = {}
        # blob -> {(registry, repository): when last seen there}: docker's "v2 metadata"
        self._sources: dict[Digest, dict[tuple[str, str], int]] = {}
        self._clock = 0
        self._build_cache: dict[tuple[str, str], Image] = {}
        self._auth: dict[str, Token] = {}

    # -- network --------------------------------------------------------------------------------

    def _lookup(self, domain: str) -> Registry:
        try:
            registry: Registry = self._table[domain]
        except KeyError:
            raise RegistryUnreachable.no_such_host(domain, self._table) from None
        return registry

    def registry(self, domain: str) -> Registry:
        """The registry this host reaches at ``domain``."""
        return self._resolve(domain)

    # -- login ----------------------------------------------------------------------------------

    @_daemon
    def login(self, registry: str, username: str, password: str, *, quiet: bool | None = None) -> Output:
        """``docker login <registry> -u <username>``: keep a token for later pushes and pulls."""
        reg = self._resolve(registry)
        token = reg.login(username, password)
        self._emit(ev.HostLoggedIn, registry=reg.name, user=username, token=token)
        return self._done(["Login Succeeded"], quiet)

    def logout(self, registry: str, *, quiet: bool | None = None) -> Output:
        """``docker logout <registry>``: forget the token (``index.docker.io`` means ``docker.io``)."""
        domain = normalize_domain(registry)
        if domain in self._auth:
            self._emit(ev.HostLoggedOut, registry=domain)
        return self._done([f"Removing login credentials for {domain}"], quiet)

    # -- local store ------------------------------------------------------------------------------

    @property
    def blobs(self) -> Mapping[Digest, Content]:
        """The local blob store, read-only: every layer and config blob this host holds, once, by
        digest (a registry's store is :attr:`Registry.blobs <regsim.registry.Registry.blobs>` too)."""
        return MappingProxyType(self._blobs)

    @property
    def layers(self) -> Mapping[Digest, Content]:
        """The old name of :attr:`blobs`: works for one release, with a DeprecationWarning."""
        warnings.warn("Host.layers is renamed Host.blobs; the old name goes in the next release",
                      DeprecationWarning, stacklevel=2)
        return self.blobs

    @property
    def tags(self) -> Mapping[str, Digest]:
        """Local tags (normalised references) -> image id or index digest, read-only, sorted."""
        return MappingProxyType(dict(sorted(self._tags.items())))

    @_daemon
    def image(self, reference: str) -> Image | ImageIndex:
        """The local image a reference, image id or id prefix names."""
        key = self._local_key(reference)
        return self._images.get(key) or self._indexes[key]

    def local_images(self) -> list[Image]:
        """Every image in the local store (tagged or not), by id."""
        return [self._images[k] for k in sorted(self._images)]

    def has_image(self, reference: str) -> bool:
        """Whether a reference, image id or id prefix names a local image (where :meth:`image` would
        raise :class:`~regsim.errors.ImageUnknown`).
        """
        try:
            self._local_key(reference)
        except ImageUnknown:
            return False
        return True

    def disk_usage(self) -> int:
        """Bytes in the local layer store (each layer counted once)."""
        return sum(b.size for b in self._blobs.values())

    def storage(self) -> StorageReport:
        """The local store's :class:`~regsim.StorageReport`, as a registry's: logical bytes (every
        image counted whole: its config and layers, as a host stores no manifests) vs physical
        bytes (each stored blob once). ``repositories`` counts the names in tags and repo digests."""
        names = {parse(r).name for r in self._tags}
        names.update(parse(rd).name for rds in self._repo_digests.values() for rd in rds)
        return account((img.blobs() for img in self._images.values()), self._blobs.values(),
                       repositories=len(names))

    def images(self) -> Table:
        """``docker images``: REPOSITORY, TAG, IMAGE ID, SIZE."""
        rows = []
        tagged: set[Digest] = set()
        for ref_text, key in sorted(self._tags.items()):
            ref = parse(ref_text)
            obj: Image | ImageIndex = self._images.get(key) or self._indexes[key]
            ident = obj.id if isinstance(obj, Image) else obj.digest
            rows.append((ref.familiar_name, ref.tag or "<none>", ident.id12, human_size(obj.size)))
            tagged.add(key)
        for key, img in sorted(self._images.items()):
            if key in tagged or any(key in [i.id for i in idx.images] for idx in self._indexes.values()):
                continue
            for rd in sorted(self._repo_digests.get(key, ())):
                rows.append((parse(rd).familiar_name, "<none>", key.id12, human_size(img.size)))
        rows.sort(key=lambda r: (r[0], r[1]))
        return Table(("REPOSITORY", "TAG", "IMAGE ID", "SIZE"), rows)

    @_daemon
    def tag(self, source: str, target: str, *, quiet: bool | None = None) -> Output:
        """``docker tag SOURCE TARGET``: another name for a local image (prints nothing, as docker)."""
        key = self._local_key(source)
        ref = parse_docker_ref(target)
        if ref.digest is not None:
            raise BuildError(f"refusing to create a tag with a digest reference: {target!r}", detail=target)
        self._emit(ev.ImageTagged, image_id=key, reference=str(ref))
        return self._done([], quiet)

    @_daemon
    def rmi(self, reference: str, *, force: bool = False, quiet: bool | None = None) -> Output:
        """``docker rmi``: untag; delete the image and the layers no other image uses."""
        lines: list[str] = []
        key = self._local_key(reference)
        names = [r for r, k in self._tags.items() if k == key]
        by_name = self._tag_key(reference)
        if by_name is not None:
            names = [by_name]
        elif len(names) > 1 and not force:
            raise ImageInUse(
                f"conflict: unable to delete {key.id12} (must be forced) - image is referenced in "
                f"multiple repositories: {', '.join(parse(n).familiar for n in sorted(names))}", detail=str(key))
        for event in self._plan_rmi(key, names, lines):
            self._commit(event)
        return self._done(lines, quiet)

    def _plan_rmi(self, key: Digest, names: list[str], lines: list[str]) -> list[ev.HostEvent]:
        """The events of an rmi, worked out on the store as it is (nothing changes here)."""
        out: list[ev.HostEvent] = []
        for name in sorted(names):
            lines.append(f"Untagged: {parse(name).familiar}")
            out.append(self._event(ev.ImageUntagged, image_id=key, reference=name))
        tags_left = {r: k for r, k in self._tags.items() if r not in names}
        if key in tags_left.values():
            return out
        for rd in sorted(self._repo_digests.get(key, ())):
            lines.append(f"Untagged: {parse(rd).familiar}")
            out.append(self._event(ev.ImageUntagged, image_id=key, reference=rd))
        doomed_images = [key] if key in self._images else []
        if key in self._indexes:
            doomed_images = [img.id for img in self._indexes[key].images]
            out.append(self._event(ev.ImageDeleted, image_id=key))  # the index (docker prints no line for it)
        needed = set(tags_left.values()) | {img.id for k, idx in self._indexes.items() if k != key
                                            for img in idx.images}
        images_left, blobs_left = dict(self._images), set(self._blobs)
        for image_id in doomed_images:
            if image_id in needed or image_id not in images_left:
                continue  # still tagged, or part of another multi-platform image
            image = images_left.pop(image_id)
            lines.append(f"Deleted: {image_id}")
            out.append(self._event(ev.ImageDeleted, image_id=image_id))
            still = {b.digest for img in images_left.values() for b in img.blobs()}
            for blob in reversed(image.blobs()):
                if blob.digest not in still and blob.digest in blobs_left:
                    blobs_left.discard(blob.digest)
                    if blob is not image.config_blob:
                        lines.append(f"Deleted: {blob.digest}")
                    out.append(self._event(ev.LayerDeleted, digest=blob.digest, size=blob.size))
        return out

    # -- pull ------------------------------------------------------------------------------------

    @_daemon
    def pull(self, reference: str, *, platform: str | Platform | None = None,
             quiet: bool | None = None) -> PullResult:
        """``docker pull``: resolve tag -> index -> platform manifest, download missing layers."""
        typed = parse(reference)
        ref = parse_docker_ref(reference)
        wanted = Platform.parse(platform) if platform is not None else self.platform
        reg = self._resolve(ref.domain)
        auth = self._auth.get(reg.name)
        try:
            reg.authorize(ref.repository, PULL, auth=auth)  # the token request comes first, as in docker
        except (Unauthorized, Denied) as exc:
            raise _pull_error(exc, ref, reg) from None
        lines: list[str] = []
        say = self._sayer(lines, quiet)
        if typed.tag is None and typed.digest is None:
            say("Using default tag: latest")
        say(f"{ref.reference}: Pulling from {ref.path}")
        self._emit(ev.PullStarted, registry=reg.name, repository=ref.repository, reference=ref.reference)
        try:
            top = reg.get_manifest(ref.repository, ref.reference, auth=auth)
        except (Unauthorized, Denied, NameUnknown, ManifestUnknown) as exc:
            raise _pull_error(exc, ref, reg) from None
        fetched: dict[Digest, Content] = {}
        seen: Seen = []
        image, statuses, received = self._fetch_image(reg, ref.repository, top, wanted, auth, say, fetched, seen)
        previous = self._tags.get(str(ref)) if ref.tag else None
        up_to_date = previous == image.id and received == 0
        say(f"Digest: {top.digest}")
        shown = ref.familiar
        say(f"Status: Image is up to date for {shown}" if up_to_date else f"Status: Downloaded newer image for {shown}")
        say(str(ref))
        self._emit(ev.PullFinished, registry=reg.name, repository=ref.repository, reference=ref.reference,
                   digest=top.digest, image_id=image.id, up_to_date=up_to_date, bytes_received=received,
                   tagged=str(ref) if ref.tag else None, repo_digest=f"{ref.name}@{top.digest}", image=image,
                   blobs=tuple(fetched.values()), seen=tuple(seen))
        return PullResult(tuple(lines), str(ref), top.digest, image.id, tuple(statuses), received, up_to_date)

    def _fetch_image(self, reg: Registry, repository: str, top: StoredManifest, wanted: Platform,
                     auth: Token | None, say: Callable[[str], None], fetched: dict[Digest, Content],
                     seen: Seen) -> tuple[Image, list[tuple[Digest, str]], int]:
        """Download what the host lacks of an image into ``fetched``, noting in ``seen`` where
        each blob was (the caller's event stores both)."""
        stored = top
        if isinstance(top.parsed, Index):
            desc = top.parsed.for_platform(wanted)
            if desc is None:
                offered = ", ".join(str(p) for p in top.parsed.platforms) or "none"
                raise ManifestUnknown(f"no matching manifest for {wanted} in the manifest list entries "
                                      f"(available: {offered})", detail=str(wanted))
            stored = reg.get_manifest(repository, desc.digest, auth=auth)
            if stored.is_index:
                raise ManifestUnknown(f"nested index {stored.digest} is not supported by this client",
                                      detail=str(stored.digest))
        manifest = stored.parsed
        assert isinstance(manifest, Manifest)
        statuses: list[tuple[Digest, str]] = []
        received = 0
        blobs: list[Content] = []
        for desc in manifest.layers:
            local = self._blobs.get(desc.digest) or fetched.get(desc.digest)
            if local is not None:
                say(f"{desc.digest.id12}: Already exists")
                status = "exists"
                blob = local
            else:
                blob = reg.get_blob(repository, desc.digest, auth=auth)
                fetched[desc.digest] = blob
                received += blob.size
                say(f"{desc.digest.id12}: Pull complete")
                status = "downloaded"
            blobs.append(blob)
            statuses.append((desc.digest, status))
            seen.append((desc.digest, reg.name, repository))
            self._emit(ev.LayerPulled, registry=reg.name, repository=repository, digest=desc.digest,
                       size=desc.size, status=status)
        config = self._blobs.get(manifest.config.digest) or fetched.get(manifest.config.digest)
        if config is None:
            config = reg.get_blob(repository, manifest.config.digest, auth=auth)
            fetched[config.digest] = config
            received += config.size
        seen.append((config.digest, reg.name, repository))
        image = Image.from_parts(stored.data, config, blobs, stored.media_type)
        return image, statuses, received

    # -- push ------------------------------------------------------------------------------------

    def push(self, reference: str, *, quiet: bool | None = None) -> PushResult:
        """``docker push``: HEAD each blob, mount or upload what is missing, put the manifest."""
        ref = parse_docker_ref(reference)
        key = self._tags.get(str(ref)) if ref.tag else None
        if key is None:
            raise ImageUnknown(f"An image does not exist locally with the tag: {ref.familiar_name}"
                               f"{':' + ref.tag if ref.tag else ''}", detail=reference)
        assert ref.tag is not None  # only tags name local images
        reg = self._resolve(ref.domain)
        auth = self._auth.get(reg.name)
        reg.authorize(ref.repository, PUSH, auth=auth)
        lines: list[str] = []
        say = self._sayer(lines, quiet)
        say(f"The push refers to repository [{ref.name}]")
        self._emit(ev.PushStarted, registry=reg.name, repository=ref.repository, tag=ref.tag)
        statuses: list[tuple[Digest, str]] = []
        seen: Seen = []
        sent = 0
        if key in self._indexes:
            index = self._indexes[key]
            for image in index.images:
                sent += self._push_blobs(reg, ref.repository, image, auth, say, statuses, seen)
                reg.put_manifest(ref.repository, image.digest, image.manifest_bytes,
                                 media_type=image.media_type, auth=auth)
            data, media_type = index.index_bytes, index.media_type
        else:
            image = self._images[key]
            sent += self._push_blobs(reg, ref.repository, image, auth, say, statuses, seen)
            data, media_type = image.manifest_bytes, image.media_type
        digest = reg.put_manifest(ref.repository, ref.tag, data, media_type=media_type, auth=auth)
        say(f"{ref.tag}: digest: {digest} size: {len(data)}")
        self._emit(ev.PushFinished, registry=reg.name, repository=ref.repository, tag=ref.tag, digest=digest,
                   size=len(data), bytes_sent=sent, image_id=key, repo_digest=f"{ref.name}@{digest}",
                   seen=tuple(seen))
        return PushResult(tuple(lines), str(ref), digest, len(data), tuple(statuses), sent)

    def _push_blobs(self, reg: Registry, repository: str, image: Image, auth: Token | None,
                    say: Callable[[str], None], statuses: list[tuple[Digest, str]], seen_at: Seen) -> int:
        sent = 0
        seen = {d for d, _ in statuses}
        # docker names a layer by its diff ID (the uncompressed tar's digest) in push lines
        diff_ids = {layer.blob.digest: layer.diff_id for layer in image.layers}
        for blob in [*(layer.blob for layer in reversed(image.layers)), image.config_blob]:
            is_config = blob is image.config_blob
            if blob.digest in seen:
                continue
            seen.add(blob.digest)
            status, source = "exists", None
            if reg.stat_blob(repository, blob.digest, auth=auth) is None:
                status, source = "pushed", None
                for other in self._mount_candidates(blob.digest, reg.name, repository):
                    if not reg.can(other, PULL, auth=auth):
                        continue
                    try:
                        reg.mount_blob(repository, blob.digest, other, auth=auth)
                    except (BlobUnknown, Denied, Unauthorized):
                        continue
                    status, source = "mounted", other
                    break
                if status == "pushed":
                    reg.push_blob(repository, blob, blob.digest, auth=auth)
                    sent += blob.size
            seen_at.append((blob.digest, reg.name, repository))
            if not is_config:
                text = {"pushed": "Pushed", "exists": "Layer already exists",
                        "mounted": f"Mounted from {source}"}[status]
                say(f"{diff_ids[blob.digest].id12}: {text}")
                statuses.append((blob.digest, status))
                self._emit(ev.LayerPushed, registry=reg.name, repository=repository, digest=blob.digest,
                           size=blob.size, status=status, from_repository=source)
        return sent

    # -- build -----------------------------------------------------------------------------------

    @_daemon
    def build(self, dockerfile: str, tag: str | None = None, *, context: Mapping[str, bytes | str] | None = None,
              platforms: Iterable[str] | None = None, docker_media_types: bool = False,
              build_args: Mapping[str, str] | None = None, target: str | None = None,
              quiet: bool | None = None) -> BuildResult:
        """``docker build -t TAG .`` from a Dockerfile and a context ``{path: bytes}``.

        Dockerfiles are read as Docker reads them (:mod:`regsim.client.dockerfile`): multi-stage
        builds (``FROM … AS name``, ``COPY --from``; ``target=`` picks a stage, like ``--target``),
        ``build_args`` (``--build-arg``), heredocs, parser directives and every instruction. Only the
        final stage's layers are in the image. With ``platforms=["linux/amd64", "linux/arm64"]`` it
        builds one image per platform and an index over them (``docker buildx build --platform``).
        Layers are deterministic: the same instruction on the same parent always gives the same layer.
        """
        parsed = parse_dockerfile(dockerfile)
        last = parsed.stage(target) if target is not None else parsed.stages[-1]
        ref = parse_docker_ref(tag) if tag is not None else None
        if ref is not None and ref.digest is not None:
            raise BuildError(f"cannot tag a build with a digest: {tag!r}", detail=tag)
        files: dict[str, bytes] = {}
        for name, data in (context or {}).items():
            if not isinstance(data, (bytes, str)):
                raise BuildError(f"build context file {name!r} must be bytes or str, got {type(data).__name__}",
                                 detail=name)
            files[name] = data.encode() if isinstance(data, str) else data
        args = {str(k): str(v) for k, v in (build_args or {}).items()}
        lines: list[str] = []
        say = self._sayer(lines, quiet)
        targets = [Platform.parse(p) for p in platforms] if platforms else [self.platform]
        family = DOCKER if docker_media_types else OCI
        images: list[Image] = []
        new_layers: list[Digest] = []
        cached_steps = 0
        # what the build keeps, stored by its ImageBuilt event only (a failed build keeps nothing)
        made_blobs: dict[Digest, Content] = {}
        made_images: dict[Digest, Image] = {}
        new_cache: dict[tuple[str, str], Image] = {}
        seen: Seen = []

        def record(step: BuildStepRecord) -> None:
            self._emit(ev.BuildStep, step=step.step, total=step.total, instruction=step.instruction,
                       image_id=step.image_id, layer=step.layer.digest if step.layer else None,
                       size=step.layer.size if step.layer else 0, cached=step.cached)

        def base_image(name: str, target: Platform, say: Callable[[str], None]) -> Image:
            return self._base_image(name, target, say, made_blobs, made_images, seen)

        builder = Builder(base_image=base_image, cache=ChainMap(new_cache, self._build_cache),
                          keep=lambda layer: made_blobs.setdefault(layer.digest, layer.blob),
                          record=record, say=say, media_types=family,
                          known_layers=lambda d: d in self._blobs or d in made_blobs)
        for platform in targets:
            if len(targets) > 1:
                say(f"[{platform}]")
            image, made, cached = builder.build(parsed, platform, files, args, last, self.platform)
            made_images[image.id] = image
            if image.config_blob.digest not in self._blobs:
                made_blobs.setdefault(image.config_blob.digest, image.config_blob)
            images.append(image)
            new_layers.extend(layer.digest for layer in made)
            cached_steps += cached
        index: ImageIndex | None = None
        if len(images) == 1 and not platforms:
            result: Image | ImageIndex = images[0]
            key = images[0].id
        else:
            result = index = ImageIndex.create(images, media_type=family[1])
            key = result.digest
        say(f"Successfully built {key.id12}")
        if ref is not None:
            say(f"Successfully tagged {ref.familiar}")
        layers = tuple(l.digest for l in (result.layers if isinstance(result, Image) else images[0].layers))
        self._emit(ev.ImageBuilt, image_id=key, reference=str(ref) if ref else None, layers=layers,
                   images=tuple(made_images.values()), index=index,
                   blobs=tuple(b for d, b in made_blobs.items() if d not in self._blobs),
                   cache=tuple(new_cache.items()), seen=tuple(seen))
        return BuildResult(tuple(lines), str(ref) if ref else None, key, result, tuple(new_layers), cached_steps)

    def _base_image(self, name: str, target: Platform, say: Callable[[str], None], fetched: dict[Digest, Content],
                    images: dict[Digest, Image], seen: Seen) -> Image:
        try:
            obj = self.image(name)
        except ImageUnknown:
            obj = None
        if isinstance(obj, Image) and target.matches(obj.platform):
            return obj
        if isinstance(obj, ImageIndex):
            found = obj.for_platform(target)
            if found is not None:
                return found
        if target == self.platform and obj is None:
            pulled = self.pull(name, quiet=True)
            for line in pulled.lines:
                say(line)
            return self._images[pulled.image_id]
        ref = parse_docker_ref(name)
        reg = self._resolve(ref.domain)
        auth = self._auth.get(reg.name)
        top = reg.get_manifest(ref.repository, ref.reference, auth=auth)
        image, _, _ = self._fetch_image(reg, ref.repository, top, target, auth, lambda line: None, fetched, seen)
        images[image.id] = image  # kept by the build's ImageBuilt
        return image

    # -- helpers ---------------------------------------------------------------------------------

    def _tag_key(self, reference: str) -> str | None:
        try:
            ref = parse_docker_ref(reference)
        except RegistryError:
            return None
        return str(ref) if str(ref) in self._tags else None

    def _local_key(self, reference: str) -> Digest:
        if not isinstance(reference, str):
            raise ImageUnknown(f"No such image: {reference!r}", detail=repr(reference))
        name = self._tag_key(reference)
        if name is not None:
            return self._tags[name]
        text = reference.split(":", 1)[1] if reference.startswith("sha256:") else reference
        if len(text) >= 4 and all(c in "0123456789abcdef" for c in text):
            matches = [k for k in [*self._images, *self._indexes] if k.encoded.startswith(text)]
            if len(matches) == 1:
                return matches[0]
        try:
            ref = parse(reference)
        except RegistryError:
            ref = None
        if ref is not None and ref.digest is not None:
            for key, digests in self._repo_digests.items():
                if f"{ref.name}@{ref.digest}" in digests:
                    return key
        raise ImageUnknown(f"No such image: {reference}", detail=reference)

    def _mount_candidates(self, digest: Digest, registry: str, repository: str) -> list[str]:
        """Repositories of ``registry`` known to hold ``digest``, best first, as docker orders them:
        most path components in common with the target, then most recently seen."""
        target = repository.split("/")

        def likeness(name: str) -> int:
            n = 0
            for a, b in zip(name.split("/"), target):
                if a != b:
                    break
                n += 1
            return n

        known = [(repo, when) for (reg, repo), when in self._sources.get(digest, {}).items()
                 if reg == registry and repo != repository]
        known.sort(key=lambda rw: (-likeness(rw[0]), -rw[1], rw[0]))
        return [repo for repo, _ in known]

    # -- the one write path: commands and redo commit events, one method applies each type -----------

    def _event(self, kind: type[_E], **fields: Any) -> _E:
        return kind(host=self.name, seq=self.events.mark(), **fields)

    def _emit(self, kind: type[ev.HostEvent], **fields: Any) -> None:
        self._commit(kind(host=self.name, seq=self.events.mark(), **fields))

    def _commit(self, event: ev.HostEvent) -> None:
        """Apply ``event`` to the host's store (its ``_on_<kind>`` method), then log it."""
        _HOST_APPLY[type(event)](self, event)
        if self.events.recording:
            self.events.append(event)

    def redo(self, event: ev.HostEvent) -> None:
        """Apply one recorded event of this host again (what :meth:`regsim.World.replay` does per
        event), through the method the command used; the same event is recorded again."""
        mark = self.events.mark()
        self._commit(event if event.seq == mark else replace(event, seq=mark))

    @staticmethod
    def _missing(event: ev.HostEvent, what: str) -> InvalidArgument:
        return InvalidArgument(f"event #{event.seq} {event.kind} of host {event.host!r} carries no {what} "
                               "(taken out of a ring, EventLog(maxlen=...)?): it cannot be replayed")

    def _needs(self, event: ev.HostEvent, value: Any, what: str) -> None:
        if value is None or value == ():
            raise self._missing(event, what)

    def _note(self, seen: Iterable[tuple[Digest, str, str]]) -> None:
        """Mount hints: where each blob was seen last (a clock orders them)."""
        for digest, registry, repository in seen:
            self._clock += 1
            self._sources.setdefault(digest, {})[(registry, repository)] = self._clock

    def _on_nothing(self, e: ev.HostEvent) -> None:
        """Progress events (steps, layers pushed or pulled, starts) change nothing by themselves:
        the event that ends the operation carries what the host keeps."""

    _on_HostCreated = _on_BuildStep = _on_PushStarted = _on_LayerPushed = _on_PullStarted = _on_LayerPulled = _on_nothing

    def _on_HostLoggedIn(self, e: ev.HostLoggedIn) -> None:
        self._needs(e, e.token, "token")
        self._auth[e.registry] = e.token

    def _on_HostLoggedOut(self, e: ev.HostLoggedOut) -> None:
        self._auth.pop(e.registry, None)

    def _on_ImageTagged(self, e: ev.ImageTagged) -> None:
        self._tags[e.reference] = e.image_id

    def _on_ImageUntagged(self, e: ev.ImageUntagged) -> None:
        if "@" not in e.reference:  # a tag
            self._tags.pop(e.reference, None)
            return
        digests = self._repo_digests.get(e.image_id)  # a repo digest (name@digest)
        if digests is not None:
            digests.discard(e.reference)
            if not digests:
                del self._repo_digests[e.image_id]

    def _on_ImageDeleted(self, e: ev.ImageDeleted) -> None:
        self._images.pop(e.image_id, None)
        self._indexes.pop(e.image_id, None)

    def _on_LayerDeleted(self, e: ev.LayerDeleted) -> None:
        self._blobs.pop(e.digest, None)
        cache = self._build_cache
        for k in [k for k, v in cache.items() if any(layer.digest == e.digest for layer in v.layers)]:
            del cache[k]  # a cached step whose layer is gone

    def _on_ImageBuilt(self, e: ev.ImageBuilt) -> None:
        self._needs(e, e.images, "images")
        for blob in e.blobs:
            self._blobs.setdefault(blob.digest, blob)
        for image in e.images:
            self._images[image.id] = image
        if e.index is not None:
            self._indexes[e.index.digest] = e.index
        if e.reference is not None:
            self._tags[e.reference] = e.image_id
        self._build_cache.update(e.cache)
        self._note(e.seen)

    def _on_PushFinished(self, e: ev.PushFinished) -> None:
        self._note(e.seen)
        if e.image_id is not None and e.repo_digest:
            self._repo_digests.setdefault(e.image_id, set()).add(e.repo_digest)

    def _on_PullFinished(self, e: ev.PullFinished) -> None:
        image = e.image
        if image is None:
            raise self._missing(e, "image")
        for blob in e.blobs:
            self._blobs[blob.digest] = blob
        self._images[e.image_id] = image
        if e.tagged is not None:
            self._tags[e.tagged] = e.image_id
        if e.repo_digest:
            self._repo_digests.setdefault(e.image_id, set()).add(e.repo_digest)
        self._note(e.seen)

    def snapshot(self) -> dict[str, Any]:
        """A plain, comparable picture of the host's whole state (for before/after checks)."""
        return {
            "name": self.name, "platform": str(self.platform),
            "blobs": {d: (b.size, b.is_placeholder) for d, b in sorted(self._blobs.items())},
            "images": {k: img.digest for k, img in sorted(self._images.items())},
            "indexes": sorted(self._indexes),
            "tags": dict(sorted(self._tags.items())),
            "repo_digests": {k: sorted(v) for k, v in sorted(self._repo_digests.items())},
            "sources": {d: sorted(m.items()) for d, m in sorted(self._sources.items())},
            "clock": self._clock,
            "build_cache": {k: img.id for k, img in sorted(self._build_cache.items())},
            "logins": {r: t.user for r, t in sorted(self._auth.items())},
        }

    def _sayer(self, lines: list[str], quiet: bool | None) -> Callable[[str], None]:
        loud = not (self.quiet if quiet is None else quiet)

        def say(line: str) -> None:
            lines.append(line)
            if loud:
                print(line)

        return say

    def _done(self, lines: list[str], quiet: bool | None) -> Output:
        if not (self.quiet if quiet is None else quiet):
            for line in lines:
                print(line)
        return Output(tuple(lines))

    def __repr__(self) -> str:
        return (f"Host({self.name!r}, {self.platform}, images={len(self._images)}, "
                f"blobs={len(self._blobs)}, {human_size(self.disk_usage())})")

    def _repr_html_(self) -> str:
        rows = [[r["REPOSITORY"], r["TAG"], r["IMAGE ID"], r["SIZE"]] for r in self.images()]
        return table(rows, header=["repository", "tag", "image id", "size"],
                     caption=f"Host {self.name} ({self.platform}): {plural(len(self._blobs), 'blob')}, "
                     f"{human_size(self.disk_usage())} on disk")


#: Host event type -> the method that applies it to a host's store (derived from the event types:
#: a host event type without its ``_on_<kind>`` method fails here, at import).
_HOST_APPLY: dict[type[ev.HostEvent], Callable[[Host, Any], None]] = {
    kind: getattr(Host, f"_on_{name}") for name, kind in ev.event_types(ev.HostEvent).items()
    if issubclass(kind, ev.HostEvent)
}
