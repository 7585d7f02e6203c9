"""Image references, parsed and normalised as Docker does.

Grammar (distribution/reference)::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [ domain "/" ] path
    domain           := host [ ":" port ]
    host             := domain-name | IPv4 | "[" IPv6 "]"
    domain-name      := domain-component ( "." domain-component )*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    port             := /[0-9]+/
    path             := path-component ( "/" path-component )*
    path-component   := alpha-numeric ( separator alpha-numeric )*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]+/
    tag              := /[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}/
    digest           := algorithm ":" hex        (see :mod:`regsim.oci.digest`)

Normalisation (``ParseNormalizedNamed``): the first ``/``-separated component is a *domain* when it
is ``localhost``, contains ``.`` or ``:``, or contains an uppercase letter; otherwise the domain is
``docker.io``. ``index.docker.io`` becomes ``docker.io``; a one-component path on ``docker.io`` gets
the ``library/`` prefix. The path is at most 255 characters. ``parse_docker_ref`` then adds
``:latest`` when there is neither tag nor digest, and drops the tag when both are given.

>>> str(parse_docker_ref("nginx"))
'docker.io/library/nginx:latest'
>>> parse("localhost:5000/team/app:1.0").familiar
'localhost:5000/team/app:1.0'
>>> parse("Nginx")
Traceback (most recent call last):
...
regsim.errors.NameContainsUppercase: invalid reference format: repository name must be lowercase: 'Nginx'

Each rule has its own error, and every error names the offending value:
:class:`~regsim.errors.NameEmpty`, :class:`~regsim.errors.NameContainsUppercase`,
:class:`~regsim.errors.NameTooLong`, :class:`~regsim.errors.ReferenceInvalid` (domain, path or
the 64-hex rule), :class:`~regsim.errors.TagInvalid` and :class:`~regsim.errors.DigestInvalid`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .digest import Digest
from ..errors import (
    DigestInvalid,
    NameContainsUppercase,
    NameEmpty,
    NameInvalid,
    NameTooLong,
    ReferenceInvalid,
    TagInvalid,
)

__all__ = [
    "Reference",
    "parse",
    "parse_docker_ref",
    "normalize_domain",
    "validate_repository",
    "validate_tag",
    "is_tag",
    "DEFAULT_DOMAIN",
    "OFFICIAL_PREFIX",
    "NAME_MAX_LENGTH",
    "PATH_COMPONENT",
    "TAG",
]

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
NAME_MAX_LENGTH = 255
DEFAULT_TAG = "latest"

PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*"
TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN = rf"{_HOST}(?::[0-9]+)?"

_PATH_COMPONENT_RE = re.compile(rf"^{PATH_COMPONENT}\Z")
_TAG_RE = re.compile(rf"^{TAG}\Z")
_DOMAIN_RE = re.compile(rf"^{_DOMAIN}\Z")
_REPOSITORY_RE = re.compile(rf"^{PATH_COMPONENT}(?:/{PATH_COMPONENT})*\Z")
_IDENTIFIER_RE = re.compile(r"^[a-f0-9]{64}\Z")


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalised image reference: ``domain/path[:tag][@digest]``."""

    domain: str
    path: str
    tag: str | None = None
    digest: Digest | None = None

    @property
    def name(self) -> str:
        """``domain/path``, e.g. ``docker.io/library/nginx``."""
        return f"{self.domain}/{self.path}"

    @property
    def repository(self) -> str:
        """The repository name as the registry knows it (the path), e.g. ``library/nginx``."""
        return self.path

    @property
    def familiar_name(self) -> str:
        """The short name docker prints: ``nginx``, ``user/app``, ``localhost:5000/app``."""
        if self.domain == DEFAULT_DOMAIN:
            path = self.path
            if path.startswith(OFFICIAL_PREFIX) and path.count("/") == 1:
                return path[len(OFFICIAL_PREFIX) :]
            return path
        return self.name

    @property
    def familiar(self) -> str:
        """The short form of the whole reference, e.g. ``nginx:1.25``."""
        return self.familiar_name + self._suffix()

    @property
    def reference(self) -> str:
        """What to ask the registry for: the digest if there is one, else the tag."""
        if self.digest is not None:
            return str(self.digest)
        return self.tag or DEFAULT_TAG

    def _suffix(self) -> str:
        out = ""
        if self.tag is not None:
            out += ":" + self.tag
        if self.digest is not None:
            out += "@" + self.digest
        return out

    def __str__(self) -> str:
        return self.name + self._suffix()

    def __repr__(self) -> str:
        return f"Reference({str(self)!r})"


def normalize_domain(domain: str) -> str:
    """Docker Hub's one name: ``index.docker.io`` (the legacy name) is ``docker.io``; others are kept.

    >>> normalize_domain("index.docker.io"), normalize_domain("localhost:5000")
    ('docker.io', 'localhost:5000')
    """
    return DEFAULT_DOMAIN if domain == LEGACY_DEFAULT_DOMAIN else domain


