"""Original files (a paper's PDF) served by the app through a checked path, never a public folder.

The paper page asks ``link(doc_id, page)`` for the paper a viewer may see (their reader
returned it, so an exempt paper's link is only ever made for a member or a clerk). The link
carries an expiry and an HMAC of the paper and the expiry under a key this server process made
at start: nobody can make one for another paper or a later time, and every link dies with
the process or after ``LINK_TTL`` seconds. ``ROUTE`` (mounted by app.py) checks both, finds
the paper's file through the archive and streams it with ``Cache-Control: no-store``. Nothing
is copied anywhere.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route

LINK_TTL = 3600  # seconds a link to an original works
_KEY = secrets.token_bytes(32)  # this process's; links die with it


def _signature(doc_id: str, expires: int) -> str:
    return hmac.new(_KEY, f"{doc_id}\n{expires}".encode(), hashlib.sha256).hexdigest()


def link(doc_id: str, page: int | None = None, now: float | None = None) -> str:
    """A link to the paper's original, at the page, that works for ``LINK_TTL`` seconds. Make
    it only for a paper the viewer's reader returned."""
    expires = int(now if now is not None else time.time()) + LINK_TTL
    at = f"#page={int(page)}" if page else ""
    return f"/original/{quote(doc_id, safe='')}?expires={expires}&sig={_signature(doc_id, expires)}{at}"


def valid(doc_id: str, expires: str, sig: str, now: float | None = None) -> bool:
    """Whether a link's expiry and signature are the ones ``link`` made, and not yet expired."""
    try:
        when = int(expires)
    except (TypeError, ValueError):
        return False
    if when < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(_signature(doc_id, when), str(sig or ""))


def original_file(doc_id: str) -> Path | None:
    """The paper's file as the archive records it, when it is a PDF on this computer."""
    from ..index import open_archive
    from . import common

    archive = open_archive(common.location(), exempt=True)  # the link was checked: any paper
    try:
        found = archive.papers(doc_id)
    finally:
        archive.close()
    if not found:
        return None
    path = Path(found[0].get("path") or found[0]["source"])
    return path if path.suffix.lower() == ".pdf" and path.is_file() else None


async def _serve(request: Request):
    doc_id = request.path_params["doc_id"]
    if not valid(doc_id, request.query_params.get("expires", ""), request.query_params.get("sig", "")):
        return PlainTextResponse("This link to an original has expired or is not valid: open the paper in the "
                                 "archive again for a new one.", status_code=403)
    path = original_file(doc_id)
    if path is None:
        return PlainTextResponse("That paper's original is not on this computer any more.", status_code=404)
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                        filename=path.name, headers={"Cache-Control": "private, no-store",
                                                     "X-Content-Type-Options": "nosniff"})


ROUTE = Route("/original/{doc_id:path}", _serve, methods=["GET", "HEAD"])
