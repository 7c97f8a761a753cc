"""The archive, in whichever backend a location names: a folder (``store.py``), ``faiss:///PATH``
or ``postgresql://…`` (``pg.py``). The interface both implement is ``base.py``, which imports
neither; the backend is chosen here, and imported only when a location asks for it."""
from __future__ import annotations

import os
from contextlib import AbstractContextManager

from ..config import resolve
from .base import ArchiveReader, ArchiveWriter

__all__ = ["open_archive", "writing", "generation_of", "check"]


def _backend(location: str | os.PathLike):
    """The location resolved (a PostgreSQL URL stays a string), and the module of its backend."""
    where = resolve(location)
    if isinstance(where, str):
        from . import pg as backend
    else:
        from . import store as backend
    return where, backend


def open_archive(location: str | os.PathLike, exempt: bool = False) -> ArchiveReader:
    """The archive at a folder, ``faiss:///PATH`` or ``postgresql://…``, read-only. Papers
    marked exempt from publication are withheld by every read unless ``exempt`` (a member's or
    a clerk's view, ``access.Role.sees_exempt``); with it, a search still leaves them out unless
    its filters ask for them (``include_exempt``)."""
    where, backend = _backend(location)
    return (backend.PgArchive if isinstance(where, str) else backend.Archive)(where, exempt=exempt)


def writing(location: str | os.PathLike, model: str, dim: int,
            rebuild: bool = False) -> AbstractContextManager[ArchiveWriter]:
    """``with writing(location, model, dim) as w:`` for either backend (see ArchiveWriter)."""
    where, backend = _backend(location)
    return backend.writing(where, model, dim, rebuild=rebuild)


def generation_of(location: str | os.PathLike) -> str:
    """The archive's current generation, cheaply (a cache key: it changes on every commit)."""
    where, backend = _backend(location)
    return backend.generation_of(where)


def check(location: str | os.PathLike) -> list[str]:
    """What is wrong with the archive (empty when healthy), for either backend."""
    where, backend = _backend(location)
    return backend.check(where)
