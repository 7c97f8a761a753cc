"""The archive, in whichever backend a location names: a folder (``store.py``), ``faiss:///PATH``
or ``postgresql://…`` (``pg.py``). The interface both implement is ``base.py``, which imports
neither; the backend is chosen here, and imported only when a location asks for it."""
from __future__ import annotations

import os
from contextlib import AbstractContextManager

from ..config import resolve
from .base import ArchiveReader, ArchiveWriter

__all__ = ["open_archive", "writing", "generation_of", "check"]


def open_archive(location: str | os.PathLike, exempt: bool = False) -> ArchiveReader:
    """The archive at a folder, ``faiss:///PATH`` or ``postgresql://…``, read-only. Papers
    marked exempt from publication are withheld by every read unless ``exempt`` (a member's or
    a clerk's view, ``access.Role.sees_exempt``); with it, a search still leaves them out unless
    its filters ask for them (``include_exempt``)."""
    where = resolve(location)
    if isinstance(where, str):
        from .pg import PgArchive

        return PgArchive(where, exempt=exempt)
    from .store import Archive

    return Archive(where, exempt=exempt)


def writing(location: str | os.PathLike, model: str, dim: int,
            rebuild: bool = False) -> AbstractContextManager[ArchiveWriter]:
    """``with writing(location, model, dim) as w:`` for either backend (see ArchiveWriter)."""
    where = resolve(location)
    if isinstance(where, str):
        from .pg import writing as pg_writing

        return pg_writing(where, model, dim, rebuild=rebuild)
    from .store import writing as folder_writing

    return folder_writing(where, model, dim, rebuild=rebuild)


def generation_of(location: str | os.PathLike) -> str:
    """The archive's current generation, cheaply (a cache key: it changes on every commit)."""
    where = resolve(location)
    if isinstance(where, str):
        from .pg import generation_of as pg_generation

        return pg_generation(where)
    from .store import Manifest

    return Manifest.read(where).generation


def check(location: str | os.PathLike) -> list[str]:
    """What is wrong with the archive (empty when healthy), for either backend."""
    where = resolve(location)
    if isinstance(where, str):
        from .pg import check as pg_check

        return pg_check(where)
    from .store import check as folder_check

    return folder_check(where)