def _split_domain(s: str) -> tuple[str, str]:
    i = s.find("/")
    first = s[:i] if i >= 0 else ""
    if i == -1 or (
        not any(c in first for c in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, rest = DEFAULT_DOMAIN, s
    else:
        domain, rest = first, s[i + 1 :]
    domain = normalize_domain(domain)
    if domain == DEFAULT_DOMAIN and "/" not in rest:
        rest = OFFICIAL_PREFIX + rest
    return domain, rest


def parse(s: str) -> Reference:
    """Parse and normalise ``s`` like Docker's ``ParseNormalizedNamed``.

    The tag and digest are kept as typed (either may be ``None``).
    """
    if not isinstance(s, str):
        raise ReferenceInvalid(f"invalid reference format: expected a string, got {s!r}", detail=repr(s))
    if s == "":
        raise NameEmpty("invalid reference format: repository name must have at least one component: ''", detail=s)
    if _IDENTIFIER_RE.match(s):
        raise ReferenceInvalid(
            f"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings", detail=s
        )
    domain, rest = _split_domain(s)

    # split off "@digest", then ":tag" (a ':' after the last '/')
    digest: Digest | None = None
    if "@" in rest:
        rest, _, digest_text = rest.partition("@")
        try:
            digest = Digest(digest_text)
        except DigestInvalid as exc:
            raise DigestInvalid(f"invalid reference {s!r}: {exc.message}", detail=s) from None
    tag: str | None = None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        rest, tag = rest[:colon], rest[colon + 1 :]
    path = rest

    if path.lower() != path:
        raise NameContainsUppercase(
            f"invalid reference format: repository name must be lowercase: {s!r}", detail=s
        )
    if not _DOMAIN_RE.match(domain):
        raise ReferenceInvalid(
            f"invalid reference format: registry domain {domain!r} in {s!r} must be host[:port] "
            "(letters, digits, '-' and '.', or an [IPv6] address)",
            detail=s,
        )
    if path == "":
        raise NameEmpty(f"invalid reference format: repository name must have at least one component: {s!r}", detail=s)
    for component in path.split("/"):
        if not _PATH_COMPONENT_RE.match(component):
            raise ReferenceInvalid(
                f"invalid reference format: path component {component!r} in {s!r} must be lowercase "
                "letters and digits, separated by '.', '_', '__' or dashes, with no separator at "
                "either end",
                detail=s,
            )
    if len(path) > NAME_MAX_LENGTH:
        raise NameTooLong(
            f"repository name must not be more than {NAME_MAX_LENGTH} characters: "
            f"{path[:40]!r}… has {len(path)}",
            detail=s,
        )
    if tag is not None and not _TAG_RE.match(tag):
        raise TagInvalid(
            f"invalid reference format: tag {tag!r} in {s!r} must match "
            "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}",
            detail=s,
        )
    return Reference(domain, path, tag, digest)


def parse_docker_ref(s: str) -> Reference:
    """Parse like ``docker pull`` does (``ParseDockerRef``).

    Adds ``:latest`` when there is neither tag nor digest, and drops the tag when both are given.
    """
    ref = parse(s)
    if ref.digest is not None:
        return Reference(ref.domain, ref.path, None, ref.digest)
    if ref.tag is None:
        return Reference(ref.domain, ref.path, DEFAULT_TAG, None)
    return ref


def validate_repository(name: str) -> str:
    """Check a repository name against the distribution-spec grammar; return it unchanged.

    Raises :class:`~regsim.errors.NameInvalid` stating the rule that failed.
    """
    if isinstance(name, str) and name in _VALID_NAMES:
        return name
    _check_repository(name)
    if len(_VALID_NAMES) > 1_000_000:
        _VALID_NAMES.clear()
    _VALID_NAMES.add(name)
    return name


_VALID_NAMES: set[str] = set()  # names already checked (valid names stay valid)


def _check_repository(name: str) -> None:
    if not isinstance(name, str) or name == "":
        raise NameInvalid(f"invalid repository name {name!r}: must not be empty", detail=repr(name))
    if len(name) > NAME_MAX_LENGTH:
        raise NameInvalid(
            f"invalid repository name {name[:40]!r}…: must not be more than "
            f"{NAME_MAX_LENGTH} characters (has {len(name)})",
            detail=name,
        )
    if not _REPOSITORY_RE.match(name):
        if name.lower() != name:
            reason = "must be lowercase"
        else:
            reason = (
                "each '/'-separated component must be lowercase letters and digits, separated by "
                "'.', '_', '__' or dashes, with no separator at either end"
            )
        raise NameInvalid(f"invalid repository name {name!r}: {reason}", detail=name)


def validate_tag(tag: str) -> str:
    """Check a tag (``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``); return it unchanged."""
    if isinstance(tag, str) and tag in _VALID_TAGS:
        return tag
    if not isinstance(tag, str) or not _TAG_RE.match(tag):
        raise TagInvalid(
            f"invalid tag {tag!r}: must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}} "
            "(at most 128 characters, not starting with '.' or '-')",
            detail=repr(tag) if not isinstance(tag, str) else tag,
        )
    if len(_VALID_TAGS) > 100_000:
        _VALID_TAGS.clear()
    _VALID_TAGS.add(tag)
    return tag


_VALID_TAGS: set[str] = set()  # tags already checked


def is_tag(value: str) -> bool:
    """True when ``value`` is a syntactically valid tag."""
    return isinstance(value, str) and bool(_TAG_RE.match(value))
