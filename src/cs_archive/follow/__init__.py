"""Following a topic: saved searches that say when new papers mention it (README, *Following
a topic*).

- ``store.py``: the saved searches and what they found, in a SQLite file beside the archive;
- ``watch.py``: after every ingest, each saved search over the passages it brought;
- ``feed.py``: a saved search as an Atom feed; ``web.py`` serves it (and the unsubscribe link);
- ``mail.py``: e-mail digests through SMTP; ``settings.py``: what the environment says.

The functions here are what the CLI and the UI call; ``ingest`` calls ``watch.after_ingest``.
"""
from __future__ import annotations

from pathlib import Path

from ..access import Role
from .store import Follow, FollowError, News, opened

__all__ = ["Follow", "FollowError", "News", "add", "follows", "news", "remove"]


def add(location: Path | str, name: str, query: str, filters: dict, role: Role = Role.PUBLIC,
        owner: str | None = None, email: str | None = None, every: str = "daily") -> Follow:
    """Save a search. Passages the archive holds now are not news: only what later ingests bring."""
    from ..search import check_query
    from .watch import baseline, reader

    check_query(query)
    reader(location, Role.CLERK).close()  # no archive here: ArchiveMissing says how to build one
    with opened(location, create=True) as state:
        baseline(state, location)
        return state.add(name, query, filters, role, owner=owner, email=email, every=every)


def follows(location: Path | str) -> list[Follow]:
    with opened(location) as state:
        return state.follows() if state else []


def remove(location: Path | str, name: str) -> None:
    with opened(location) as state:
        if state is None:
            raise FollowError(f"no saved search named {name!r}; `cs-archive follow list` shows them")
        state.remove(name)


def news(location: Path | str, name: str | None = None, since: str | None = None) -> list[News]:
    """What the saved searches found (one's, with ``name``), newest first."""
    with opened(location) as state:
        if state is None:
            if name is not None:
                raise FollowError(f"no saved search named {name!r}; `cs-archive follow list` shows them")
            return []
        return state.news(name, since)
