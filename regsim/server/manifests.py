"""``/v2/<name>/manifests/<reference>``: HEAD, GET, PUT and DELETE by tag or digest (end-3, end-7, end-9).

Manifests travel as the exact bytes pushed, under the ``Content-Type`` they were pushed with.
A ``PUT`` larger than the registry's ``max_manifest_size`` is refused with 413 before its body
is read; a manifest with a ``subject`` is answered with ``OCI-Subject`` (this registry has the
referrers API); ``?tag=`` parameters on a push by digest set those tags too (distribution-spec
main, ``OCI-Tag``).
"""

from __future__ import annotations

from starlette.responses import Response

from ..oci.digest import Digest
from ..oci.manifest import StoredManifest
from ..errors import ManifestTooLarge, ManifestUnknown, TagInvalid, expect
from ..oci.reference import validate_tag
from .context import BytesReply, Context, reply
from .protocol import media_type_of

__all__ = ["head_manifest", "get_manifest", "put_manifest", "delete_manifest", "manifest_location"]


def manifest_location(name: str, reference: str) -> str:
    expect("name", name, str)
    expect("reference", reference, str)
    return f"/v2/{name}/manifests/{reference}"


def _headers(stored: StoredManifest) -> list[tuple[str, str]]:
    return [("Content-Type", stored.media_type), ("Docker-Content-Digest", stored.digest),
            ("Etag", f'"{stored.digest}"')]


def readable_reference(ctx: Context, reference: str) -> str:
    """A GET or HEAD of a reference that is neither a digest nor a valid tag names nothing: 404
    ``MANIFEST_UNKNOWN``, as distribution answers (its routes never match such a tag) and the
    conformance suite expects; a PUT of one stays 400 ``TAG_INVALID``."""
    if ":" not in reference:
        try:
            validate_tag(reference)
        except TagInvalid:
            raise ManifestUnknown(f"manifest unknown: {ctx.name}:{reference[:200]!r} is not a valid tag",
                                  detail=reference[:200]) from None
    return reference


async def head_manifest(ctx: Context) -> Response:
    reference = readable_reference(ctx, ctx.params["reference"])
    stored = await ctx.model(ctx.registry.stat_manifest, ctx.name, reference, auth=ctx.auth)
    if stored is None:
        raise ManifestUnknown(f"manifest unknown: {ctx.name}:{reference}", detail=reference)
    return reply(200, _headers(stored), content_length=stored.size)


async def get_manifest(ctx: Context) -> Response:
    reference = readable_reference(ctx, ctx.params["reference"])
    match = ctx.header("if-none-match")
    if match is not None:
        stored = await ctx.model(ctx.registry.stat_manifest, ctx.name, reference, auth=ctx.auth)
        if stored is not None and any(t.strip() in (f'"{stored.digest}"', "*") for t in match.split(",")):
            return reply(304, _headers(stored)[1:])
    stored = await ctx.model(ctx.registry.get_manifest, ctx.name, reference, auth=ctx.auth)
    return BytesReply(200, _headers(stored), stored.data)


def _put(ctx: Context, reference: str, data: bytes, media_type: str | None,
         tags: list[str]) -> tuple[Digest, Digest | None]:
    registry = ctx.registry
    for tag in tags:
        validate_tag(tag)
    digest = registry.put_manifest(ctx.name, reference, data, media_type=media_type, auth=ctx.auth)
    for tag in tags:  # the manifest as pushed: a sha512 digest stays the tag's digest
        registry.tag(ctx.name, tag, digest, auth=ctx.auth)
    return digest, registry.repository(ctx.name).manifests[digest].subject


async def put_manifest(ctx: Context) -> Response:
    reference = ctx.params["reference"]
    limit = ctx.registry.max_manifest_size

    def too_large(size: int) -> ManifestTooLarge:
        return ManifestTooLarge(f"manifest of {size} bytes is larger than the {limit} bytes this registry "
                                "accepts", detail={"size": size, "limit": limit})

    data = await ctx.body(limit=limit, too_large=too_large)
    tags = ctx.query_list("tag")
    media_type = media_type_of(ctx.header("content-type"))
    digest, subject = await ctx.model(_put, ctx, reference, data, media_type, tags)
    headers = [("Location", manifest_location(ctx.name, digest)), ("Docker-Content-Digest", digest)]
    if subject is not None:
        headers.append(("OCI-Subject", subject))
    headers.extend(("OCI-Tag", tag) for tag in tags)
    return reply(201, headers)


async def delete_manifest(ctx: Context) -> Response:
    reference = ctx.params["reference"]
    if ":" in reference:
        await ctx.model(ctx.registry.delete_manifest, ctx.name, Digest(reference), auth=ctx.auth)
    else:
        await ctx.model(ctx.registry.delete_tag, ctx.name, reference, auth=ctx.auth)
    return reply(202)
