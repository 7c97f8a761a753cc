"""The app's routes for following (added to the Streamlit server in app.py): a saved search's
Atom feed at ``/feeds/TOKEN.atom``, and the one-click ``/unsubscribe/TOKEN``. A token is the
secret in the address; an unknown or revoked one is a 404."""
from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

PRIVATE = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def routes() -> list[Route]:
    return [Route("/feeds/{token}.atom", feed, methods=["GET", "HEAD"]),
            Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"])]


def _location():
    from ..config import store_location

    return store_location(None, None)


def feed(request: Request) -> Response:
    from .feed import FEED_ENTRIES, atom
    from .settings import base_url
    from .store import opened

    with opened(_location()) as state:
        follow = state.by_feed(request.path_params["token"]) if state else None
        if follow is None:
            return Response("No such feed (its address may have been replaced).\n", status_code=404,
                            media_type="text/plain")
        body = atom(follow, state.news(follow.name, limit=FEED_ENTRIES), base_url(str(request.base_url)))
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=PRIVATE)


def unsubscribe(request: Request) -> Response:
    from .store import opened

    token = request.path_params["token"]
    with opened(_location()) as state:
        if state is None or not state.token_known(token):
            return _page("Unknown link", "This unsubscribe link is not known here.", 404)
        stopped = state.unsubscribe(token)
    if not stopped:
        return _page("Already unsubscribed", "No e-mails are sent for this link any more.")
    names = ", ".join(f"“{n}”" for n in stopped)
    return _page("Unsubscribed", f"You will get no more e-mails for {names}. The saved "
                 f"search{'es stay' if len(stopped) > 1 else ' stays'} on the Following page.")


def _page(title: str, text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
                        f"</title></head><body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
                        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>",
                        status_code=status, headers={"X-Robots-Tag": "noindex", "Cache-Control": "no-store"})
