"""Content discovery: tag lists (end-8), referrers (end-12) and ``_catalog`` (distribution's).

Lists are paginated with ``n`` (at most ``n`` entries) and ``last`` (start after it); when more
entries follow, a ``Link: <...?n=&last=>; rel="next"`` header points at the next page. ``n=0``
gives an empty list and no ``Link``.
"""

from __future__ import annotations

from starlette.responses import Response

from ..oci.digest import Digest
from ..oci.mediatypes import OCI_INDEX
from .context import Context, json_reply, reply
from .protocol import next_link, parse_page_size

__all__ = ["list_tags", "catalog", "referrers"]


def _page(items: list[str], n: int | None, path: str) -> tuple[list[str], list[tuple[str, str]]]:
    if n is None or len(items) <= n:
        return items, []
    page = items[:n]
    return page, ([("Link", next_link(path, n, page[-1]))] if page else [])


async def list_tags(ctx: Context) -> Response:
    n = parse_page_size(ctx.query("n"))
    following = list(await ctx.model(ctx.registry.tags, ctx.name, last=ctx.query("last"), auth=ctx.auth))
    page, headers = _page(following, n, ctx.request.url.path)
    return json_reply(200, {"name": ctx.name, "tags": page}, headers)


async def catalog(ctx: Context) -> Response:
    limit = ctx.app.catalog_max_entries
    n = parse_page_size(ctx.query("n"), limit)
    following = await ctx.model(ctx.registry.catalog, last=ctx.query("last"), auth=ctx.auth)
    page, headers = _page(following, limit if n is None else n, ctx.request.url.path)
    return json_reply(200, {"repositories": page}, headers)


async def referrers(ctx: Context) -> Response:
    digest = Digest(ctx.params["digest"])
    artifact_type = ctx.query("artifactType")
    index = await ctx.model(ctx.registry.referrers, ctx.name, digest, artifact_type=artifact_type,
                            auth=ctx.auth)
    headers = [("Content-Type", OCI_INDEX)]
    if artifact_type is not None:
        headers.append(("OCI-Filters-Applied", "artifactType"))
    return reply(200, headers, body=index.to_bytes())
